"""Part C: backpropagates only each step's own dhs[t]; forgets what flows back from step t+1.

expect: lose test_rnn_backward_through_time
"""
# %% rnn_backward
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    dx = np.zeros_like(x)
    dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
    db_ih, db_hh = np.zeros_like(b_ih), np.zeros_like(b_hh)
    dh_prev = np.zeros_like(h0)
    for t in reversed(range(x.shape[0])):
        h_prev = hs[t - 1] if t > 0 else h0
        da = dhs[t] * (1 - hs[t] ** 2)
        dx[t] = da @ W_ih
        dh_prev = da @ W_hh
        dW_ih += da.T @ x[t]
        dW_hh += da.T @ h_prev
        db_ih += da.sum(axis=0)
        db_hh += da.sum(axis=0)
    return dx, dh_prev, dW_ih, dW_hh, db_ih, db_hh
