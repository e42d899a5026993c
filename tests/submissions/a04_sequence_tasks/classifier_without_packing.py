"""Takes h_n of the unpacked batch, so a short sentence's forward state has read the padding.

expect: lose test_classifier_padding
"""
# %% BiLSTMClassifier
class BiLSTMClassifier(nn.Module):
    def __init__(self, vocab_size, num_classes, embedding_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=0)
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens, lengths):
        _, (h_n, _) = self.lstm(self.embedding(tokens))
        return self.out(torch.cat([h_n[0], h_n[1]], dim=1))
