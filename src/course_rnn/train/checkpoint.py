"""Reproducible runs: one seed for every random number generator, and checkpoints that
resume training exactly where it stopped.

A run is determined by the weights, the optimizer's state (Adam's moments and step count)
and the state of every random number generator (dropout masks, shuffling).  A checkpoint
stores all three, so training on from a loaded checkpoint gives bit-identical losses to
never having stopped (on the CPU).
"""

import random

import numpy as np
import torch

from course_rnn.train.loop import History


def seed_everything(seed):
    """Seed Python's ``random``, numpy's global generator and torch's CPU generator.

    Two CPU runs of the same code after ``seed_everything(s)`` give identical numbers.
    (Functions of the course that take a ``numpy.random.Generator`` or a seed use their own
    and are not affected.)  Returns the seed.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed={seed!r} must be an integer in [0, 2**32)")
    random.seed(int(seed))
    np.random.seed(int(seed))
    torch.manual_seed(int(seed))
    return int(seed)


def rng_states():
    """The state of Python's, numpy's (global) and torch's CPU generators, as tensors and ints."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {"python": random.getstate(),
            "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)),
            "torch": torch.get_rng_state()}


def set_rng_states(states):
    """Restore what :func:`rng_states` returned."""
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(states["torch"])


def save_checkpoint(path, model, optimizer=None, step=0, history=None, **extra):
    """Write everything needed to continue training to ``path`` (``torch.save``).

    Stores ``model.state_dict()``, ``optimizer.state_dict()``, ``step``, the
    :class:`~course_rnn.train.loop.History` (as plain lists), the random number generators'
    states (:func:`rng_states`) and any ``extra`` keyword values (numbers, strings, tensors).
    """
    torch.save({"model": model.state_dict(),
                "optimizer": None if optimizer is None else optimizer.state_dict(),
                "step": int(step),
                "history": None if history is None else history.to_dict(),
                "rng": rng_states(),
                "extra": extra}, path)


def load_checkpoint(path, model, optimizer=None, restore_rng=True):
    """Load a :func:`save_checkpoint` file into ``model`` (and ``optimizer``); returns a dict.

    The weights and the optimizer's state are loaded in place; with ``restore_rng`` the
    random number generators continue from where they were saved.  Returns ``{"step",
    "history" (a History or None), "extra"}``.  Reads with ``weights_only=True``: a
    checkpoint cannot run code when it is loaded.
    """
    try:
        checkpoint = torch.load(path, weights_only=True)
    except FileNotFoundError:
        raise FileNotFoundError(f"no checkpoint at {path}; write one with save_checkpoint") from None
    model.load_state_dict(checkpoint["model"])
    if optimizer is not None:
        if checkpoint["optimizer"] is None:
            raise ValueError(f"{path} was saved without an optimizer; call load_checkpoint without one")
        optimizer.load_state_dict(checkpoint["optimizer"])
    if restore_rng:
        set_rng_states(checkpoint["rng"])
    history = checkpoint["history"]
    return {"step": checkpoint["step"], "history": None if history is None else History(**history),
            "extra": checkpoint["extra"]}
