"""Counts the padded positions in the accuracy.

expect: lose test_masked_accuracy
"""
# %% masked_cross_entropy
def masked_cross_entropy(logits, targets, mask):
    logp = torch.log_softmax(torch.from_numpy(logits), dim=-1)
    nll = -logp.gather(-1, torch.from_numpy(targets)[..., None])[..., 0]
    return nll[torch.from_numpy(mask)].mean().item()


def masked_accuracy(logits, targets, mask):
    return float(np.mean(logits.argmax(axis=-1) == targets))
