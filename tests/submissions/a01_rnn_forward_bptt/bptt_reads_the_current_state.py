"""Part C: dW_hh uses hs[t] (the state the step produced) instead of the state it read.

expect: lose test_rnn_backward_one_step, test_rnn_backward_through_time
"""
# %% rnn_backward
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    dx = np.zeros_like(x)
    dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
    db_ih, db_hh = np.zeros_like(b_ih), np.zeros_like(b_hh)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[0])):
        da = (dhs[t] + dh_next) * (1 - hs[t] ** 2)
        dx[t] = da @ W_ih
        dh_next = da @ W_hh
        dW_ih += da.T @ x[t]
        dW_hh += da.T @ hs[t]
        db_ih += da.sum(axis=0)
        db_hh += da.sum(axis=0)
    return dx, dh_next, dW_ih, dW_hh, db_ih, db_hh
