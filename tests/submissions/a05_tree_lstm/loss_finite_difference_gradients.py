"""Computes the loss correctly and its gradients by centred differences of that loss.

expect: lose test_node_softmax_loss_gradients
"""
# %% node_softmax_loss
def node_softmax_loss(h, labels, W_out, b_out):
    h, W_out, b_out = h.copy(), W_out.copy(), b_out.copy()

    def loss():
        z = h @ W_out.T + b_out
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        rows = np.flatnonzero(labels >= 0)
        return -log_p[rows, labels[rows]].mean()

    return loss(), numerical_gradient(loss, h), numerical_gradient(loss, W_out), numerical_gradient(loss, b_out)
