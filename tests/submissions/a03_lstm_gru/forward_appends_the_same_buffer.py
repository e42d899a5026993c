"""Keeps h and c in preallocated buffers updated in place and appends the buffer itself: every hs[t] is h_T.

expect: lose test_lstm_forward
"""
# %% lstm_forward
def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    h, c = h0.copy(), c0.copy()
    hs, cs, gates = [], [], []
    for t in range(x.shape[0]):
        h_new, c_new, g = lstm_step_forward(x[t], h, c, W_ih, W_hh, b_ih, b_hh)
        h[:] = h_new
        c[:] = c_new
        hs.append(h)
        cs.append(c)
        gates.append(g)
    return np.array(hs), np.array(cs), np.array(gates)


def lstm_backward(dhs, dc_last, x, h0, c0, hs, cs, gates, W_ih, W_hh):
    dx = np.zeros_like(x)
    dW_ih, dW_hh, db = np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros(W_ih.shape[0])
    dh_next, dc_next = np.zeros_like(h0), dc_last
    for t in reversed(range(x.shape[0])):
        h_prev = hs[t - 1] if t > 0 else h0
        c_prev = cs[t - 1] if t > 0 else c0
        dx[t], dh_next, dc_next, a, b, c = lstm_step_backward(dhs[t] + dh_next, dc_next, x[t], h_prev, c_prev,
                                                              gates[t], W_ih, W_hh)
        dW_ih += a
        dW_hh += b
        db += c
    return dx, dh_next, dc_next, dW_ih, dW_hh, db
