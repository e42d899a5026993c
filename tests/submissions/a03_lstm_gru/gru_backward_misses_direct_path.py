"""Forgets that h_prev reaches h_t directly through z * h_prev: dh_prev lacks dh * z.

expect: lose test_gru_step_backward
"""
# %% gru_step_forward
def gru_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    a_x = x @ W_ih.T + b_ih
    r = sigmoid(a_x[:, :H] + h_prev @ W_hh[:H].T + b_hh[:H])
    z = sigmoid(a_x[:, H:2 * H] + h_prev @ W_hh[H:2 * H].T + b_hh[H:2 * H])
    n = np.tanh(a_x[:, 2 * H:] + (r * h_prev) @ W_hh[2 * H:].T + b_hh[2 * H:])
    return (1 - z) * n + z * h_prev, np.concatenate([r, z, n], axis=1)


def gru_step_backward(dh, x, h_prev, gates, W_ih, W_hh):
    H = h_prev.shape[1]
    r, z, n = np.split(gates, 3, axis=1)
    da_n = dh * (1 - z) * (1 - n ** 2)
    da_z = dh * (h_prev - n) * z * (1 - z)
    d_rh = da_n @ W_hh[2 * H:]
    da_r = d_rh * h_prev * r * (1 - r)
    da = np.concatenate([da_r, da_z, da_n], axis=1)
    dh_prev = d_rh * r + da[:, :2 * H] @ W_hh[:2 * H]
    dW_hh = np.concatenate([da_r.T @ h_prev, da_z.T @ h_prev, da_n.T @ (r * h_prev)])
    return da @ W_ih, dh_prev, da.T @ x, dW_hh, da.sum(axis=0)
