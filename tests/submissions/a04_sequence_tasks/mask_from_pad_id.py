"""Builds the mask by comparing tokens with pad_id, so a real token equal to pad_id is masked out.

expect: lose test_pad_batch_first
"""
# %% pad_batch_first
def pad_batch_first(sequences, pad_id=0):
    lengths = np.array([len(s) for s in sequences])
    padded = np.full((len(sequences), lengths.max()), pad_id)
    for i, s in enumerate(sequences):
        padded[i, :len(s)] = s
    mask = padded != pad_id
    return padded, mask, lengths
