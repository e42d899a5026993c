"""Pads time-major (T, B) as in the book instead of batch-first (B, T).

expect: lose test_pad_batch_first
"""
# %% pad_batch_first
def pad_batch_first(sequences, pad_id=0):
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    T = lengths.max()
    padded = np.full((T, len(sequences)), pad_id, dtype=np.int64)
    for b, s in enumerate(sequences):
        padded[:len(s), b] = s
    mask = np.arange(T)[:, None] < lengths[None, :]
    return padded, mask, lengths
