"""Part B: rnn_forward right step by step, but it returns the Python list of states, not one array.

Parts E and F call it: they are graded through the reference rnn_forward where this one fails
there, so the mistake costs Part B only.

expect: lose test_rnn_forward
"""
# %% rnn_forward
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    states, h = [], h0
    for x_t in x:
        h = rnn_step_forward(x_t, h, W_ih, W_hh, b_ih, b_hh)
        states.append(h)
    return states
