"""Generators for the experiments of Elman (1990), "Finding structure in time"."""

import numpy as np


def temporal_xor(n_triples, rng):
    """Elman's temporal XOR stream: random bit pairs, each followed by their XOR.

    Returns a 1-D array of 3 * n_triples bits ``a1 b1 (a1^b1) a2 b2 (a2^b2) ...``.  The task is
    to predict the next bit: only every third bit (the XOR) is predictable, so a network that
    learns the task shows a period-3 pattern of error.  rng: ``numpy.random.Generator``.
    """
    if n_triples <= 0:
        raise ValueError(f"n_triples={n_triples!r} must be a positive integer")
    pairs = rng.integers(0, 2, size=(n_triples, 2))
    return np.column_stack([pairs, pairs[:, 0] ^ pairs[:, 1]]).reshape(-1)
