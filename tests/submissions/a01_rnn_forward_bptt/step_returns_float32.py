"""Part A: the step returns float32 (it casts its result to save memory).

expect: lose test_rnn_step_forward
"""
# %% rnn_step_forward
def rnn_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh).astype(np.float32)
