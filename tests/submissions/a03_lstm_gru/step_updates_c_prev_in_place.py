"""Part A: builds the new cell state in the buffer of c_prev (c = c_prev; c *= f; c += i * g) to save a copy: right values, but the input c_prev is modified in place. lstm_forward is the reference's (it only stacks the steps).

expect: lose test_lstm_step_forward
"""
# %% lstm_step_forward
def lstm_step_forward(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    i, f, g, o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    c = c_prev          # the new cell state, updated in place to save memory
    c *= f
    c += i * g
    h = o * np.tanh(c)
    return h, c, np.concatenate([i, f, g, o], axis=1)
