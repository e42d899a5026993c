r"""Tasks: how one batch becomes a loss, for the three kinds of supervised problem in the course.

Every task computes the summed negative log-likelihood of its targets, in nats,

.. math:: \text{NLL} = -\sum_{n} \ln p_\theta(y_n \mid \text{input}), \qquad
          \text{loss} = \text{NLL} / N

over the N targets of the batch (the real tokens only, never the padding), and counts how
many argmax predictions are right.  ``task.step(model, batch, state)`` returns
``(loss, nll, count, correct, state)``: ``loss`` is the mean, a tensor to call ``backward``
on; ``nll`` (float), ``count`` and ``correct`` (ints) are summed over batches by
:func:`course_rnn.train.evaluate`.

=================  ===================================  ==================================
task               batch                                model call
=================  ===================================  ==================================
``"lm"``           (inputs (T, B), targets (T, B))      ``logits (T,B,V), state = model(inputs, state)``
``"tagger"``       (tokens (T, B), lengths (B,) or      ``logits (T, B, K) = model(tokens, lengths)``
                   mask (T, B), tags (T, B))
``"classifier"``   (*inputs, labels (B,))               ``logits (B, K) = model(*inputs)``
=================  ===================================  ==================================

Numpy arrays are turned into tensors (no copy); anything else (a Forest of trees) is passed
to the model unchanged.
"""

import numpy as np
import torch
from torch.nn import functional as F


def as_tensor(a):
    """numpy arrays and lists of numbers -> tensors; tensors and other objects unchanged."""
    if isinstance(a, np.ndarray):
        return torch.from_numpy(a)
    if isinstance(a, (list, tuple)) and a and all(isinstance(v, (int, float, np.number)) for v in a):
        return torch.as_tensor(a)
    return a


def detach_state(state):
    """Cut the graph behind a recurrent state (a tensor, a tuple of them, or None)."""
    if state is None:
        return None
    if isinstance(state, (tuple, list)):
        return tuple(detach_state(s) for s in state)
    return state.detach()


class Task:
    """Base class: subclasses implement :meth:`step`; ``name`` keys the metrics."""

    name = "task"
    carries_state = False

    def step(self, model, batch, state=None):
        raise NotImplementedError

    def metrics(self, nll, count, correct):
        """Per-target averages from the sums over a whole pass."""
        return {"loss": nll / count, "accuracy": correct / count}

    def _unpack(self, batch, n):
        if not isinstance(batch, (tuple, list)) or len(batch) < n:
            raise ValueError(f"a {self.name!r} batch must be a tuple of {n} or more items "
                             f"(see course_rnn.train.tasks); got {type(batch).__name__}"
                             + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else ""))
        return [as_tensor(a) for a in batch]


class LanguageModeling(Task):
    r"""Next-token prediction with truncated BPTT: the state is carried from one window to
    the next (detached, so gradients stop at the window's start).

    Metrics: ``loss`` (nats per token), ``perplexity`` :math:`= e^{\text{loss}}` and
    ``bpc`` :math:`= \text{loss} / \ln 2` (bits per character).
    """

    name = "lm"
    carries_state = True

    def step(self, model, batch, state=None):
        inputs, targets = self._unpack(batch, 2)[:2]
        if inputs.shape != targets.shape or inputs.dim() != 2:
            raise ValueError(f"lm batch: inputs and targets must both be (T, B); got "
                             f"{tuple(inputs.shape)} and {tuple(targets.shape)}")
        logits, state = model(inputs, state)  # (T, B, V)
        V = logits.shape[-1]
        nll = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), reduction="sum")
        count = targets.numel()
        correct = int((logits.argmax(-1) == targets).sum())
        return nll / count, float(nll.detach()), count, correct, detach_state(state)

    def metrics(self, nll, count, correct):
        loss = nll / count
        return {"loss": loss, "perplexity": float(np.exp(loss)), "bpc": loss / float(np.log(2)),
                "accuracy": correct / count}


class Tagging(Task):
    """A tag per token; the loss and the accuracy count real tokens only (mask or lengths)."""

    name = "tagger"

    def step(self, model, batch, state=None):
        tokens, lengths_or_mask, tags = self._unpack(batch, 3)[:3]
        T = tokens.shape[0]
        if lengths_or_mask.dim() == 2:  # a (T, B) mask of real tokens, as pad_batch makes
            mask = lengths_or_mask.bool()
            lengths = mask.sum(0)
        else:
            lengths = lengths_or_mask
            mask = torch.arange(T).unsqueeze(1) < lengths.unsqueeze(0)  # (T, B)
        logits = model(tokens, lengths)  # (T, B, K)
        nll = F.cross_entropy(logits[mask], tags[mask], reduction="sum")
        count = int(mask.sum())
        correct = int((logits.argmax(-1)[mask] == tags[mask]).sum())
        return nll / count, float(nll.detach()), count, correct, None


class Classification(Task):
    """One label per example: the model reads every item of the batch but the last."""

    name = "classifier"

    def step(self, model, batch, state=None):
        items = self._unpack(batch, 2)
        *inputs, labels = items
        logits = model(*inputs)  # (B, K)
        nll = F.cross_entropy(logits, labels, reduction="sum")
        count = labels.shape[0]
        correct = int((logits.argmax(-1) == labels).sum())
        return nll / count, float(nll.detach()), count, correct, None


TASKS = {"lm": LanguageModeling, "tagger": Tagging, "classifier": Classification}


def get_task(task):
    """A Task instance from its name (``"lm"``, ``"tagger"``, ``"classifier"``) or itself."""
    if isinstance(task, Task):
        return task
    if task not in TASKS:
        raise ValueError(f"task={task!r} is not known; use one of {sorted(TASKS)} or a "
                         f"course_rnn.train.Task instance")
    return TASKS[task]()
