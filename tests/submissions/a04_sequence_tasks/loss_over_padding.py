"""Averages the cross-entropy over every position, padding included.

expect: lose test_masked_cross_entropy
"""
# %% masked_cross_entropy
def masked_cross_entropy(logits, targets, mask):
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    nll = -np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    return float((nll * mask).mean())


def masked_accuracy(logits, targets, mask):
    correct = (logits.argmax(axis=-1) == targets) & mask
    return float(correct.sum() / mask.sum())
