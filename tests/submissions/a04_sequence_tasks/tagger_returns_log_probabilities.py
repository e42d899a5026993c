"""Follows the PyTorch tutorial's LSTMTagger and returns log_softmax of the scores, not the logits the part asks for (training and accuracy are unchanged, the logits are not).

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
        embeds = self.embedding(tokens)
        packed = pack_padded_sequence(embeds, lengths, batch_first=True, enforce_sorted=False)
        lstm_out, _ = self.lstm(packed)
        lstm_out, _ = pad_packed_sequence(lstm_out, batch_first=True, total_length=tokens.shape[1])
        tag_space = self.out(lstm_out)
        tag_scores = torch.nn.functional.log_softmax(tag_space, dim=2)
        return tag_scores
