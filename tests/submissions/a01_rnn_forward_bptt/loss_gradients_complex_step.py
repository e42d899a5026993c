"""Part E: loss_and_gradients by complex-step differentiation of the student's own forward.

Complex step is exact to rounding (it agrees with the analytic gradients to ~1e-16 relative),
so no tolerance can fail it by value. Its cost fails it: one forward pass per parameter, 9.2 CPU
seconds on the hidden test's model of 30,630 parameters, where the budget is 1.5 s and
backpropagation takes 0.1 s at most. course-rnn's check of the cell also sees the complex
numbers (`astype(complex)`, `1e-20j`, `.imag`) and zeroes the part.

expect: lose test_loss_and_gradients
expect-forbidden: loss_and_gradients
"""
# %% loss_and_gradients
def loss_and_gradients(x, targets, h0, params):
    names = ["h0", "W_ih", "W_hh", "b_ih", "b_hh", "W_ho", "b_o"]
    values = {"h0": h0, **params}

    def loss(v):  # rnn_forward (Part B), then output_forward's loss without float()
        hs = rnn_forward(x, v["h0"], v["W_ih"], v["W_hh"], v["b_ih"], v["b_hh"])
        logits = hs @ v["W_ho"].T + v["b_o"]
        e = np.exp(logits - logits.real.max(axis=-1, keepdims=True))
        probs = e / e.sum(axis=-1, keepdims=True)
        return -np.log(np.take_along_axis(probs, targets[..., None], axis=-1)).sum() / x.shape[1]

    grads = {}
    for name in names:
        g = np.zeros(values[name].shape)
        for i in np.ndindex(g.shape):
            v = {k: values[k].astype(complex) for k in names}
            v[name][i] += 1e-20j
            g[i] = loss(v).imag / 1e-20
        grads[name] = g
    hs = rnn_forward(x, h0, params["W_ih"], params["W_hh"], params["b_ih"], params["b_hh"])
    return output_forward(hs, targets, params["W_ho"], params["b_o"])[1], grads
