"""Argument checks shared by the generators and batching helpers: one clear message each."""

import numpy as np


def check_positive_int(value, name):
    """Raise ValueError unless ``value`` is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r} must be a positive integer")


def check_rng(rng):
    """Raise TypeError unless ``rng`` is a ``numpy.random.Generator`` (never global state)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}; "
                        f"pass numpy.random.default_rng(seed)")
