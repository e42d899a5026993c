r"""From min-char-rnn to a batched LSTM, one change at a time (book/char_lm.md).

Each rung of :data:`RUNGS` differs from the one before it in one thing only, so the
difference in validation loss after the same CPU budget measures that one change:

0. min-char-rnn: numpy, a tanh RNN of 100 units over one-hot characters, one stream,
   windows of 25, Adagrad with each gradient clipped to [-5, 5];
1. the same network in PyTorch (``CharLM(cell="rnn")``) reading 64 streams at once;
2. Adam instead of Adagrad;
3. learned 32-dimensional character embeddings instead of one-hot inputs;
4. an LSTM of 100 units instead of the tanh RNN (chapter 11 explains its gates).

Every rung is trained for the same CPU seconds (:class:`~course_rnn.budget.CPUBudget`) and
scored on the same held-out streams.  The learning rates in :data:`RUNGS` are the best of
:data:`LR_GRID` on validation for each rung (:func:`choose_learning_rates`, run outside the
book because it costs 3 runs per rung: ``python -m course_rnn.experiments.charlm_ladder``).
"""

from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import torch

from course_rnn.budget import CPUBudget, EveryCPUSeconds
from course_rnn.data import batchify, bptt_windows
from course_rnn.minchar import MinCharRNN
from course_rnn.models import CharLM
from course_rnn.train import History, evaluate, fit, seed_everything


@dataclass(frozen=True)
class Rung:
    name: str              # what this rung changed, for legends and tables
    engine: str            # "minchar" (numpy, one stream) or "torch" (CharLM, B streams)
    cell: str = "rnn"
    optimizer: str = "adagrad"
    embedding_size: int = None   # None: one-hot inputs
    lr: float = 0.1
    H: int = 100
    B: int = 64
    T: int = 25
    clip: float = 5.0


RUNGS = (   # learning rates: the best of the grid below after 6 CPU seconds, seed 0
    Rung("min-char-rnn (numpy, 1 stream)", "minchar", B=1, lr=0.03),
    Rung("+ 64 streams (PyTorch)", "torch", lr=0.03),
    Rung("+ Adam", "torch", optimizer="adam", lr=0.01),
    Rung("+ embeddings", "torch", optimizer="adam", embedding_size=32, lr=0.01),
    Rung("+ LSTM cell", "torch", cell="lstm", optimizer="adam", embedding_size=32, lr=0.03),
)
LR_GRID = {"adagrad": (0.01, 0.03, 0.1, 0.3), "adam": (0.003, 0.01, 0.03, 0.1)}


@dataclass
class RungRun:
    rung: Rung
    seed: int
    model: object            # a MinCharRNN or a CharLM
    curve: list               # [(CPU seconds, characters read, validation nats/char), ...]
    samples: list             # [(CPU seconds, text), ...] when a sampler was given

    @property
    def final(self):
        return self.curve[-1][2]


def make_model(rung, V, seed):
    """The untrained model of ``rung`` (seeded)."""
    if rung.engine == "minchar":
        return MinCharRNN(V, H=rung.H, T=rung.T, lr=rung.lr, clip=rung.clip, seed=seed)
    seed_everything(seed)
    return CharLM(V, hidden_size=rung.H, cell=rung.cell, embedding_size=rung.embedding_size)


@cache
def _warm_up_torch():
    """One tiny training step, so that PyTorch's one-time start-up work (about a CPU second)
    is not charged to the budget of whichever rung happens to run first."""
    model = CharLM(3, hidden_size=2, cell="rnn", embedding_size=2)
    for make in (torch.optim.Adam, torch.optim.Adagrad):
        logits, _ = model(torch.zeros((2, 1), dtype=torch.long))
        logits.sum().backward()
        make(model.parameters()).step()


def train_rung(rung, train_ids, val_streams, V, seconds, seed=0, points=4, sampler=None):
    """Train ``rung`` for ``seconds`` CPU seconds; score ``val_streams`` (T_total, B) ``points``
    times along the way and once more at the end (not charged to the budget).
    ``sampler(model) -> str``, if given, is called at the start and at every point."""
    model = make_model(rung, V, seed)
    budget = CPUBudget(seconds)
    samples = []
    if rung.engine == "minchar":
        def measure():
            if sampler is not None:
                samples.append((budget.used, sampler(model)))
            return model.chars_seen, model.evaluate(val_streams)
    else:
        _warm_up_torch()
        history = History()
        val_batches = [(torch.from_numpy(val_streams[:-1]), torch.from_numpy(val_streams[1:]))]

        def measure():
            if sampler is not None:
                model.eval()
                samples.append((budget.used, sampler(model)))
                model.train()
            return history.step * rung.B * rung.T, evaluate(model, val_batches)["loss"]
    curve = EveryCPUSeconds(budget, seconds / points, measure)
    budget.start()
    curve.record()                                    # the untrained model, at 0 s
    if rung.engine == "minchar":
        model.train(train_ids, callbacks=[budget, curve])
    else:
        data = batchify(train_ids, rung.B)
        opt = (torch.optim.Adam if rung.optimizer == "adam" else torch.optim.Adagrad)(
            model.parameters(), lr=rung.lr)
        fit(model, lambda: bptt_windows(data, rung.T), task="lm", optimizer=opt, clip=rung.clip,
            epochs=None, max_steps=10**9, progress=False, callbacks=[budget, curve],
            history=history)
    if curve.results[-1][0] < budget.seconds:       # training ended between two points
        curve.record()
    return RungRun(rung, seed, model, [(s, c, loss) for s, (c, loss) in curve.results], samples)


def choose_learning_rates(train_ids, val_streams, V, seconds, rungs=RUNGS, seed=0):
    """For each rung, the learning rate of :data:`LR_GRID` with the lowest final validation
    loss after ``seconds`` CPU seconds.  Returns ``{rung name: (best lr, {lr: loss})}``."""
    chosen = {}
    for rung in rungs:
        losses = {lr: train_rung(replace(rung, lr=lr), train_ids, val_streams, V, seconds, seed,
                                 points=1).final
                  for lr in LR_GRID[rung.optimizer]}
        chosen[rung.name] = (min(losses, key=losses.get), losses)
    return chosen


if __name__ == "__main__":
    import sys

    from course_rnn.data import CharVocab, load_tinyshakespeare

    torch.set_num_threads(1)
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 6.0
    vocab = CharVocab(load_tinyshakespeare(), pad=False, unk=False)
    train_ids = np.array(vocab.encode(load_tinyshakespeare("train")))
    val_streams = batchify(np.array(vocab.encode(load_tinyshakespeare("validation"))), 50)
    for name, (lr, losses) in choose_learning_rates(train_ids, val_streams, len(vocab), seconds).items():
        print(f"{name:<34} best lr {lr:<6} " + "  ".join(f"{k}: {v:.3f}" for k, v in losses.items()),
              flush=True)
