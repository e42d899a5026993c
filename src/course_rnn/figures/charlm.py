"""Figures of book/char_lm.md: validation curves of the ladder of models, and one hidden
unit's activation drawn over the text it reads (after Karpathy, Johnson & Fei-Fei 2015)."""

import math

import numpy as np
from matplotlib.figure import Figure


def ladder_curves(runs, baselines, ln_V, colours=None):
    """Validation loss against CPU seconds (left) and against characters read (right).

    ``runs``: {rung name: [curve, ...]}, one curve per seed, each [(seconds, chars, nats), ...];
    the mean over seeds is drawn, and each seed faintly.  ``baselines``: {label: nats}, drawn
    as horizontal lines (e.g. the count unigram and bigram) along with ln V."""
    fig = Figure(figsize=(7, 4.4), layout="constrained")   # 7 in: 10 pt labels at 10 pt in the book's column
    ax_time, ax_chars = fig.subplots(1, 2, sharey=True)
    for i, (name, curves) in enumerate(runs.items()):
        colour = (colours or {}).get(name, f"C{i}")
        for curve in curves:
            seconds, chars, loss = zip(*curve)
            ax_time.plot(seconds, loss, color=colour, alpha=0.25, lw=1)
            ax_chars.plot(np.maximum(chars, 1), loss, color=colour, alpha=0.25, lw=1)
        n = min(len(c) for c in curves)          # a slow step can skip a point of one seed
        seconds, chars, mean = np.mean([c[:n] for c in curves], axis=0).T
        ax_time.plot(seconds, mean, "o-", color=colour, ms=4, label=name)
        ax_chars.plot(np.maximum(chars, 1), mean, "o-", color=colour, ms=4)
    lines = {"uniform: ln V": ln_V, **baselines}
    for ax in (ax_time, ax_chars):
        for j, (label, value) in enumerate(lines.items()):
            ax.axhline(value, color="grey", ls=(":", "--", "-.")[j % 3], lw=1.2)
            ax.text(0.99, value, label, transform=ax.get_yaxis_transform(), ha="right", va="bottom",
                    fontsize=10, color="dimgrey")
        ax.set_ylim(min(min(lines.values()), 1.8) - 0.1, ln_V + 0.15)
        ax.grid(alpha=0.3)
    ax_time.set_xlabel("CPU seconds of training")
    ax_time.set_ylabel("validation loss (nats/char)")
    ax_time.set_title("the same compute")
    ax_chars.set_xscale("log")
    ax_chars.set_xlabel("characters read (log scale)")
    ax_chars.set_title("the same data")
    secondary = ax_chars.secondary_yaxis("right", functions=(lambda n: n / math.log(2),
                                                             lambda b: b * math.log(2)))
    secondary.set_ylabel("bits per character")
    fig.legend(loc="outside lower center", ncol=3, frameon=False, fontsize=10)
    return fig


def unit_over_text(text, values, width=64, title=None):
    """Each character of ``text`` on a cell coloured by ``values`` (one per character, in
    [-1, 1], e.g. a tanh unit): blue negative, red positive; lines wrap at newlines or at
    ``width`` characters."""
    if len(values) != len(text):
        raise ValueError(f"one value per character: {len(values)} values for {len(text)} characters")
    rows, row = [], []
    for ch, v in zip(text, values):
        row.append((ch, v))
        if ch == "\n" or len(row) == width:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    # 7 in: 70 cells of 7 pt each hold a 10 pt monospace letter (6 pt wide), shown at 10 pt in
    # the book's 676 px column
    fig = Figure(figsize=(7, 0.32 * len(rows) + 0.6), layout="constrained")
    ax = fig.add_subplot()
    grid = np.full((len(rows), width), np.nan)
    for r, cells in enumerate(rows):
        for c, (ch, v) in enumerate(cells):
            grid[r, c] = v
            ax.text(c, r, "\u21b5" if ch == "\n" else ch, ha="center", va="center", fontsize=10,
                    family="monospace")
    ax.imshow(grid, cmap="coolwarm", vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=11)
    return fig
