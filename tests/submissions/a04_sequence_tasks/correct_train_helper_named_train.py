"""Correct in another style: train_tagger delegates to a helper train(model, batches, ...) defined in
the same cell, which prints the mean loss of each epoch; Python's random.Random(seed) orders the
batches and numpy's default_rng(seed) drops the words.

expect: full
"""
# %% train_tagger
import random


def train(model, batches, epochs, lr, seed):
    order_rng, drop_rng = random.Random(seed), np.random.default_rng(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        order = list(range(len(batches)))
        order_rng.shuffle(order)
        total = 0.0
        for i in order:
            tokens, tags, lengths = batches[i]
            mask = np.arange(tokens.shape[1])[None, :] < lengths[:, None]
            tokens = np.where((drop_rng.random(tokens.shape) < 0.05) & mask, UNK, tokens)
            mask = torch.from_numpy(mask)
            logits = model(torch.from_numpy(tokens), torch.from_numpy(lengths))
            loss = nn.functional.cross_entropy(logits[mask], torch.from_numpy(tags)[mask])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(f"epoch {epoch + 1}: mean training loss {total / len(batches):.3f}")
    return model


def train_tagger(batches, vocab_size, tagset_size, seed):
    torch.manual_seed(seed)
    model = train(BiLSTMTagger(vocab_size, tagset_size, 32, 32), batches, epochs=3, lr=0.02, seed=seed)
    return {name: tensor.detach().numpy().copy() for name, tensor in model.state_dict().items()}
