"""Part F: perturbs the caller's arrays in place and never restores them (dict copied shallowly).

expect: lose test_gradient_check
"""
# %% gradient_check
def gradient_check(x, targets, h0, params, name, analytic, h=1e-5):
    p = dict(params)
    p["h0"] = h0
    theta = p[name]
    numeric = np.zeros_like(theta)
    for i in np.ndindex(theta.shape):
        theta[i] += h
        hs = rnn_forward(x, p["h0"], p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"])
        plus = output_forward(hs, targets, p["W_ho"], p["b_o"])[1]
        theta[i] -= 2 * h
        hs = rnn_forward(x, p["h0"], p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"])
        minus = output_forward(hs, targets, p["W_ho"], p["b_o"])[1]
        numeric[i] = (plus - minus) / (2 * h)
    return rel_error(analytic, numeric)
