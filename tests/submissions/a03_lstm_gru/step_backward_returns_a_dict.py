"""Part B: lstm_step_backward computes every gradient right but returns them in a dict, not the
tuple (dx, dh_prev, dc_prev, dW_ih, dW_hh, db) the task asks for.

lstm_backward (the solution's, which unpacks the tuple) raises on it; Part C is graded through
the reference step where the student's own fails, so the mistake costs Part B only.

expect: lose test_lstm_step_backward, test_lstm_step_backward_with_dc
"""
# %% lstm_step_backward
def lstm_step_backward(dh, dc, x, h_prev, c_prev, gates, W_ih, W_hh):
    H = h_prev.shape[1]
    i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    dc_total = dc + dh * o * (1 - tanh_c ** 2)
    da = np.concatenate([dc_total * g * i * (1 - i), dc_total * c_prev * f * (1 - f),
                         dc_total * i * (1 - g ** 2), dh * tanh_c * o * (1 - o)], axis=1)
    return {"dx": da @ W_ih, "dh_prev": da @ W_hh, "dc_prev": dc_total * f,
            "dW_ih": da.T @ x, "dW_hh": da.T @ h_prev, "db": da.sum(axis=0)}
