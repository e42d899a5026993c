r"""Comparing language models on windows of a text, at equal data and compute (book/transformers.md).

- :func:`count_lm_loss`: the loss of a count unigram or bigram model with add-alpha
  smoothing on the targets of the same validation windows the networks are scored on,
  :math:`P(w \mid u) = (c(u\,w) + \alpha) / (c(u) + \alpha V)`: the lines a network has to
  beat to have learned anything beyond character frequencies and pairs;
- :func:`fused_char_lm`: the course's :class:`~course_rnn.models.CharLM` with PyTorch's fused
  LSTM layer (the same function as ``course_rnn.nn.LSTM``, many times faster on a CPU);
- :func:`train_for_steps`: train on random windows for a number of optimizer steps and
  record the validation curve against the steps, the characters seen and the CPU seconds
  used (the curve is the same on any machine; only its seconds depend on the machine);
- :func:`pick_learning_rate`: a short run per learning rate, the one with the lowest
  validation loss wins.
"""

import math

import numpy as np
import torch

from course_rnn.budget import CPUBudget
from course_rnn.curves import CurveRecorder
from course_rnn.experiments.sequence_tasks import recurrent_layer
from course_rnn.lm_windows import RandomWindows, WindowLanguageModeling
from course_rnn.models import CharLM
from course_rnn.train import evaluate, fit, seed_everything


def count_lm_loss(train_ids, batches, V, order, alpha=0.1):
    """Mean negative log-likelihood (nats per token) of a count model of ``order`` 1
    (unigram) or 2 (bigram), fitted on ``train_ids`` with add-``alpha`` smoothing, over the
    targets of ``batches`` (pairs of inputs and targets (T, B)); the bigram conditions each
    target on its input token, the previous token of the text."""
    if order not in (1, 2):
        raise ValueError(f"order={order!r} must be 1 (unigram) or 2 (bigram)")
    if not alpha > 0:
        raise ValueError(f"alpha={alpha!r} must be > 0")
    ids = np.asarray(train_ids)
    if order == 1:
        counts = np.bincount(ids, minlength=V) + alpha
        logp = np.log(counts / counts.sum())
        nll = [-logp[np.asarray(y).ravel()] for _, y in batches]
    else:
        counts = np.full((V, V), float(alpha))
        np.add.at(counts, (ids[:-1], ids[1:]), 1.0)
        logp = np.log(counts / counts.sum(axis=1, keepdims=True))
        nll = [-logp[np.asarray(x).ravel(), np.asarray(y).ravel()] for x, y in batches]
    return float(np.concatenate(nll).mean())


def fused_char_lm(V, hidden_size, forget_bias=1.0):
    """A one-hot LSTM ``CharLM`` whose recurrent layer is ``torch.nn.LSTM`` (forget-gate bias
    ``forget_bias``); its state dict loads into ``CharLM(V, hidden_size)`` unchanged."""
    model = CharLM(V, hidden_size=hidden_size)
    model.rnn = recurrent_layer("lstm", V, hidden_size, forget_bias=forget_bias)
    return model


def train_for_steps(model, train_ids, val_batches, lr, steps, T, B, seed=0, every=None):
    """Train ``model`` with Adam (gradient norm clipped at 1) on ``steps`` batches of random
    windows of ``train_ids``; evaluate on ``val_batches`` at the start, every ``every`` steps
    (default: a tenth of them) and at the end, and measure the CPU seconds of training
    (evaluation not counted).  Returns the :class:`~course_rnn.curves.CurveRecorder`,
    whose ``points`` hold the curve."""
    task = WindowLanguageModeling()
    seed_everything(seed)
    clock = CPUBudget(math.inf)
    curve = CurveRecorder(clock, model, lambda: evaluate(model, val_batches, task=task),
                          every_steps=every or max(1, steps // 10), samples_per_step=B * T).start()
    history = fit(model, RandomWindows(train_ids, T, B, seed=seed).epoch(steps), task=task, lr=lr,
                  clip=1.0, epochs=None, max_steps=steps, progress=False, callbacks=[curve])
    curve.finish(history)
    return curve


def pick_learning_rate(make_model, lrs, train_ids, val_batches, steps, T, B, seed=0):
    """Train a fresh ``make_model()`` for ``steps`` steps at each learning rate of ``lrs``;
    return the one with the lowest final validation loss on ``val_batches`` and a dict of
    every rate's loss."""
    losses = {}
    for lr in lrs:
        torch.manual_seed(seed)
        curve = train_for_steps(make_model(), train_ids, val_batches, lr, steps, T, B, seed=seed,
                                every=steps)
        losses[lr] = curve.points[-1]["loss"]
    return min(losses, key=losses.get), losses
