"""Writes sigma' as sigmoid(a) * (1 - sigmoid(a)) but applies it to the gates, which are already sigmoids.

expect: lose test_lstm_step_backward, test_lstm_step_backward_with_dc
"""
# %% lstm_step_backward
def dsigmoid(a):
    return sigmoid(a) * (1 - sigmoid(a))


def lstm_step_backward(dh, dc, x, h_prev, c_prev, gates, W_ih, W_hh):
    i, f, g, o = np.split(gates, 4, axis=1)
    tanh_c = np.tanh(f * c_prev + i * g)
    dc_t = dc + dh * o * (1 - tanh_c ** 2)
    da = np.concatenate([dc_t * g * dsigmoid(i), dc_t * c_prev * dsigmoid(f),
                         dc_t * i * (1 - g ** 2), dh * tanh_c * dsigmoid(o)], axis=1)
    return da @ W_ih, da @ W_hh, dc_t * f, da.T @ x, da.T @ h_prev, da.sum(axis=0)
