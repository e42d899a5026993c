"""Part B: every step starts from h0 instead of the state computed just before.

expect: lose test_rnn_forward
"""
# %% rnn_forward
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    T = x.shape[0]
    hs = np.zeros((T, h0.shape[0], h0.shape[1]))
    for t in range(T):
        hs[t] = rnn_step_forward(x[t], h0, W_ih, W_hh, b_ih, b_hh)
    return hs
