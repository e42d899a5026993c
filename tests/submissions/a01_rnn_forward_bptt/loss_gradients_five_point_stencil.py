"""Part E: loss_and_gradients by a five-point stencil (error ~h**4, h = 1e-3) of the student's own loss.

expect: lose test_loss_and_gradients
"""
# %% loss_and_gradients
def loss_and_gradients(x, targets, h0, params):
    values = {"h0": h0.copy(), **{k: v.copy() for k, v in params.items()}}

    def loss():
        hs = rnn_forward(x, values["h0"], values["W_ih"], values["W_hh"], values["b_ih"], values["b_hh"])
        return output_forward(hs, targets, values["W_ho"], values["b_o"])[1]

    step = 1e-3
    grads = {}
    for name, a in values.items():
        g = np.zeros(a.shape)
        for i in np.ndindex(a.shape):
            old, f = a[i], {}
            for k in (1, -1, 2, -2):
                a[i] = old + k * step
                f[k] = loss()
            a[i] = old
            g[i] = (8 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12 * step)
        grads[name] = g
    return loss(), grads
