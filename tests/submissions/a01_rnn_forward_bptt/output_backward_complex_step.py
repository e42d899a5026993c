"""Part D: output_backward by complex-step differentiation (exact to rounding for a holomorphic forward, so no tolerance fails it by value) of the student's own loss, b_o recovered from probs[0, 0].

The given probabilities of the hidden test are not a softmax of hs W_ho^T + b_o, so recomputing
them from hs fails there.

expect: lose test_output_backward
expect-forbidden: output_forward
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
    b_o = np.log(probs[0, 0]) - hs[0, 0] @ W_ho.T   # the softmax ignores a constant shift

    def loss(hs, W_ho, b_o):  # output_forward's loss, without float() so complex numbers pass
        logits = hs @ W_ho.T + b_o
        e = np.exp(logits - logits.real.max(axis=-1, keepdims=True))
        probs = e / e.sum(axis=-1, keepdims=True)
        return -np.log(np.take_along_axis(probs, targets[..., None], axis=-1)).sum() / hs.shape[1]

    inputs = [hs, W_ho, b_o]
    grads = []
    for k, a in enumerate(inputs):
        g = np.zeros(a.shape)
        for i in np.ndindex(a.shape):
            args = [v.astype(complex) for v in inputs]
            args[k][i] += 1e-20j
            g[i] = loss(*args).imag / 1e-20
        grads.append(g)
    return tuple(grads)
