"""Part B: reuses the buffer of h0 for the running state (h = h0; h[...] = ...) to save allocations: right states, but the caller's h0 is overwritten with the last state.

expect: lose test_rnn_forward
"""
# %% rnn_forward
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    T = x.shape[0]
    hs = np.empty((T,) + h0.shape)
    h = h0                       # "no copy needed, I overwrite it anyway"
    for t in range(T):
        h[...] = rnn_step_forward(x[t], h, W_ih, W_hh, b_ih, b_hh)
        hs[t] = h
    return hs
