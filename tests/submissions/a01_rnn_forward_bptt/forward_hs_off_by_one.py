"""Part B: hs starts with h0 and drops the last state (hs[t] is the state before x[t]).

expect: lose test_rnn_forward
"""
# %% rnn_forward
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    hs = [h0]
    for t in range(x.shape[0] - 1):
        hs.append(rnn_step_forward(x[t], hs[-1], W_ih, W_hh, b_ih, b_hh))
    return np.array(hs)
