"""Correct in another style: the loss and the accuracy computed in torch with its default dtype
(float32), as most PyTorch training code does: log_softmax on logits.float(), and the accuracy as
(predictions == targets)[mask].float().mean().item(). Both return Python floats.

expect: full
"""
# %% masked_cross_entropy
def masked_cross_entropy(logits, targets, mask):
    z = torch.from_numpy(np.asarray(logits)).float()
    logp = torch.log_softmax(z, dim=-1)
    picked = logp.gather(-1, torch.from_numpy(np.asarray(targets)).long().unsqueeze(-1)).squeeze(-1)
    return -picked[torch.from_numpy(np.asarray(mask))].mean().item()


def masked_accuracy(logits, targets, mask):
    z = torch.from_numpy(np.asarray(logits)).float()
    predictions = z.argmax(dim=-1)
    right = predictions == torch.from_numpy(np.asarray(targets)).long()
    return right[torch.from_numpy(np.asarray(mask))].float().mean().item()
