"""Correct in another style: sorts by length to pack, then restores the original order; trains with Adam, five epochs and its own word dropout.

expect: full
"""
# %% BiLSTMTagger
class BiLSTMTagger(nn.Module):
    def __init__(self, vocab_size, tagset_size, embedding_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=0)
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden_size, tagset_size)

    def forward(self, tokens, lengths):
        sorted_lengths, order = torch.sort(lengths, descending=True)
        packed = pack_padded_sequence(self.embedding(tokens[order]), sorted_lengths, batch_first=True)
        hs, _ = self.lstm(packed)
        hs, _ = pad_packed_sequence(hs, batch_first=True, total_length=tokens.shape[1])
        restore = torch.empty_like(order)
        restore[order] = torch.arange(len(order))
        return self.out(hs[restore])

# %% train_tagger
def train_tagger(batches, vocab_size, tagset_size, seed):
    torch.manual_seed(seed)
    generator = np.random.default_rng(seed)
    tagger = BiLSTMTagger(vocab_size, tagset_size, embedding_size=48, hidden_size=64)
    opt = torch.optim.Adam(tagger.parameters(), lr=0.008)
    for epoch in range(5):
        for i in generator.permutation(len(batches)):
            x, y, lens = batches[i]
            m = np.arange(x.shape[1])[None, :] < lens[:, None]
            x = np.where((generator.random(x.shape) < 0.04) & m, UNK, x)
            logits = tagger(torch.from_numpy(x), torch.from_numpy(lens))
            m = torch.from_numpy(m)
            loss = nn.functional.cross_entropy(logits[m], torch.from_numpy(y)[m])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return {name: value.detach().clone().numpy() for name, value in tagger.state_dict().items()}
