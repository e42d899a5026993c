"""Gets the loss right (mean over labelled nodes) but divides the gradient by J, all nodes.

expect: lose test_node_softmax_loss_gradients
"""
# %% node_softmax_loss
def node_softmax_loss(h, labels, W_out, b_out):
    logits = h @ W_out.T + b_out
    log_p = logits - logits.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    idx = np.flatnonzero(labels >= 0)
    loss = -log_p[idx, labels[idx]].mean()
    dlogits = np.zeros_like(logits)
    dlogits[idx] = np.exp(log_p[idx])
    dlogits[idx, labels[idx]] -= 1.0
    dlogits /= len(labels)
    return float(loss), dlogits @ W_out, dlogits.T @ h, dlogits.sum(axis=0)
