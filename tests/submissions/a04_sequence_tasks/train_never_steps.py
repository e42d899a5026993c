"""Computes the loss and the gradients but never calls optimizer.step(), so the tagger stays untrained.

expect: lose test_train_tagger
"""
# %% train_tagger
def train_tagger(batches, vocab_size, tagset_size, seed):
    torch.manual_seed(seed)
    model = BiLSTMTagger(vocab_size, tagset_size, 64, 64)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(2):
        for tokens, tags, lengths in batches:
            tokens, tags, lengths = torch.tensor(tokens), torch.tensor(tags), torch.tensor(lengths)
            mask = tokens != 0
            logits = model(tokens, lengths)
            loss = nn.functional.cross_entropy(logits[mask], tags[mask])
            optimizer.zero_grad()
            loss.backward()
    return {k: v.numpy() for k, v in model.state_dict().items()}
