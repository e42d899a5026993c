r"""An encoder-decoder (sequence-to-sequence) GRU, the shape of the recurrent machine-translation
systems of 2014-2017 (Sutskever et al. 2014; Cho et al. 2014), small enough to train on a CPU in
seconds: it learns to write a string of letters backwards (book/transformers.md).

.. math::
    h^{enc}_s = \mathrm{GRU}_{enc}(E[x_s], h^{enc}_{s-1}), \qquad
    h^{dec}_0 = h^{enc}_S, \qquad
    h^{dec}_t = \mathrm{GRU}_{dec}(E'[y_{t-1}], h^{dec}_{t-1}), \qquad
    p(y_t \mid y_{<t}, x) = \mathrm{softmax}(W h^{dec}_t + b)

The whole source string reaches the decoder through one vector, the encoder's last state
:math:`h^{enc}_S` (no attention).  Training feeds the decoder the true previous symbol
(teacher forcing, :math:`y_0` = ``BOS``); :func:`greedy_decode` feeds back its own most
likely symbol until it writes ``EOS``.  Shapes are time-major: sources (S, B), targets (T, B).
"""

import numpy as np
import torch
from torch import nn

LETTERS = "abcdefghijklmnopqrstuvwxyz"
BOS, EOS = len(LETTERS), len(LETTERS) + 1        # token ids after the 26 letters
V = len(LETTERS) + 2


def encode(string):
    """Letter ids of ``string`` (lower-case a-z)."""
    return [LETTERS.index(c) for c in string]


def decode(ids):
    """The letters of ``ids``, up to the first ``EOS``."""
    out = []
    for i in ids:
        if i == EOS:
            break
        out.append(LETTERS[i] if i < len(LETTERS) else "?")
    return "".join(out)


def random_strings(n, rng, min_len=3, max_len=8, alphabet=10):
    """``n`` strings of random length in [min_len, max_len] over the first ``alphabet`` letters."""
    return ["".join(rng.choice(list(LETTERS[:alphabet]), size=rng.integers(min_len, max_len + 1)))
            for _ in range(n)]


def reversal_batch(strings):
    """Sources (S, B), decoder inputs (T, B) and targets (T, B) for strings of one length:
    the target is the reversed string then ``EOS``; the decoder input is ``BOS`` then the
    target shifted right (teacher forcing)."""
    if len({len(s) for s in strings}) != 1:
        raise ValueError("a batch holds strings of one length (group them by length)")
    src = torch.tensor([encode(s) for s in strings]).T                           # (S, B)
    tgt = torch.tensor([encode(s[::-1]) + [EOS] for s in strings]).T             # (T, B), T = S + 1
    dec_in = torch.cat([torch.full((1, len(strings)), BOS), tgt[:-1]])           # (T, B)
    return src, dec_in, tgt


class Seq2SeqGRU(nn.Module):
    """``Seq2SeqGRU(hidden_size=64, embedding_size=16)``: ``model(src, dec_in)`` gives the
    decoder's logits (T, B, V) under teacher forcing."""

    def __init__(self, hidden_size=64, embedding_size=16):
        super().__init__()
        self.src_embed = nn.Embedding(V, embedding_size)
        self.tgt_embed = nn.Embedding(V, embedding_size)
        self.encoder = nn.GRU(embedding_size, hidden_size)
        self.decoder = nn.GRU(embedding_size, hidden_size)
        self.out = nn.Linear(hidden_size, V)

    def encode(self, src):
        """The encoder's last state h_S, (1, B, H): everything the decoder knows of the source."""
        _, h = self.encoder(self.src_embed(src))
        return h

    def forward(self, src, dec_in):
        hs, _ = self.decoder(self.tgt_embed(dec_in), self.encode(src))   # (T, B, H)
        return self.out(hs)                                                # (T, B, V)


@torch.no_grad()
def greedy_decode(model, strings, max_len=None):
    """The model's output strings for ``strings`` (any lengths): feed back the most likely
    symbol, one step at a time, until ``EOS`` or ``max_len`` symbols (default: longest + 1)."""
    model.eval()
    max_len = max_len or max(len(s) for s in strings) + 1
    outputs = {}
    for length in sorted({len(s) for s in strings}):
        group = [s for s in strings if len(s) == length]
        src = torch.tensor([encode(s) for s in group]).T
        h = model.encode(src)
        y = torch.full((1, len(group)), BOS)
        ids = []
        for _ in range(max_len):
            hs, h = model.decoder(model.tgt_embed(y), h)
            y = model.out(hs).argmax(-1)                                   # (1, B)
            ids.append(y[0])
        ids = torch.stack(ids, 1).tolist()                                 # (B, max_len)
        outputs.update({s: decode(row) for s, row in zip(group, ids)})
    return [outputs[s] for s in strings]


def train_reversal(model, rng, budget=None, steps=None, B=64, lr=3e-3, min_len=3, max_len=8,
                   alphabet=10):
    """Train ``model`` with Adam and teacher forcing on fresh random batches (one length per
    batch) until ``budget`` (a :class:`course_rnn.budget.CPUBudget`) is exhausted or ``steps``
    steps are done.  Returns the list of training losses (nats per target symbol)."""
    if budget is None and steps is None:
        raise ValueError("give a budget or a number of steps")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    if budget is not None:
        budget.start()
    model.train()
    while (steps is None or len(losses) < steps) and (budget is None or not budget.exhausted):
        length = int(rng.integers(min_len, max_len + 1))
        strings = ["".join(rng.choice(list(LETTERS[:alphabet]), size=length)) for _ in range(B)]
        src, dec_in, tgt = reversal_batch(strings)
        loss = nn.functional.cross_entropy(model(src, dec_in).reshape(-1, V), tgt.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    return losses


def exact_match(predicted, strings):
    """The fraction of ``strings`` whose prediction is exactly the string reversed."""
    return float(np.mean([p == s[::-1] for p, s in zip(predicted, strings)]))
