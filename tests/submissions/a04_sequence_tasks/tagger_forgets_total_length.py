"""Part C: unpacks with pad_packed_sequence(..., batch_first=True) but without total_length=T, so a
batch padded beyond its longest sentence gets logits (B, max length, K) instead of (B, T, K).

expect: lose test_tagger_padding
"""
# %% BiLSTMTagger
class BiLSTMTagger(nn.Module):
    def __init__(self, vocab_size, tagset_size, embedding_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=0)
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden_size, tagset_size)

    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(self.embedding(tokens), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        hs, _ = self.lstm(packed)
        hs, _ = pad_packed_sequence(hs, batch_first=True)
        return self.out(hs)
