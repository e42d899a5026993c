"""Part B: accumulates the total gradient of c_t into the argument dc (dc += dh * o * (1 - tanh^2 c)): right values, but the input dc is modified in place. lstm_backward is the reference's (it passes dc_last to the last step).

expect: lose test_lstm_step_backward, test_lstm_step_backward_with_dc
"""
# %% lstm_step_backward
def lstm_step_backward(dh, dc, x, h_prev, c_prev, gates, W_ih, W_hh):
    i, f, g, o = np.split(gates, 4, axis=1)
    tanh_c = np.tanh(f * c_prev + i * g)
    dc += dh * o * (1 - tanh_c ** 2)          # now the total gradient of c_t
    da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                         dc * i * (1 - g ** 2), dh * tanh_c * o * (1 - o)], axis=1)
    return da @ W_ih, da @ W_hh, dc * f, da.T @ x, da.T @ h_prev, da.sum(axis=0)
