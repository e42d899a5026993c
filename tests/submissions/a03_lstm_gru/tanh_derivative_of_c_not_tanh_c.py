"""Differentiates h = o * tanh(c) with 1 - c**2, the tanh derivative written from the output, applied to c.

expect: lose test_lstm_step_backward, test_lstm_step_backward_with_dc
"""
# %% lstm_step_backward
def lstm_step_backward(dh, dc, x, h_prev, c_prev, gates, W_ih, W_hh):
    i, f, g, o = np.split(gates, 4, axis=1)
    c = f * c_prev + i * g
    dc_total = dc + dh * o * (1 - c ** 2)
    do = dh * np.tanh(c)
    da = np.concatenate([dc_total * g * i * (1 - i), dc_total * c_prev * f * (1 - f),
                         dc_total * i * (1 - g ** 2), do * o * (1 - o)], axis=1)
    return da @ W_ih, da @ W_hh, dc_total * f, da.T @ x, da.T @ h_prev, da.sum(axis=0)
