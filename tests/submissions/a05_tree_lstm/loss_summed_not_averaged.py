"""Sums the cross-entropy over the labelled nodes instead of taking the mean.

expect: lose test_node_softmax_loss_value, test_node_softmax_loss_gradients
"""
# %% node_softmax_loss
def node_softmax_loss(h, labels, W_out, b_out):
    logits = h @ W_out.T + b_out
    logits = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    mask = labels >= 0
    rows = np.arange(len(labels))[mask]
    loss = -np.sum(np.log(probs[rows, labels[mask]]))
    dlogits = probs * mask[:, None]
    dlogits[rows, labels[mask]] -= 1
    return float(loss), dlogits @ W_out, dlogits.T @ h, dlogits.sum(axis=0)
