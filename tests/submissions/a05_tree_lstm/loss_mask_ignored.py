"""Treats label -1 as a class (numpy reads it as the last class) and averages over all J nodes.

expect: lose test_node_softmax_loss_value, test_node_softmax_loss_gradients
"""
# %% node_softmax_loss
def node_softmax_loss(h, labels, W_out, b_out):
    J = h.shape[0]
    z = h @ W_out.T + b_out
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(J), labels]).mean()
    dz = p.copy()
    dz[np.arange(J), labels] -= 1
    dz /= J
    return loss, dz @ W_out, dz.T @ h, dz.sum(axis=0)
