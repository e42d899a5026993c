r"""Train the small character model shipped with assignment a02 (``solutions/a02_generation``).

    python -m course_rnn.pretrained.train_a02_char_model [--out PATH] [--steps 8000]

An Elman RNN language model over the 65 characters of tiny Shakespeare, small enough for a
student's numpy forward pass:

.. math::
    h_t = \tanh(W_{ih}\, \mathrm{onehot}(c_t) + b_{ih} + W_{hh} h_{t-1} + b_{hh}), \qquad
    p(c_{t+1} \mid c_{\le t}) = \mathrm{softmax}(W_{ho} h_t + b_o)

(H = 96).  Trained with torch (``torch.nn.RNN`` and ``Linear`` in float32, Adam, global-norm
clipping at 1, truncated BPTT over windows of 64 characters in 32 streams, a fixed number of
steps), deterministic: one thread, seeded, so the same command writes the same weights.
Saved as ``.npz`` in float32 with the names and layout of :mod:`course_rnn.scratch`
(``W_ih (H, V)``, ``W_hh (H, H)``, ``b_ih``, ``b_hh (H,)``, ``W_ho (V, H)``, ``b_o (V,)``),
the characters (``chars``: id i is ``chars[i]``), and the validation loss it reached and
that of the unigram baseline, in nats per character.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from course_rnn.data import load_tinyshakespeare

OUT = Path(__file__).resolve().parents[3] / "solutions" / "a02_generation" / "char_rnn.npz"


def encode(text, chars):
    index = {c: i for i, c in enumerate(chars)}
    return np.array([index[c] for c in text], dtype=np.int64)


def numpy_loss(weights, ids):
    """Mean negative log-likelihood (nats/char) of ids[1:] given the prefixes, in float64 numpy:
    the same forward pass the students write."""
    W_ih, W_hh, b_ih, b_hh, W_ho, b_o = (weights[k].astype(np.float64) for k in
                                         ("W_ih", "W_hh", "b_ih", "b_hh", "W_ho", "b_o"))
    h, total = np.zeros(W_hh.shape[0]), 0.0
    for current, following in zip(ids[:-1], ids[1:]):
        h = np.tanh(W_ih[:, current] + b_ih + W_hh @ h + b_hh)
        z = W_ho @ h + b_o
        total += np.log(np.exp(z - z.max()).sum()) + z.max() - z[following]
    return total / (len(ids) - 1)


def unigram_loss(train_ids, ids, V):
    """Cross-entropy of the character frequencies of the training text (add-one smoothed)."""
    counts = np.bincount(train_ids, minlength=V) + 1.0
    return float(-np.log(counts / counts.sum())[ids[1:]].mean())


def train(steps=8000, hidden=96, window=64, streams=32, lr=3e-3, seed=0):
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    train_text = load_tinyshakespeare("train")
    chars = sorted(set(load_tinyshakespeare()))
    V = len(chars)
    ids = torch.from_numpy(encode(train_text, chars))
    span = len(ids) // streams
    columns = ids[: span * streams].view(streams, span).T          # (span, streams): one stream per column
    rnn, out = torch.nn.RNN(V, hidden), torch.nn.Linear(hidden, V)
    params = list(rnn.parameters()) + list(out.parameters())
    optimiser = torch.optim.Adam(params, lr=lr)
    h, position = torch.zeros(1, streams, hidden), 0
    for step in range(steps):
        if position + window + 1 > span:
            h, position = torch.zeros(1, streams, hidden), 0
        chunk = columns[position: position + window + 1]              # (window + 1, streams)
        x = torch.nn.functional.one_hot(chunk[:-1], V).float()         # (T, B, V)
        hs, h = rnn(x, h.detach())
        loss = torch.nn.functional.cross_entropy(out(hs).reshape(-1, V), chunk[1:].reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        for group in optimiser.param_groups:                         # linear decay to lr / 10
            group["lr"] = lr * (1 - 0.9 * (step + 1) / steps)
        position += window
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in rnn.state_dict().items()}
    return {"W_ih": sd["weight_ih_l0"], "W_hh": sd["weight_hh_l0"], "b_ih": sd["bias_ih_l0"],
            "b_hh": sd["bias_hh_l0"], "W_ho": out.weight.detach().numpy().astype(np.float32),
            "b_o": out.bias.detach().numpy().astype(np.float32)}, chars


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--steps", type=int, default=8000)
    args = parser.parse_args(argv)
    start = time.process_time()
    weights, chars = train(steps=args.steps)
    chars_ids = encode(load_tinyshakespeare("train"), chars)
    validation = encode(load_tinyshakespeare("validation")[:20_000], chars)
    loss = numpy_loss(weights, validation)
    baseline = unigram_loss(chars_ids, validation, len(chars))
    np.savez_compressed(args.out, **weights, chars=np.array("".join(chars)),
                        validation_loss=np.float64(loss), unigram_loss=np.float64(baseline))
    print(f"{args.out}: validation {loss:.3f} nats/char (unigram {baseline:.3f}), "
          f"{time.process_time() - start:.0f} s CPU, {args.out.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
