"""Part D: dL/dz = probs - onehot, forgetting the 1/B of the loss.

expect: lose test_output_backward
"""
# %% output_forward
def output_forward(hs, targets, W_ho, b_o):
    logits = hs @ W_ho.T + b_o
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    p_target = np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0]
    loss = float(-np.log(p_target).sum() / hs.shape[1])
    return probs, loss


def output_backward(probs, targets, hs, W_ho):
    T, B, V = probs.shape
    dz = probs - np.eye(V)[targets]
    dhs = dz @ W_ho
    dW_ho = np.einsum("tbv,tbh->vh", dz, hs)
    db_o = dz.sum(axis=(0, 1))
    return dhs, dW_ho, db_o
