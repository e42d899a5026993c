"""Reads the classifier's features from the output at the last time step (padding, and only one word of the backward direction).

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
        output, _ = self.lstm(self.embedding(tokens))
        return self.out(output[:, -1, :])
