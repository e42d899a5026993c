r"""Train the CharLM shipped in ``charlm_shakespeare.pt`` (used by book/generation.md).

    python -m course_rnn.pretrained.train_charlm [--cpu-seconds 360] [--hidden 256] ...

A one-layer LSTM (H = 256, learned embeddings E = 32) on the training split of tiny
Shakespeare, trained with :func:`course_rnn.train.fit`: Adam, global-norm clipping at 5,
truncated BPTT over windows of 100 characters in 64 parallel streams, for a budget of CPU
seconds, the learning rate decayed along a cosine to a tenth of its start.  The weights are
stored in float16 (half the size; the loader casts them back to float32) with the
vocabulary and the validation loss measured after rounding, so the number in the file is the
shipped model's.  Seeded, but the stopping point depends on the CPU's speed.
"""

import argparse
import math
import sys

import numpy as np
import torch

from course_rnn.budget import BudgetBar, CPUBudget
from course_rnn.data import CharVocab, batchify, bptt_windows, load_tinyshakespeare
from course_rnn.models import CharLM
from course_rnn.pretrained import CHARLM_FILE, load_charlm
from course_rnn.train import evaluate, fit, seed_everything


def cosine_lr(optimizer, budget, lr, floor=0.1):
    """A fit callback: lr follows a cosine from ``lr`` down to ``floor * lr`` over the budget."""
    def callback(event, history):
        fraction = min(budget.used / budget.seconds, 1.0)
        for group in optimizer.param_groups:
            group["lr"] = lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * fraction)))
        return False
    return callback


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-seconds", type=float, default=360.0)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--embedding", type=int, default=32)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--bptt", type=int, default=100)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(CHARLM_FILE))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    seed_everything(args.seed)

    text = load_tinyshakespeare()
    vocab = CharVocab(text, pad=False, unk=False)
    train = batchify(np.array(vocab.encode(load_tinyshakespeare("train"))), args.batch)
    val = batchify(np.array(vocab.encode(load_tinyshakespeare("validation"))), 10)
    val_batches = list(bptt_windows(val, 500))

    config = {"cell": "lstm", "hidden": args.hidden, "layers": 1, "embedding": args.embedding,
              "batch": args.batch, "bptt": args.bptt, "lr": args.lr, "clip": 5.0,
              "seed": args.seed, "threads": args.threads}
    model = CharLM(len(vocab), args.hidden, cell="lstm", embedding_size=args.embedding)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    budget = CPUBudget(args.cpu_seconds).start()
    bar = BudgetBar(budget, "CharLM", updates=50)
    history = fit(model, lambda: bptt_windows(train, args.bptt), task="lm", optimizer=optimizer,
                  epochs=None, max_steps=10**9, clip=5.0, progress=False,
                  callbacks=[budget, cosine_lr(optimizer, budget, args.lr), bar])
    bar.close(history.train_loss[-1])
    chars = history.step * args.bptt * args.batch

    torch.save({"chars": "".join(vocab.itos), "config": config, "cpu_seconds": round(budget.used, 1),
                "steps": history.step, "chars_seen": chars,
                "state_dict": {k: v.half() for k, v in model.state_dict().items()}}, args.out)
    shipped, _, info = load_charlm(args.out)
    val_loss = evaluate(shipped, val_batches, task="lm")["loss"]
    info.update(val_loss=round(val_loss, 4))
    torch.save({**info, "state_dict": {k: v.half() for k, v in model.state_dict().items()}}, args.out)
    print(f"{history.step} steps, {chars:,} characters ({chars / len(train.ravel()):.2f} epochs) in "
          f"{budget.used:.0f} CPU s; validation {val_loss:.4f} nats/char = "
          f"{val_loss / math.log(2):.4f} bits/char -> {args.out}")


if __name__ == "__main__":
    sys.exit(main())
