"""Part B: lstm_step_backward by complex-step differentiation (exact to rounding) of the student's own step, the biases recovered from the gates' first row.

expect: lose test_lstm_step_backward, test_lstm_step_backward_with_dc
expect-forbidden: lstm_step_backward
"""
# %% lstm_step_backward
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


def _lstm_step(x, h, c, W_ih, W_hh, b):
    i, f, g, o = np.split(x @ W_ih.T + b + h @ W_hh.T, 4, axis=1)
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c), c


def lstm_step_backward(dh, dc, x, h_prev, c_prev, gates, W_ih, W_hh):
    i, f, g, o = np.split(gates[:1], 4, axis=1)
    logit = lambda p: np.log(p / (1 - p))
    pre = np.concatenate([logit(i), logit(f), np.arctanh(g), logit(o)], axis=1)[0]
    b = pre - x[0] @ W_ih.T - h_prev[0] @ W_hh.T   # the biases, recovered from the first row of the gates

    def loss(x, h_prev, c_prev, W_ih, W_hh, b):
        h, c = _lstm_step(x, h_prev, c_prev, W_ih, W_hh, b)
        return np.sum(dh * h) + np.sum(dc * c)

    return tuple(_complex_step(loss, [x, h_prev, c_prev, W_ih, W_hh, b]))
