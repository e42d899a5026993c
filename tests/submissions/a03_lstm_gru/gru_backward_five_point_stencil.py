"""Part D: gru_step_backward by a five-point stencil (h = 1e-3) of the student's own step, the biases recovered from the gates' first row.

expect: lose test_gru_step_backward
"""
# %% gru_step_forward
def gru_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    """One step of the GRU of Cho et al. (2014): the reset gate acts before W_hn.

    x: (B, D); h_prev: (B, H); W_ih: (3H, D); W_hh: (3H, H); b_ih, b_hh: (3H,), rows r|z|n.
    Returns h: (B, H) and gates: (B, 3H), the activated [r | z | n].
    """
    H = h_prev.shape[1]
    a_x = x @ W_ih.T + b_ih                                      # (B, 3H)
    r = sigmoid(a_x[:, :H] + h_prev @ W_hh[:H].T + b_hh[:H])
    z = sigmoid(a_x[:, H:2 * H] + h_prev @ W_hh[H:2 * H].T + b_hh[H:2 * H])
    n = np.tanh(a_x[:, 2 * H:] + (r * h_prev) @ W_hh[2 * H:].T + b_hh[2 * H:])
    h = (1 - z) * n + z * h_prev
    return h, np.concatenate([r, z, n], axis=1)


def _five_point(loss, arrays, step=1e-3):
    """d loss / d every entry of every array by the five-point stencil (error ~step**4)."""
    arrays = [a.copy() for a in arrays]
    grads = []
    for a in arrays:
        g = np.zeros(a.shape)
        for i in np.ndindex(a.shape):
            old, f = a[i], {}
            for k in (1, -1, 2, -2):
                a[i] = old + k * step
                f[k] = loss(*arrays)
            a[i] = old
            g[i] = (8 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12 * step)
        grads.append(g)
    return grads


def gru_step_backward(dh, x, h_prev, gates, W_ih, W_hh):
    H = h_prev.shape[1]
    r, z, n = np.split(gates[:1], 3, axis=1)
    logit = lambda p: np.log(p / (1 - p))
    b = np.concatenate([logit(r) - x[:1] @ W_ih[:H].T - h_prev[:1] @ W_hh[:H].T,  # the biases, from row 0
                        logit(z) - x[:1] @ W_ih[H:2 * H].T - h_prev[:1] @ W_hh[H:2 * H].T,
                        np.arctanh(n) - x[:1] @ W_ih[2 * H:].T - (r * h_prev[:1]) @ W_hh[2 * H:].T], axis=1)[0]

    def loss(x, h_prev, W_ih, W_hh, b):
        return np.sum(dh * gru_step_forward(x, h_prev, W_ih, W_hh, b, 0 * b)[0])

    return tuple(_five_point(loss, [x, h_prev, W_ih, W_hh, b]))
