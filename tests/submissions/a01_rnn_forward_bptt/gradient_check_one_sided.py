"""Part F: forward differences (L(theta + h) - L(theta)) / h instead of centred ones.

expect: lose test_gradient_check
"""
# %% gradient_check
def gradient_check(x, targets, h0, params, name, analytic, h=1e-5):
    def loss(h0, params):
        hs = rnn_forward(x, h0, params["W_ih"], params["W_hh"], params["b_ih"], params["b_hh"])
        return output_forward(hs, targets, params["W_ho"], params["b_o"])[1]

    h0, params = h0.copy(), {k: v.copy() for k, v in params.items()}
    theta = h0 if name == "h0" else params[name]
    base = loss(h0, params)
    numeric = np.zeros_like(theta)
    for i in np.ndindex(theta.shape):
        theta[i] += h
        numeric[i] = (loss(h0, params) - base) / h
        theta[i] -= h
    return rel_error(analytic, numeric)
