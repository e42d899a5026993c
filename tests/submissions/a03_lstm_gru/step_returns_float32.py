"""Part A: the step casts its pre-activations to float32 (to save memory), so h, c and the gates
come back in float32; lstm_forward, which only stacks the steps, is right.

expect: lose test_lstm_step_forward
"""
# %% lstm_step_forward
def lstm_step_forward(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    a = (x @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh).astype(np.float32)
    i, f, g, o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h.astype(np.float32), c.astype(np.float32), np.concatenate([i, f, g, o], axis=1)
