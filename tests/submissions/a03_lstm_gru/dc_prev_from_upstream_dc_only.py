"""Passes back dc_prev = dc * f, forgetting the part of dc_t that came through h_t.

expect: lose test_lstm_step_backward, test_lstm_step_backward_with_dc
"""
# %% lstm_step_backward
def lstm_step_backward(dh, dc, x, h_prev, c_prev, gates, W_ih, W_hh):
    H = h_prev.shape[1]
    i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    tanh_c = np.tanh(f * c_prev + i * g)
    dc_all = dc + dh * o * (1 - tanh_c ** 2)
    da = np.hstack([dc_all * g * i * (1 - i), dc_all * c_prev * f * (1 - f),
                    dc_all * i * (1 - g ** 2), dh * tanh_c * o * (1 - o)])
    dc_prev = dc * f
    return da @ W_ih, da @ W_hh, dc_prev, da.T @ x, da.T @ h_prev, np.sum(da, axis=0)
