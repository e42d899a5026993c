"""Batches for recurrent networks, time-major like ``torch.nn``: ids ``(T, B)``.

Everything returns numpy arrays; a PyTorch model takes ``torch.from_numpy(a)`` (no copy), so
this module, like :mod:`course_rnn.scratch`, never imports torch.
"""

import numpy as np

from course_rnn.data.checks import check_positive_int


def batchify(ids, B):
    """Cut one long stream of ids into B parallel streams, as columns of a (T_total, B) array.

    Column b is the contiguous piece ``ids[b*T_total : (b+1)*T_total]`` with
    ``T_total = len(ids) // B``; the last ``len(ids) % B`` ids are dropped.  Each column is
    read top to bottom, so the hidden state can be carried from one window to the next
    (PyTorch's word_language_model example does the same).
    """
    ids = np.asarray(ids)
    check_positive_int(B, "B")
    if ids.ndim != 1:
        raise ValueError(f"ids must be a 1-D sequence of token ids, got shape {ids.shape}")
    T_total = len(ids) // B
    if T_total < 2:
        raise ValueError(f"{len(ids)} ids cannot fill B={B} columns of at least 2 steps "
                         f"(an input and its target); use a smaller B or more data")
    return np.ascontiguousarray(ids[:T_total * B].reshape(B, T_total).T)  # (T_total, B)


def bptt_windows(data, T):
    r"""Windows for truncated BPTT over ``data`` (T_total, B): an iterator of (inputs, targets).

    .. math:: \text{inputs} = \text{data}[i : i+T], \qquad \text{targets} = \text{data}[i+1 : i+1+T]

    for i = 0, T, 2T, ...: each target is the next token of its input, so the last window
    may be shorter than T.  Both are (T, B) (views, not copies).
    """
    check_positive_int(T, "T")
    data = np.asarray(data)
    if data.ndim < 2 or data.shape[0] < 2:
        raise ValueError(f"data must be (T_total, B) with T_total >= 2, got shape {data.shape}; "
                         f"make it with batchify(ids, B)")
    last = data.shape[0] - 1  # the final token is a target only
    return ((data[i:min(i + T, last)], data[i + 1:min(i + T, last) + 1])
            for i in range(0, last, T))


def pad_batch(sequences, pad_id=0):
    """Stack sequences of different lengths into one time-major batch.

    Returns ``padded`` (T, B) int64 with ``pad_id`` after the end of each sequence,
    ``mask`` (T, B) bool, True exactly at real tokens (``mask[t, b] = t < lengths[b]``), and
    ``lengths`` (B,) int64; T is the longest length.  Losses should be averaged over
    ``mask``, never over the padding.
    """
    sequences = [np.asarray(s) for s in sequences]
    if not sequences:
        raise ValueError("sequences is empty; pad_batch needs at least one sequence")
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    if lengths.min() == 0:
        raise ValueError(f"sequence {int(lengths.argmin())} is empty; drop empty sequences "
                         f"before batching (a model cannot read zero steps)")
    T, B = int(lengths.max()), len(sequences)
    padded = np.full((T, B), pad_id, dtype=np.int64)
    for b, s in enumerate(sequences):
        padded[:len(s), b] = s
    mask = np.arange(T)[:, None] < lengths[None, :]  # (T, B)
    return padded, mask, lengths


def one_hot(ids, V, dtype=np.float64):
    """One-hot (localist) vectors: ``ids`` of any shape S -> array of shape S + (V,)."""
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"ids must lie in 0..{V - 1} for V={V}; got {ids.min()}..{ids.max()}")
    return np.eye(V, dtype=dtype)[ids]


def check_length(seq, max_len, name="sequence"):
    """Return ``seq`` if it has at most ``max_len`` steps, else raise a ValueError that says so.

    For models with a fixed maximum length (a positional table, a compiled graph, a
    grader's limit).  ``name`` is how the message refers to ``seq``.
    """
    check_positive_int(max_len, "max_len")
    if len(seq) > max_len:
        raise ValueError(f"{name} has {len(seq)} steps but the model allows at most {max_len}; "
                         f"truncate it ({name}[:{max_len}]) or cut it into windows "
                         f"with bptt_windows")
    return seq

