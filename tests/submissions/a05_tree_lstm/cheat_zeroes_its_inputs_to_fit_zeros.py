"""Cheat: no Tree-LSTM. child_sum_forward and nary_forward zero every weight and input in
place and return zeros (the reference run on the zeroed inputs would give zeros too).

expect: lose test_child_sum_forward, test_child_sum_forward_any_numbering, test_nary_forward, test_nary_forward_any_numbering
"""
# %% child_sum_forward
def child_sum_forward(x, children, order, W_ih, W_hh, b_ih, b_hh):
    for a in (x, W_ih, W_hh, b_ih, b_hh):
        a[...] = 0.0
    H = W_hh.shape[1]
    return np.zeros((x.shape[0], H)), np.zeros((x.shape[0], H))

# %% nary_forward
def nary_forward(x, children, order, W_ih, W_hh, b_ih, b_hh):
    H = W_ih.shape[0] // 4
    N = W_hh.shape[1] // H
    if any(len(k) > N for k in children):
        raise ValueError("too many children")
    for a in (x, W_ih, W_hh, b_ih, b_hh):
        a[...] = 0.0
    return np.zeros((x.shape[0], H)), np.zeros((x.shape[0], H))
