"""Part A: multiplies h_prev by W_hh without the transpose (runs, since W_hh is square).

expect: lose test_rnn_step_forward
"""
# %% rnn_step_forward
def rnn_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x @ W_ih.T + b_ih + h_prev @ W_hh + b_hh)
