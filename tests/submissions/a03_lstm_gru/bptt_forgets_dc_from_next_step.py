"""BPTT carries dh back from step to step but gives every step dc = 0 (apart from dc_last at the end).

expect: lose test_lstm_backward_through_time, test_lstm_backward_final_cell_state
"""
# %% lstm_forward
def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    h, c = h0, c0
    hs, cs, gates = [], [], []
    for t in range(x.shape[0]):
        h, c, g = lstm_step_forward(x[t], h, c, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
        cs.append(c)
        gates.append(g)
    return np.stack(hs), np.stack(cs), np.stack(gates)


def lstm_backward(dhs, dc_last, x, h0, c0, hs, cs, gates, W_ih, W_hh):
    T = x.shape[0]
    dx = np.zeros_like(x)
    dW_ih, dW_hh, db = np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros(W_ih.shape[0])
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        h_prev = hs[t - 1] if t > 0 else h0
        c_prev = cs[t - 1] if t > 0 else c0
        dc = dc_last if t == T - 1 else np.zeros_like(c0)
        dx[t], dh_next, dc_prev, a, b, c = lstm_step_backward(dhs[t] + dh_next, dc, x[t], h_prev, c_prev,
                                                              gates[t], W_ih, W_hh)
        dW_ih += a
        dW_hh += b
        db += c
    return dx, dh_next, dc_prev, dW_ih, dW_hh, db
