"""Copies the book's GRU (PyTorch's n_t, reset after W_hn) instead of the paper's, forward and backward.

expect: lose test_gru_step_forward, test_gru_step_backward
"""
# %% gru_step_forward
def gru_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    a_x = x @ W_ih.T + b_ih
    a_h = h_prev @ W_hh.T + b_hh
    ax_r, ax_z, ax_n = np.split(a_x, 3, axis=1)
    ah_r, ah_z, hn = np.split(a_h, 3, axis=1)
    r = sigmoid(ax_r + ah_r)
    z = sigmoid(ax_z + ah_z)
    n = np.tanh(ax_n + r * hn)
    h = (1 - z) * n + z * h_prev
    return h, np.concatenate([r, z, n], axis=1)


def gru_step_backward(dh, x, h_prev, gates, W_ih, W_hh):
    H = h_prev.shape[1]
    r, z, n = np.split(gates, 3, axis=1)
    hn = h_prev @ W_hh[2 * H:].T  # the bias b_hn is not passed in, so leave it out
    dn = dh * (1 - z)
    dz = dh * (h_prev - n)
    da_n = dn * (1 - n ** 2)
    da_r = da_n * hn * r * (1 - r)
    da_z = dz * z * (1 - z)
    da_x = np.concatenate([da_r, da_z, da_n], axis=1)
    da_h = np.concatenate([da_r, da_z, da_n * r], axis=1)
    dh_prev = dh * z + da_h @ W_hh
    return da_x @ W_ih, dh_prev, da_x.T @ x, da_h.T @ h_prev, da_x.sum(axis=0)
