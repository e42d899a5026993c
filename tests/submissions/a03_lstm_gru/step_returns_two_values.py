"""Part A: lstm_step_forward computes h and c right but returns only (h, c), not the gates.

lstm_forward (the solution's, which unpacks three values) raises on it; Part C is graded
through the reference step where the student's own fails, so the mistake costs Part A only.

expect: lose test_lstm_step_forward
"""
# %% lstm_step_forward
def lstm_step_forward(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    H = h_prev.shape[1]
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    return o * np.tanh(c), c
