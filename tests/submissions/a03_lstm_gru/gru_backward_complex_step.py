"""Part D: gru_step_backward by complex-step differentiation (exact to rounding) of the student's own step, the biases recovered from the gates' first row.

expect: lose test_gru_step_backward
expect-forbidden: gru_step_forward
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


def _complex_step(loss, arrays):
    """d loss / d every entry of every array: Im loss(a + 1e-20 i e_k) / 1e-20, exact to rounding."""
    grads = []
    for k, a in enumerate(arrays):
        g = np.zeros(a.shape)
        for i in np.ndindex(a.shape):
            args = [v.astype(complex) for v in arrays]
            args[k][i] += 1e-20j
            g[i] = loss(*args).imag / 1e-20
        grads.append(g)
    return grads

def _sigmoid(a):  # the setup cell's sigmoid uses np.logaddexp, which complex numbers do not pass
    return 1 / (1 + np.exp(-a))


def gru_step_backward(dh, x, h_prev, gates, W_ih, W_hh):
    H = h_prev.shape[1]
    r, z, n = np.split(gates[:1], 3, axis=1)
    logit = lambda p: np.log(p / (1 - p))
    b = np.concatenate([logit(r) - x[:1] @ W_ih[:H].T - h_prev[:1] @ W_hh[:H].T,  # the biases, from row 0
                        logit(z) - x[:1] @ W_ih[H:2 * H].T - h_prev[:1] @ W_hh[H:2 * H].T,
                        np.arctanh(n) - x[:1] @ W_ih[2 * H:].T - (r * h_prev[:1]) @ W_hh[2 * H:].T], axis=1)[0]

    def loss(x, h_prev, W_ih, W_hh, b):  # gru_step_forward with a sigmoid complex numbers pass through
        a = x @ W_ih.T + b
        r = 1 / (1 + np.exp(-(a[:, :H] + h_prev @ W_hh[:H].T)))
        z = 1 / (1 + np.exp(-(a[:, H:2 * H] + h_prev @ W_hh[H:2 * H].T)))
        n = np.tanh(a[:, 2 * H:] + (r * h_prev) @ W_hh[2 * H:].T)
        return np.sum(dh * ((1 - z) * n + z * h_prev))

    return tuple(_complex_step(loss, [x, h_prev, W_ih, W_hh, b]))
