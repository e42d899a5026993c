"""Part C: the initial LSTM states are made as float32 zeros, so the tagger trains (float32) but fails in float64.

run_tagger raises for every input, so both tagger tests are lost; Part E keeps its points:
where run_tagger fails, the hidden test evaluates the trained weights in the task's tagger.

expect: lose test_tagger_full_length, test_tagger_padding
"""
# %% BiLSTMTagger
class BiLSTMTagger(nn.Module):
    def __init__(self, vocab_size, tagset_size, embedding_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=0)
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden_size, tagset_size)

    def forward(self, tokens, lengths):
        B, T = tokens.shape
        h0 = torch.zeros(2, B, self.lstm.hidden_size)  # float32, whatever the model's dtype
        packed = pack_padded_sequence(self.embedding(tokens), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        hs, _ = self.lstm(packed, (h0, h0))
        hs, _ = pad_packed_sequence(hs, batch_first=True, total_length=T)
        return self.out(hs)
