"""Part D: the loss right, its gradients by complex-step differentiation of that loss.

Complex step, Im L(v + i e) / e with e = 1e-20, is exact to rounding (it agrees with autograd
like an analytic answer), and node_softmax_loss receives every input of its forward, so no
tolerance can fail it by value. Its cost fails it: one evaluation of the loss per parameter,
4.6 CPU seconds on the hidden test's problem of 25,255 parameters, where the budget is 1 s and
the analytic gradients take 0.1 s at most. course-rnn's check of the cell also sees the complex
numbers and zeroes the part.

expect: lose test_node_softmax_loss_gradients
expect-forbidden: node_softmax_loss
"""
# %% node_softmax_loss
def node_softmax_loss(h, labels, W_out, b_out):
    rows = np.flatnonzero(labels >= 0)

    def loss(h, W_out, b_out):
        z = h @ W_out.T + b_out
        z = z - z.real.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -log_p[rows, labels[rows]].mean()

    grads = []
    for k, a in enumerate((h, W_out, b_out)):
        g = np.zeros(a.shape)
        for i in np.ndindex(a.shape):
            args = [v.astype(complex) for v in (h, W_out, b_out)]
            args[k][i] += 1e-20j
            g[i] = loss(*args).imag / 1e-20
        grads.append(g)
    return float(loss(h, W_out, b_out)), *grads
