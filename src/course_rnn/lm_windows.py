r"""Language modelling on independent windows of a text: every batch is B windows of T + 1
tokens taken at random places, and nothing is carried from one batch to the next.

This is how a transformer with a fixed context is trained (nanoGPT's ``get_batch``), and
the fair way to train an RNN beside it: both see the same windows and the same context,
T tokens at most.  (An RNN can also carry its state across consecutive windows,
:func:`course_rnn.data.batching.bptt_windows` with the task ``"lm"``; a transformer
cannot, so that is left out of a comparison.)

.. code-block:: python

    windows = RandomWindows(train_ids, T=64, B=32, seed=0)
    fit(model, windows.epoch(100), task=WindowLanguageModeling(), ...)
    evaluate(model, fixed_windows(val_ids, T=64, B=32), task=WindowLanguageModeling())
"""

import torch

from course_rnn.train.tasks import LanguageModeling


class WindowLanguageModeling(LanguageModeling):
    """The ``"lm"`` task (loss, perplexity, bits per character) without a carried state:
    each batch starts from the model's initial state (or empty context)."""

    name = "lm-windows"
    carries_state = False

    def step(self, model, batch, state=None):
        return super().step(model, batch, None)


def _check(ids, T, B):
    if not isinstance(ids, torch.Tensor) or ids.dim() != 1 or ids.dtype != torch.int64:
        raise ValueError("ids must be a 1-D int64 tensor of token ids (torch.tensor(vocab.encode(text)))")
    for name, value in (("T", T), ("B", B)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r} must be a positive integer")
    if len(ids) < T + 1:
        raise ValueError(f"the text has {len(ids)} tokens; a window needs T + 1 = {T + 1}")


def windows_at(ids, starts, T):
    """Inputs and targets (T, B): the windows ``ids[s:s+T]`` and ``ids[s+1:s+T+1]`` for s in starts."""
    index = torch.as_tensor(starts, dtype=torch.int64)[None, :] + torch.arange(T)[:, None]  # (T, B)
    return ids[index], ids[index + 1]


class RandomWindows:
    """Batches of B windows of T tokens at uniformly random starts, from a seeded generator
    (the same seed gives the same batches to every model)."""

    def __init__(self, ids, T, B, seed=0):
        _check(ids, T, B)
        self.ids, self.T, self.B = ids, T, B
        self.generator = torch.Generator().manual_seed(seed)

    def batch(self):
        starts = torch.randint(0, len(self.ids) - self.T, (self.B,), generator=self.generator)
        return windows_at(self.ids, starts, self.T)

    def epoch(self, steps):
        """A function giving ``steps`` fresh batches each time it is called (an "epoch" of
        :func:`course_rnn.train.fit`)."""
        return lambda: (self.batch() for _ in range(steps))


def fixed_windows(ids, T, B, n_batches=None):
    """Consecutive non-overlapping windows from the start of ``ids``, B per batch: the same
    validation batches for every model.  ``n_batches`` caps their number."""
    _check(ids, T, B)
    starts = torch.arange(0, len(ids) - T, T)
    batches = [windows_at(ids, starts[k:k + B], T) for k in range(0, len(starts) - B + 1, B)]
    return batches[:n_batches] if n_batches is not None else batches
