"""Sorts the batch by length to pack it (enforce_sorted=True) and forgets to put the sentences back in order.

Part E trains this same tagger, whose logits no longer line up with the tags: it cannot learn.
expect: lose test_tagger_padding, test_train_tagger
"""
# %% BiLSTMTagger
class BiLSTMTagger(nn.Module):
    def __init__(self, vocab_size, tagset_size, embedding_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=0)
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden_size, tagset_size)

    def forward(self, tokens, lengths):
        lengths, order = torch.sort(lengths, descending=True)
        tokens = tokens[order]
        packed = pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True)
        hs, _ = self.lstm(packed)
        hs, _ = pad_packed_sequence(hs, batch_first=True, total_length=tokens.shape[1])
        return self.out(hs)
