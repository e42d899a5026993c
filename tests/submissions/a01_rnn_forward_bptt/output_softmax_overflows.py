"""Part D: softmax without subtracting the maximum: overflows for large logits.

expect: lose test_output_forward
"""
# %% output_forward
def output_forward(hs, targets, W_ho, b_o):
    e = np.exp(hs @ W_ho.T + b_o)
    probs = e / e.sum(axis=2, keepdims=True)
    picked = np.take_along_axis(probs, targets[:, :, None], axis=2)
    return probs, float(-np.log(picked).sum() / hs.shape[1])


def output_backward(probs, targets, hs, W_ho):
    T, B, V = probs.shape
    dz = probs.copy()
    dz[np.arange(T)[:, None], np.arange(B)[None, :], targets] -= 1.0
    dz /= B
    dhs = dz @ W_ho
    dW_ho = dz.reshape(T * B, V).T @ hs.reshape(T * B, -1)
    db_o = dz.sum(axis=(0, 1))
    return dhs, dW_ho, db_o
