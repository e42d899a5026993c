"""Computes the softmax as exp(z) / sum(exp(z)) without shifting: large logits overflow to nan.

expect: lose test_node_softmax_loss_value
"""
# %% node_softmax_loss
def node_softmax_loss(h, labels, W_out, b_out):
    z = h @ W_out.T + b_out
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    keep = np.where(labels >= 0)[0]
    M = len(keep)
    loss = -np.log(p[keep, labels[keep]]).sum() / M
    dz = np.zeros_like(z)
    dz[keep] = p[keep]
    dz[keep, labels[keep]] -= 1
    dz /= M
    return loss, dz @ W_out, dz.T @ h, dz.sum(axis=0)
