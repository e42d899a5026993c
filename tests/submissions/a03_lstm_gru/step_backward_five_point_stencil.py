"""Part B: lstm_step_backward by a five-point stencil (h = 1e-3) of the student's own step, the biases recovered from the gates' first row.

expect: lose test_lstm_step_backward, test_lstm_step_backward_with_dc
"""
# %% lstm_step_backward
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


def lstm_step_backward(dh, dc, x, h_prev, c_prev, gates, W_ih, W_hh):
    i, f, g, o = np.split(gates[:1], 4, axis=1)
    logit = lambda p: np.log(p / (1 - p))
    pre = np.concatenate([logit(i), logit(f), np.arctanh(g), logit(o)], axis=1)[0]
    b = pre - x[0] @ W_ih.T - h_prev[0] @ W_hh.T   # the biases, recovered from the first row of the gates

    def loss(x, h_prev, c_prev, W_ih, W_hh, b):
        h, c, _ = lstm_step_forward(x, h_prev, c_prev, W_ih, W_hh, b, 0 * b)
        return np.sum(dh * h) + np.sum(dc * c)

    return tuple(_five_point(loss, [x, h_prev, c_prev, W_ih, W_hh, b]))
