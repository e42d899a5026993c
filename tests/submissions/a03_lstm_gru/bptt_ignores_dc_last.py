"""BPTT starts the cell-state gradient from zero instead of from dc_last.

expect: lose test_lstm_backward_final_cell_state
"""
# %% lstm_forward
def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    T, B, H = x.shape[0], x.shape[1], h0.shape[1]
    hs, cs, gates = np.empty((T, B, H)), np.empty((T, B, H)), np.empty((T, B, 4 * H))
    h, c = h0, c0
    for t in range(T):
        h, c, gates[t] = lstm_step_forward(x[t], h, c, W_ih, W_hh, b_ih, b_hh)
        hs[t], cs[t] = h, c
    return hs, cs, gates


def lstm_backward(dhs, dc_last, x, h0, c0, hs, cs, gates, W_ih, W_hh):
    dx = np.zeros_like(x)
    grads = [np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros(W_ih.shape[0])]
    dh, dc = np.zeros_like(h0), np.zeros_like(c0)
    for t in range(x.shape[0] - 1, -1, -1):
        h_prev, c_prev = (hs[t - 1], cs[t - 1]) if t else (h0, c0)
        dx[t], dh, dc, *step = lstm_step_backward(dhs[t] + dh, dc, x[t], h_prev, c_prev, gates[t], W_ih, W_hh)
        for total, g in zip(grads, step):
            total += g
    return (dx, dh, dc, *grads)
