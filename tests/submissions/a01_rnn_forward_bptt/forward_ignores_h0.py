"""Part B: the sequence starts from a zero state instead of h0 (the loss no longer depends on h0).

A correct gradient_check must keep Part F: the h0 gradient of this loss is exactly 0, and the
hidden test compares with an exact 0 there (a five-point stencil's ~1e-13 residue used to cost
Part F).

expect: lose test_rnn_forward
"""
# %% rnn_forward
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    hs = []
    h = np.zeros_like(h0)
    for t in range(x.shape[0]):
        h = rnn_step_forward(x[t], h, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
    return np.stack(hs)
