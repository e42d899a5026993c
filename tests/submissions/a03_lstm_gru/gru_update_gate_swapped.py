"""Writes the GRU update as h = z * n + (1 - z) * h_prev (the other convention), forward and backward.

expect: lose test_gru_step_forward, test_gru_step_backward
"""
# %% gru_step_forward
def gru_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    W_ir, W_iz, W_in = W_ih[:H], W_ih[H:2 * H], W_ih[2 * H:]
    W_hr, W_hz, W_hn = W_hh[:H], W_hh[H:2 * H], W_hh[2 * H:]
    b = b_ih + b_hh
    r = sigmoid(x @ W_ir.T + h_prev @ W_hr.T + b[:H])
    z = sigmoid(x @ W_iz.T + h_prev @ W_hz.T + b[H:2 * H])
    n = np.tanh(x @ W_in.T + (r * h_prev) @ W_hn.T + b[2 * H:])
    h = z * n + (1 - z) * h_prev
    return h, np.concatenate([r, z, n], axis=1)


def gru_step_backward(dh, x, h_prev, gates, W_ih, W_hh):
    H = h_prev.shape[1]
    r, z, n = np.split(gates, 3, axis=1)
    W_hr, W_hz, W_hn = W_hh[:H], W_hh[H:2 * H], W_hh[2 * H:]
    da_n = dh * z * (1 - n ** 2)
    da_z = dh * (n - h_prev) * z * (1 - z)
    d_rh = da_n @ W_hn
    da_r = d_rh * h_prev * r * (1 - r)
    da = np.concatenate([da_r, da_z, da_n], axis=1)
    dh_prev = dh * (1 - z) + d_rh * r + da_r @ W_hr + da_z @ W_hz
    dW_hh = np.concatenate([da_r.T @ h_prev, da_z.T @ h_prev, da_n.T @ (r * h_prev)])
    return da @ W_ih, dh_prev, da.T @ x, dW_hh, da.sum(axis=0)
