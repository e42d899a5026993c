"""Concatenates the final states backward first, then forward.

expect: lose test_classifier_full_length, test_classifier_padding
"""
# %% BiLSTMClassifier
class BiLSTMClassifier(nn.Module):
    def __init__(self, vocab_size, num_classes, embedding_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=0)
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True, enforce_sorted=False)
        _, (h_n, c_n) = self.lstm(packed)
        return self.out(torch.cat([h_n[-1], h_n[-2]], dim=-1))
