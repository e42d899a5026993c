"""Runs the LSTM on the padded batch directly, so the backward direction reads the padding first.

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
        hs, _ = self.lstm(self.embedding(tokens))
        return self.out(hs)
