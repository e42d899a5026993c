"""Part C: assigns the weight gradients at each step instead of adding them up over time.

expect: lose test_rnn_backward_through_time
"""
# %% rnn_backward
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    dx = np.zeros_like(x)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[0])):
        h_prev = hs[t - 1] if t > 0 else h0
        da = (dhs[t] + dh_next) * (1 - hs[t] ** 2)
        dx[t] = da @ W_ih
        dh_next = da @ W_hh
        dW_ih = da.T @ x[t]
        dW_hh = da.T @ h_prev
        db_ih = da.sum(axis=0)
        db_hh = da.sum(axis=0)
    return dx, dh_next, dW_ih, dW_hh, db_ih, db_hh
