"""Part A: the step squeezes its result, so a batch of one comes back as shape (H,).

expect: lose test_rnn_step_forward
"""
# %% rnn_step_forward
def rnn_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.squeeze(np.tanh(x @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh))
