"""Correct in another style: list-based padding, torch log_softmax, and the classifier gathers the final states from the padded output.

expect: full
"""
# %% pad_batch_first
def pad_batch_first(sequences, pad_id=0):
    lengths = np.array([len(seq) for seq in sequences], dtype=np.int64)
    width = int(max(lengths))
    rows = [list(seq) + [pad_id] * (width - len(seq)) for seq in sequences]
    padded = np.array(rows, dtype=np.int64).reshape(len(sequences), width)
    mask = np.array([[t < n for t in range(width)] for n in lengths], dtype=bool).reshape(len(sequences), width)
    return padded, mask, lengths

# %% masked_cross_entropy
def masked_cross_entropy(logits, targets, mask):
    logp = torch.log_softmax(torch.tensor(logits), dim=-1)
    picked = logp.gather(-1, torch.tensor(targets).unsqueeze(-1)).squeeze(-1)
    keep = torch.tensor(mask)
    return float(-(picked * keep).sum() / keep.sum())


def masked_accuracy(logits, targets, mask):
    hits = (np.argmax(logits, axis=2) == targets) * mask
    return float(hits.sum()) / float(mask.sum())

# %% BiLSTMClassifier
class BiLSTMClassifier(nn.Module):
    def __init__(self, vocab_size, num_classes, embedding_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=0)
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden_size, num_classes)
        self.H = hidden_size

    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True, enforce_sorted=False)
        output, _ = self.lstm(packed)
        output, _ = pad_packed_sequence(output, batch_first=True)
        rows = torch.arange(tokens.shape[0])
        forward_last = output[rows, lengths - 1, :self.H]   # forward state after the last real word
        backward_first = output[:, 0, self.H:]              # backward state after reading back to word 0
        return self.out(torch.cat([forward_last, backward_first], dim=1))
