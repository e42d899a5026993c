"""Believes the LSTM rows are i|g|f|o (the order of the cell update), in the step and its backward.

expect: lose test_lstm_step_forward, test_lstm_step_backward, test_lstm_step_backward_with_dc
"""
# %% lstm_step_forward
def lstm_step_forward(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    a_i, a_g, a_f, a_o = np.split(a, 4, axis=1)
    i, g, f, o = sigmoid(a_i), np.tanh(a_g), sigmoid(a_f), sigmoid(a_o)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, np.concatenate([i, f, g, o], axis=1)

# %% lstm_step_backward
def lstm_step_backward(dh, dc, x, h_prev, c_prev, gates, W_ih, W_hh):
    i, f, g, o = np.split(gates, 4, axis=1)
    c = f * c_prev + i * g
    dc = dc + dh * o * (1 - np.tanh(c) ** 2)
    da_i = dc * g * i * (1 - i)
    da_f = dc * c_prev * f * (1 - f)
    da_g = dc * i * (1 - g ** 2)
    da_o = dh * np.tanh(c) * o * (1 - o)
    da = np.concatenate([da_i, da_g, da_f, da_o], axis=1)
    return da @ W_ih, da @ W_hh, dc * f, da.T @ x, da.T @ h_prev, da.sum(axis=0)
