"""Trains for one epoch with SGD at learning rate 0.001: far too little to learn the tags.

expect: lose test_train_tagger
"""
# %% train_tagger
def train_tagger(batches, vocab_size, tagset_size, seed):
    torch.manual_seed(seed)
    model = BiLSTMTagger(vocab_size, tagset_size, 32, 32)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    for tokens, tags, lengths in batches:
        mask = torch.from_numpy(tokens) != 0
        logits = model(torch.from_numpy(tokens), torch.from_numpy(lengths))
        loss = nn.functional.cross_entropy(logits[mask], torch.from_numpy(tags)[mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {k: v.detach().numpy() for k, v in model.state_dict().items()}
