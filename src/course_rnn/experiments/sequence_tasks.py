r"""Two of Hochreiter & Schmidhuber's (1997) long-lag tasks, trained in PyTorch (book/lstm.md).

- The adding problem (:func:`course_rnn.data.adding_problem`): a recurrent layer reads
  (value, marker) pairs and a linear layer reads :math:`\hat y = w^\top h_T + c` off the
  last state; loss: mean squared error.  :func:`train_adding`, :func:`adding_scores`.
- The embedded Reber grammar (:mod:`course_rnn.data.reber`): predict the next symbol of
  each prefix; :func:`reber_batch` encodes strings, :func:`train_reber` trains,
  :func:`reber_scores` applies the paper's criterion.

``cell`` is ``"rnn"`` (tanh), ``"lstm"`` or ``"gru"``; the recurrent layer is ``torch.nn``'s
(its fused CPU kernel is the fastest; ``course_rnn.nn`` computes the same function, as
book/lstm.md checks).  Everything is seeded by the ``seed`` argument.
"""

import sys

import numpy as np
import torch
from tqdm import tqdm

from course_rnn.data import adding_problem, reber_next_symbols, reber_strings
from course_rnn.data.reber import SYMBOLS
from course_rnn.progress import hidden

RECURRENT = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def recurrent_layer(cell, D, H, forget_bias=1.0):
    """A one-layer ``torch.nn`` RNN (tanh), LSTM or GRU.  An LSTM's forget-gate bias starts
    at ``forget_bias`` (Gers et al. 2000: remember by default; PyTorch starts it near 0)."""
    if cell not in RECURRENT:
        raise ValueError(f"cell={cell!r} must be one of {sorted(RECURRENT)}")
    layer = RECURRENT[cell](D, H)
    if cell == "lstm":
        with torch.no_grad():
            layer.bias_ih_l0[H:2 * H] = forget_bias   # rows i|f|g|o: f is the second block
            layer.bias_hh_l0[H:2 * H] = 0.0
    return layer


def count_parameters(module):
    """The number of trainable numbers in ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


class Progress:
    """A text progress bar (ASCII, on stdout, so it reads the same in the built book) that
    redraws only ``updates`` times: ``step()`` after every unit of work, ``close()`` at the end."""

    def __init__(self, total, desc, updates=5):
        self.bar = tqdm(total=total, desc=desc, ascii=True, file=sys.stdout, ncols=80, disable=hidden(),
                        mininterval=0, maxinterval=float("inf"), miniters=1)
        self.every, self.pending = max(1, total // updates), 0

    def step(self):
        self.pending += 1
        if self.pending == self.every:
            self.bar.update(self.pending)
            self.pending = 0

    def close(self):
        if self.pending:
            self.bar.update(self.pending)
        self.bar.close()


def _bar(total, desc):
    return Progress(total, desc)


class AddingRegressor(torch.nn.Module):
    """x (T, B, 2) -> y_hat (B,): a recurrent layer, then a linear readout of h_T."""

    def __init__(self, cell, H):
        super().__init__()
        self.rnn = recurrent_layer(cell, 2, H)
        self.out = torch.nn.Linear(H, 1)

    def forward(self, x):
        hs, _ = self.rnn(x)                      # (T, B, H)
        return self.out(hs[-1]).squeeze(-1)      # (B,)


def adding_scores(model, x, y, tolerance=0.08):
    """Mean squared error, and the fraction of sequences with absolute error below
    ``tolerance``, of ``model`` on x (T, B, 2), y (B,) (numpy or torch)."""
    x, y = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    with torch.no_grad():
        err = model(x) - y
    return float((err ** 2).mean()), float((err.abs() < tolerance).float().mean())


def train_adding(cell, H, steps, seed, T=100, B=64, lr=0.01, max_norm=1.0, eval_every=50,
                 test=None, progress=True):
    """Adam on fresh batches of the adding problem (variant ``le2015``), with gradient-norm
    clipping at ``max_norm``.  ``test``: an (x, y) pair scored every ``eval_every`` steps.
    Returns the model and a dict ``steps``, ``test_mse`` (lists) and ``train_loss`` (per step)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng([seed, 2])
    model = AddingRegressor(cell, H)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"steps": [], "test_mse": [], "train_loss": []}
    bar = _bar(steps, f"{cell} adding T={T}") if progress else None
    for step in range(1, steps + 1):
        x, y = adding_problem(T, B, rng)
        x, y = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
        loss = ((model(x) - y) ** 2).mean()
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimiser.step()
        history["train_loss"].append(loss.item())
        if test is not None and (step % eval_every == 0 or step == 1):
            history["steps"].append(step)
            history["test_mse"].append(adding_scores(model, *test)[0])
        if bar is not None:
            bar.step()
    if bar is not None:
        bar.close()
    return model, history


# The embedded Reber grammar --------------------------------------------------------------

def reber_batch(strings):
    """Encode strings for next-symbol prediction, time-major and padded.

    Returns ``x`` (T, B, V) float32 one-hot rows of the inputs ``s[:-1]``, ``targets``
    (T, B) int64 indices of ``s[1:]`` (-100, ignored by cross-entropy, after the end),
    with T the longest string minus one and V = 7 symbols ``BTPSXVE``.
    """
    if not strings:
        raise ValueError("strings is empty: give at least one Reber string")
    V, T = len(SYMBOLS), max(len(s) for s in strings) - 1
    x = torch.zeros(T, len(strings), V)
    targets = torch.full((T, len(strings)), -100, dtype=torch.int64)
    for b, s in enumerate(strings):
        ids = [SYMBOLS.index(ch) for ch in s]
        x[torch.arange(len(s) - 1), b, ids[:-1]] = 1.0
        targets[:len(s) - 1, b] = torch.tensor(ids[1:])
    return x, targets


class NextSymbol(torch.nn.Module):
    """x (T, B, V) one-hot symbols -> logits (T, B, V) of the next symbol."""

    def __init__(self, cell, H, V=len(SYMBOLS)):
        super().__init__()
        self.rnn = recurrent_layer(cell, V, H)
        self.out = torch.nn.Linear(H, V)

    def forward(self, x):
        hs, _ = self.rnn(x)
        return self.out(hs)


def train_reber(cell, H, steps, seed, B=32, lr=0.01, progress=True):
    """Adam on batches of B fresh embedded Reber strings, cross-entropy of the next symbol.
    Returns the model and the per-step training loss (list).  Sequences seen: steps * B."""
    torch.manual_seed(seed)
    rng = np.random.default_rng([seed, 3])
    model = NextSymbol(cell, H)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    bar = _bar(steps, f"{cell} embedded Reber") if progress else None
    for _ in range(steps):
        x, targets = reber_batch(reber_strings(B, rng))
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        losses.append(loss.item())
        if bar is not None:
            bar.step()
    if bar is not None:
        bar.close()
    return model, losses


def reber_scores(probs, strings):
    """Hochreiter & Schmidhuber's (1997) criterion on next-symbol predictions.

    ``probs`` (T, B, V): the predicted distribution after each prefix of each string.  At
    step t, with k legal next symbols, the prediction is right if the k most probable
    symbols are exactly the legal ones.  Returns ``(strings_right, penultimate_right)``:
    the fraction of strings predicted right at every step, and the fraction whose
    second-to-last symbol (the T or P that repeats the second one) is right.
    """
    probs = np.asarray(probs)
    all_right, last_right = [], []
    for b, s in enumerate(strings):
        legal = reber_next_symbols(s)[:-1]          # after each prefix s[:t+1], t < len(s) - 1
        right = []
        for t, allowed in enumerate(legal):
            top = np.argsort(-probs[t, b])[:len(allowed)]
            right.append({SYMBOLS[k] for k in top} == allowed)
        all_right.append(all(right))
        last_right.append(right[len(s) - 3])        # predicting s[-2] from s[:-2]
    return float(np.mean(all_right)), float(np.mean(last_right))


def reber_probs(model, strings):
    """The model's next-symbol distribution (T, B, V) for each prefix of ``strings``."""
    x, _ = reber_batch(strings)
    with torch.no_grad():
        return torch.softmax(model(x), dim=-1).numpy()
