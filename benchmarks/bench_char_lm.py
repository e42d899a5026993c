r"""Character-level language modelling on tiny Shakespeare: the course's CharLM, trained with
:func:`course_rnn.train.fit`, against a min-char-rnn-style baseline in numpy, measured in the
same run.

The baseline is :class:`course_rnn.minchar.MinCharRNN`, the algorithm of Karpathy's
min-char-rnn.py (2015): a vanilla RNN with 100 tanh units over one-hot characters, batch 1,
windows of 25 characters with the hidden state carried between them, backpropagation
through time by hand, gradients clipped elementwise to [-5, 5], Adagrad with learning rate
0.1, weights from N(0, 0.01^2).  Both models train for the same wall-clock budget, then both
are scored on the same held-out text (the validation split, cut into 10 contiguous streams
read with the state carried) in nats per character.

    python benchmarks/bench_char_lm.py [--budget 60] [--hidden 64] [--batch 256] [--bptt 64] [--threads 2]
                                       [--keep-freed-memory]

Reports characters per second of training and validation loss, and the ratios.  Timings
are noisy on shared machines: both sides run in the same process, one after the other.
"""

import argparse
import ctypes
import ctypes.util
import math
import os
import time

import numpy as np
import torch

from course_rnn.budget import CPUBudget
from course_rnn.data.batching import batchify, bptt_windows
from course_rnn.data.shakespeare import load_tinyshakespeare
from course_rnn.data.vocab import CharVocab
from course_rnn.minchar import MinCharRNN
from course_rnn.models import CharLM
from course_rnn.train import evaluate, fit, seed_everything

VAL_STREAMS = 10  # validation read as 10 streams of 5,577 characters, each from a zero state


def train_charlm(train_ids, V, seconds, args):
    """CharLM through course_rnn.train.fit until the budget runs out; returns (model, chars)."""
    model = CharLM(V, args.hidden, num_layers=1, cell=args.cell, embedding_size=args.embedding)
    data = batchify(train_ids, args.batch)  # (T_total, B)
    start = time.perf_counter()

    def out_of_time(event, history):
        return time.perf_counter() - start >= seconds

    history = fit(model, lambda: bptt_windows(data, args.bptt), task="lm", lr=args.lr, epochs=None,
                  max_steps=10**9, clip=5.0, progress=False, callbacks=[out_of_time])
    return model, history.step * args.bptt * args.batch


def keep_freed_memory():
    """Ask glibc's malloc to keep freed blocks for reuse instead of handing them back to the OS.

    By default a block of several MB freed at the end of a training step goes back to the
    OS, and the next step's block of the same size is new memory whose every page faults on
    first touch (about 3 ms per 16 MB here).  Both models run under the same setting; it
    changes speed only, never a number computed.  Returns False where there is no glibc.
    """
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    # 32 MB is the largest mmap threshold glibc accepts; free memory above it is never trimmed
    return bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(libc.mallopt(M_TRIM_THRESHOLD, 1 << 30))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0, help="training seconds for each model")
    parser.add_argument("--cell", default="lstm", choices=["rnn", "lstm", "gru"])
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--embedding", type=int, default=16)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--bptt", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--keep-freed-memory", action="store_true",
                        help="keep freed memory in the process (glibc mallopt) instead of returning it to the OS")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args([] if argv is None and __name__ != "__main__" else argv)
    torch.set_num_threads(args.threads)
    kept = args.keep_freed_memory and keep_freed_memory()
    seed_everything(0)
    vocab = CharVocab(load_tinyshakespeare(), pad=False, unk=False)  # V = 65
    V = len(vocab)
    train_ids = np.array(vocab.encode(load_tinyshakespeare("train")), dtype=np.int64)
    val_ids = np.array(vocab.encode(load_tinyshakespeare("validation")), dtype=np.int64)
    print(f"tiny Shakespeare: V={V}, {len(train_ids):,} training and {len(val_ids):,} validation "
          f"characters; {args.budget:g} s of training each; torch threads {args.threads}"
          + ("; freed memory kept in the process" if kept else ""), flush=True)

    baseline = MinCharRNN(V)
    baseline.train(train_ids, callbacks=[CPUBudget(args.budget, clock=time.perf_counter).start()])
    baseline_chars = baseline.chars_seen
    # the same held-out text for both: the validation split as VAL_STREAMS contiguous streams
    val_streams = batchify(val_ids, VAL_STREAMS)  # (T_total, VAL_STREAMS)
    baseline_val = baseline.evaluate(val_streams)
    print(f"  min-char-rnn (numpy): {baseline_chars:,} characters, val {baseline_val:.3f} nats/char", flush=True)

    model, chars = train_charlm(train_ids, V, args.budget, args)
    val = evaluate(model, [(val_streams[:-1], val_streams[1:])], task="lm")["loss"]
    print(f"  CharLM ({args.cell}):      {chars:,} characters, val {val:.3f} nats/char", flush=True)

    rows = [("min-char-rnn numpy (RNN 100, B=1, T=25, Adagrad)", baseline_chars / args.budget, baseline_val),
            (f"course CharLM {args.cell.upper()} {args.hidden} (E={args.embedding}, B={args.batch}, "
             f"T={args.bptt}, Adam)", chars / args.budget, val)]
    print(f"\n{'model':<58} {'chars/s':>10} {'val nats/char':>14} {'val bpc':>8}")
    for name, speed, loss in rows:
        print(f"{name:<58} {speed:>10,.0f} {loss:>14.3f} {loss / math.log(2):>8.3f}")
    print(f"{'ratio (CharLM / baseline)':<58} {rows[1][1] / rows[0][1]:>9.1f}x "
          f"{rows[1][2] / rows[0][2]:>13.2f}x")
    print("targets: >= 20x the characters per second, and a lower validation loss at equal time")
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} CPUs (other processes slow multi-threaded torch the most)")


if __name__ == "__main__":
    main()
