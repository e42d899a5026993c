"""Part E: loss_and_gradients by complex-step differentiation of a forward pass written inline
(no call of Parts B-D, so counting their calls cannot see it).

Exact to rounding, so no tolerance fails it by value; its cost does: one forward pass per
parameter on the hidden test's model of 30,630 parameters, far above the part's budget of CPU
seconds that backpropagation stays far below. course-rnn's check of the cell also sees the
complex numbers and zeroes the part.

expect: lose test_loss_and_gradients
expect-forbidden: loss_and_gradients
"""
# %% loss_and_gradients
def loss_and_gradients(x, targets, h0, params):
    names = ["h0", "W_ih", "W_hh", "b_ih", "b_hh", "W_ho", "b_o"]
    values = {"h0": h0, **params}

    def loss(v):
        h, total = v["h0"], 0.0
        for t in range(x.shape[0]):
            h = np.tanh(x[t] @ v["W_ih"].T + v["b_ih"] + h @ v["W_hh"].T + v["b_hh"])
            z = h @ v["W_ho"].T + v["b_o"]
            z = z - z.real.max(axis=-1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
            total = total - np.take_along_axis(log_p, targets[t][:, None], axis=-1).sum()
        return total / x.shape[1]

    grads = {}
    for name in names:
        g = np.zeros(values[name].shape)
        for i in np.ndindex(g.shape):
            v = {k: values[k].astype(complex) for k in names}
            v[name][i] += 1e-20j
            g[i] = loss(v).imag / 1e-20
        grads[name] = g
    return float(loss(values).real), grads
