"""Part D: averages the cross-entropy over all T * B positions instead of summing over time.

expect: lose test_output_forward
"""
# %% output_forward
def output_forward(hs, targets, W_ho, b_o):
    logits = hs @ W_ho.T + b_o
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    T, B = targets.shape
    loss = 0.0
    for t in range(T):
        for b in range(B):
            loss -= np.log(probs[t, b, targets[t, b]])
    return probs, float(loss / (T * B))


def output_backward(probs, targets, hs, W_ho):
    T, B, V = probs.shape
    dz = probs.copy()
    dz[np.arange(T)[:, None], np.arange(B)[None, :], targets] -= 1.0
    dz /= B
    dhs = dz @ W_ho
    dW_ho = dz.reshape(T * B, V).T @ hs.reshape(T * B, -1)
    db_o = dz.sum(axis=(0, 1))
    return dhs, dW_ho, db_o
