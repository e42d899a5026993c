"""Part C: lstm_backward by complex-step differentiation (exact to rounding) of the student's own forward over the sequence, the biases recovered from the gates.

expect: lose test_lstm_backward_through_time, test_lstm_backward_final_cell_state
expect-forbidden: lstm_forward
"""
# %% lstm_forward
def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    """The LSTM over a sequence.

    x: (T, B, D); h0, c0: (B, H); weights as in lstm_step_forward.
    Returns hs, cs: (T, B, H), the states after each step, and gates: (T, B, 4H).
    """
    h, c = h0, c0
    hs, cs, gates = [], [], []
    for t in range(x.shape[0]):
        h, c, g = lstm_step_forward(x[t], h, c, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
        cs.append(c)
        gates.append(g)
    return np.stack(hs), np.stack(cs), np.stack(gates)


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


def lstm_backward(dhs, dc_last, x, h0, c0, hs, cs, gates, W_ih, W_hh):
    i, f, g, o = np.split(gates[0, :1], 4, axis=1)
    logit = lambda p: np.log(p / (1 - p))
    pre = np.concatenate([logit(i), logit(f), np.arctanh(g), logit(o)], axis=1)[0]
    b = pre - x[0, 0] @ W_ih.T - h0[0] @ W_hh.T   # the biases, recovered from the first row of the gates

    def loss(x, h0, c0, W_ih, W_hh, b):
        h, c, total = h0, c0, 0.0
        for t in range(x.shape[0]):
            h, c = _lstm_step(x[t], h, c, W_ih, W_hh, b)
            total = total + np.sum(dhs[t] * h)
        return total + np.sum(dc_last * c)

    return tuple(_complex_step(loss, [x, h0, c0, W_ih, W_hh, b]))
