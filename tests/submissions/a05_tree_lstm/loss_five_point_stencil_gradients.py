"""Part D: the loss right, its gradients by a five-point stencil (error ~h**4, h = 1e-3) of that loss.

expect: lose test_node_softmax_loss_gradients
"""
# %% node_softmax_loss
def node_softmax_loss(h, labels, W_out, b_out):
    arrays = [h.copy(), W_out.copy(), b_out.copy()]
    rows = np.flatnonzero(labels >= 0)

    def loss():
        z = arrays[0] @ arrays[1].T + arrays[2]
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -log_p[rows, labels[rows]].mean()

    step, grads = 1e-3, []
    for a in arrays:
        g = np.zeros(a.shape)
        for i in np.ndindex(a.shape):
            old, f = a[i], {}
            for k in (1, -1, 2, -2):
                a[i] = old + k * step
                f[k] = loss()
            a[i] = old
            g[i] = (8 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12 * step)
        grads.append(g)
    return float(loss()), *grads
