r"""Tanh RNN, LSTM and GRU language models with matched parameter counts (book/gru.md).

A one-layer recurrent layer over one-hot characters (D = V) and a linear readout to V
logits has

.. math:: N(G, H) = G\,(H D + H^2 + 2H) + (H V + V)

parameters, with G = 1 (tanh RNN), 3 (GRU) or 4 (LSTM) blocks of rows in ``W_ih``,
``W_hh``, ``b_ih``, ``b_hh``.  :func:`matched_hidden_size` picks, for each cell, the H whose
count is closest to a target, as Chung et al. (2014) matched their models' sizes.
"""

import numpy as np
import torch
from course_rnn.experiments.sequence_tasks import Progress, recurrent_layer

GATE_BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}


def parameter_count(cell, H, V):
    """N(G, H) above: the parameters of a one-layer ``cell`` LM on one-hot inputs of size V."""
    if cell not in GATE_BLOCKS:
        raise ValueError(f"cell={cell!r} must be one of {sorted(GATE_BLOCKS)}")
    G = GATE_BLOCKS[cell]
    return G * (H * V + H * H + 2 * H) + H * V + V


def matched_hidden_size(cell, target, V):
    """The hidden size H >= 1 whose :func:`parameter_count` is closest to ``target``."""
    if not target > parameter_count(cell, 1, V):
        raise ValueError(f"target={target!r} is below the count of a one-unit {cell} LM")
    H = 1
    while parameter_count(cell, H + 1, V) <= target:
        H += 1
    below, above = parameter_count(cell, H, V), parameter_count(cell, H + 1, V)
    return H if target - below <= above - target else H + 1


class OneHotLM(torch.nn.Module):
    """tokens (T, B) -> logits (T, B, V): one-hot inputs, one recurrent layer, a readout."""

    def __init__(self, cell, H, V):
        super().__init__()
        self.V = V
        self.rnn = recurrent_layer(cell, V, H)
        self.out = torch.nn.Linear(H, V)

    def forward(self, tokens):
        hs, _ = self.rnn(torch.nn.functional.one_hot(tokens, self.V).float())
        return self.out(hs)


def _windows(ids, T, B, rng):
    """B random windows of T + 1 ids: inputs (T, B) and next-token targets (T, B)."""
    starts = rng.integers(0, len(ids) - T - 1, size=B)
    chunk = torch.from_numpy(np.stack([ids[s:s + T + 1] for s in starts], axis=1))
    return chunk[:-1], chunk[1:]


def evaluate_lm(model, ids, T=100):
    """Cross-entropy in nats per character of ``model`` on ``ids`` (1-D int array), reading
    it as consecutive non-overlapping windows of T characters, each from a zero state."""
    n = (len(ids) - 1) // T
    x = torch.from_numpy(ids[:n * T].reshape(n, T).T.copy())
    y = torch.from_numpy(ids[1:n * T + 1].reshape(n, T).T.copy())
    with torch.no_grad():
        logits = model(x)
    return float(torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)))


def train_lm(cell, H, V, train_ids, steps, seed, T=64, B=32, lr=1e-2, max_norm=1.0, bar=None):
    """Adam on random windows of ``train_ids``, clipped at ``max_norm``; returns the model."""
    torch.manual_seed(seed)
    rng = np.random.default_rng([seed, 4])
    model = OneHotLM(cell, H, V)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        x, y = _windows(train_ids, T, B, rng)
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimiser.step()
        if bar is not None:
            bar.step()
    return model


def compare_cells(hidden_sizes, V, train_ids, val_ids, steps, seeds):
    """Train every cell of ``hidden_sizes`` ({cell: H}) with every seed; returns
    ``{cell: [validation nats per character, one per seed]}``, with a progress bar."""
    bar = Progress(len(hidden_sizes) * len(seeds) * steps, "RNN, GRU, LSTM x seeds",
                   updates=len(hidden_sizes) * len(seeds))
    results = {}
    for cell, H in hidden_sizes.items():
        results[cell] = [evaluate_lm(train_lm(cell, H, V, train_ids, steps, seed, bar=bar), val_ids)
                         for seed in seeds]
    bar.close()
    return results
