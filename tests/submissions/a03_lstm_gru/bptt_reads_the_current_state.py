"""BPTT hands step t the states hs[t], cs[t] it produced instead of the ones it read (off by one in time).

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
    dx = np.zeros_like(x)
    dW_ih, dW_hh, db = np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros(W_ih.shape[0])
    dh_next, dc_next = np.zeros_like(h0), dc_last
    for t in reversed(range(x.shape[0])):
        dx[t], dh_next, dc_next, dWi, dWh, dbt = lstm_step_backward(
            dhs[t] + dh_next, dc_next, x[t], hs[t], cs[t], gates[t], W_ih, W_hh)
        dW_ih += dWi
        dW_hh += dWh
        db += dbt
    return dx, dh_next, dc_next, dW_ih, dW_hh, db
