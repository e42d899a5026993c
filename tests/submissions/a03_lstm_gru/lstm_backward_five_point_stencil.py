"""Part C: lstm_backward by a five-point stencil (h = 1e-3) of the student's own forward over the sequence, the biases recovered from the gates.

expect: lose test_lstm_backward_through_time, test_lstm_backward_final_cell_state
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


def lstm_backward(dhs, dc_last, x, h0, c0, hs, cs, gates, W_ih, W_hh):
    i, f, g, o = np.split(gates[0, :1], 4, axis=1)
    logit = lambda p: np.log(p / (1 - p))
    pre = np.concatenate([logit(i), logit(f), np.arctanh(g), logit(o)], axis=1)[0]
    b = pre - x[0, 0] @ W_ih.T - h0[0] @ W_hh.T   # the biases, recovered from the first row of the gates

    def loss(x, h0, c0, W_ih, W_hh, b):
        hs, cs, _ = lstm_forward(x, h0, c0, W_ih, W_hh, b, 0 * b)
        return np.sum(dhs * hs) + np.sum(dc_last * cs[-1])

    return tuple(_five_point(loss, [x, h0, c0, W_ih, W_hh, b]))
