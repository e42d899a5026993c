r"""The course's figures.  Every function draws on a new Figure (or on ``ax``) and returns the
Figure; none calls ``plt.show()``, so the book, the tests (Agg backend) and scripts all work.

- :func:`loss_curves`: training loss per step, validation loss per epoch;
- :func:`heatmap_over_sequence`: hidden states or gate activations, (T, H), under the tokens;
- :func:`hidden_gradient_norms` and :func:`gradient_norm_vs_lag`: vanishing gradients,
  :math:`\lVert \partial L / \partial h_t \rVert` against the lag :math:`T - t`;
- :func:`dendrogram_of_hidden`: hierarchical clustering of mean hidden vectors (Elman 1990);
- :func:`sample_table`: generated samples side by side, as a figure, markdown or HTML.
"""

import html

import numpy as np
import torch
from matplotlib.figure import Figure
from scipy.cluster import hierarchy

#: the widest figure, in inches, whose 10 pt labels still read at 10 pt when the book shows it
#: at the width of its text column (676 px at a 1280 px window, 96 px per inch)
BOOK_WIDTH = 7.0


def _axes(ax, figsize):
    """The given Axes and its Figure, or a new Figure with one Axes (no pyplot state)."""
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def loss_curves(history, ax=None, smooth=20):
    """Training loss per step (raw, and a moving average over ``smooth`` steps) and the
    validation loss after each epoch, against the step.

    ``history``: a :class:`course_rnn.train.History` or its ``to_dict()``.  Returns the Figure.
    """
    h = history.to_dict() if hasattr(history, "to_dict") else history
    if "train_loss" not in h:
        raise ValueError("history must be a course_rnn.train.History or a dict with 'train_loss' "
                         "(per step) and 'epochs' (per-epoch dicts)")
    fig, ax = _axes(ax, (6, 3.5))
    loss = np.asarray(h["train_loss"], dtype=float)
    steps = np.arange(1, len(loss) + 1)
    ax.plot(steps, loss, color="C0", alpha=0.3, linewidth=0.8, label="train (per step)")
    if smooth > 1 and len(loss) >= smooth:
        average = np.convolve(loss, np.ones(smooth) / smooth, mode="valid")
        ax.plot(steps[smooth - 1:], average, color="C0", label=f"train ({smooth}-step mean)")
    epochs = [e for e in h.get("epochs", []) if "val_loss" in e]
    if epochs:
        ax.plot([e["step"] for e in epochs], [e["val_loss"] for e in epochs], "o-", color="C1",
                label="validation (per epoch)")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats per target)")
    ax.legend()
    return fig


def heatmap_over_sequence(values, tokens, title=None, ax=None, cmap="RdBu_r", vmin=-1.0, vmax=1.0):
    """Unit activations over time: ``values`` (T, H) drawn as H rows by T columns, with
    ``tokens`` (T labels, e.g. the characters read) under the columns.

    For hidden states (tanh: in [-1, 1], the default colour range) or gates (sigmoid: pass
    ``vmin=0``).  Returns the Figure.
    """
    values = np.asarray(values.detach() if isinstance(values, torch.Tensor) else values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"values must be (T, H), one row per time step; got shape {values.shape}")
    tokens = list(tokens)
    if len(tokens) != values.shape[0]:
        raise ValueError(f"tokens has {len(tokens)} labels but values has T = {values.shape[0]} rows")
    T, H = values.shape
    # at most 7 in wide: the book shows a figure at the width of its 676 px text column, and
    # a wider one would shrink its 10 pt labels below 10 pt there
    fig, ax = _axes(ax, (min(BOOK_WIDTH, max(4, 0.25 * T + 1.5)), max(2, 0.15 * H + 1)))
    image = ax.imshow(values.T, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks(range(T), [repr(t)[1:-1] if isinstance(t, str) else str(t) for t in tokens])
    ax.set_xlabel("token (time step t)")
    ax.set_ylabel("unit")
    if title:
        ax.set_title(title)
    fig.colorbar(image, ax=ax)
    return fig


def hidden_gradient_norms(model, x, loss_fn=None, state=None):
    r"""How far back a loss at the last step reaches: :math:`\lVert \partial L / \partial h_t \rVert_2`.

    Runs a :mod:`course_rnn.nn` (or ``torch.nn``) RNN, LSTM or GRU one step at a time on
    ``x`` (T, B, D), keeping each step's state :math:`h_t`, computes
    :math:`L` = ``loss_fn(h_T)`` on the final hidden state (B, H) of the top layer
    (default :math:`L = \sum h_T`), and backpropagates to every :math:`h_t`.  By the chain rule

    .. math:: \frac{\partial L}{\partial h_t} = \frac{\partial L}{\partial h_T}
              \prod_{s=t+1}^{T} \frac{\partial h_s}{\partial h_{s-1}}

    (for an LSTM, through the cell state too), which shrinks or grows geometrically in T - t.
    The gradients come from ``torch.autograd.grad``, so the model's ``.grad`` are untouched.
    Returns a numpy array ``norms`` (T,): ``norms[k]`` is the norm over all layers, the
    batch and the units of :math:`\partial L / \partial h_{T-k}`, the gradient k steps back.
    """
    if getattr(model, "bidirectional", False):
        raise ValueError("hidden_gradient_norms needs a unidirectional model: a backward direction "
                         "sees the future, so there is no single lag")
    if not isinstance(x, torch.Tensor) or x.dim() != 3:
        raise ValueError("x must be a (T, B, D) tensor")
    loss_fn = loss_fn or (lambda h_T: h_T.sum())
    hiddens = []
    for t in range(x.shape[0]):
        _, state = model(x[t:t + 1], state)
        hiddens.append(state[0] if isinstance(state, tuple) else state)  # h_t: (L, B, H)
    loss = loss_fn(hiddens[-1][-1])
    grads = torch.autograd.grad(loss, hiddens, allow_unused=True)
    norms = [0.0 if g is None else float(g.norm()) for g in grads]
    return np.array(norms[::-1])  # lag 0 first


def gradient_norm_vs_lag(norms, ax=None, title=None):
    r""":math:`\lVert \partial L / \partial h_{T-k} \rVert` against the lag k, log scale, one
    line per model: ``norms`` is ``{name: array (T,)}`` as :func:`hidden_gradient_norms`
    returns (e.g. ``{"RNN": ..., "LSTM": ..., "GRU": ...}``).  Returns the Figure.
    """
    if not isinstance(norms, dict) or not norms:
        raise ValueError("norms must be a non-empty dict {model name: norms by lag}")
    fig, ax = _axes(ax, (6, 3.5))
    for name, values in norms.items():
        values = np.asarray(values, dtype=float)
        ax.semilogy(np.arange(len(values)), values, label=name)
    ax.set_xlabel("lag T - t (steps back from the loss)")
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")
    ax.set_title(title or "gradient reaching back in time")
    ax.legend()
    return fig


def dendrogram_of_hidden(mean_vectors, labels, ax=None, method="average", metric="euclidean"):
    """Hierarchical clustering of mean hidden states (one row per word or class), as Elman
    (1990) drew the words of his simple recurrent network.

    ``mean_vectors`` (N, H), ``labels`` N names; ``method`` and ``metric`` are
    :func:`scipy.cluster.hierarchy.linkage`'s.  Returns the Figure.
    """
    vectors = np.asarray(mean_vectors, dtype=float)
    labels = [str(label) for label in labels]
    if vectors.ndim != 2 or len(vectors) < 2:
        raise ValueError(f"mean_vectors must be (N, H) with N >= 2 rows; got shape {vectors.shape}")
    if len(labels) != len(vectors):
        raise ValueError(f"labels has {len(labels)} names for {len(vectors)} vectors")
    fig, ax = _axes(ax, (5, max(2.5, 0.3 * len(labels))))
    links = hierarchy.linkage(vectors, method=method, metric=metric)
    hierarchy.dendrogram(links, labels=labels, orientation="right", ax=ax,
                         color_threshold=0, above_threshold_color="C0")
    ax.set_xlabel(f"{metric} distance ({method} linkage)")
    return fig


def sample_table(rows, header=("temperature", "sample"), format="figure", ax=None):
    """Generated samples side by side: ``rows`` is ``{key: text}`` or a list of (key, text).

    ``format="figure"`` draws a matplotlib table and returns the Figure; ``"markdown"``
    and ``"html"`` return a string (newlines shown as ``↵``; HTML escaped), to print or to
    ``glue`` into the book.
    """
    items = list(rows.items()) if isinstance(rows, dict) else [tuple(r) for r in rows]
    if not items or any(len(r) != 2 for r in items):
        raise ValueError("rows must be a non-empty dict {key: text} or a list of (key, text) pairs")
    cells = [(str(key), str(text).replace("\n", " ↵ ")) for key, text in items]
    if format == "markdown":
        def cell(s):
            return s.replace("|", r"\|")
        lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
        lines += [f"| {cell(k)} | {cell(t)} |" for k, t in cells]
        return "\n".join(lines)
    if format == "html":
        body = "".join(f"<tr><td>{html.escape(k)}</td><td style=\"white-space: pre-wrap; "
                       f"font-family: monospace\">{html.escape(t)}</td></tr>" for k, t in cells)
        return (f"<table><thead><tr><th>{html.escape(header[0])}</th><th>{html.escape(header[1])}"
                f"</th></tr></thead><tbody>{body}</tbody></table>")
    if format != "figure":
        raise ValueError(f"format={format!r} must be 'figure', 'markdown' or 'html'")
    fig, ax = _axes(ax, (9, 0.4 * len(cells) + 0.6))
    ax.axis("off")
    table = ax.table(cellText=[list(c) for c in cells], colLabels=list(header), loc="center",
                     cellLoc="left", colWidths=[0.15, 0.85])
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    for (row, col), c in table.get_celld().items():
        if col == 1 and row > 0:
            c.get_text().set_fontfamily("monospace")
    return fig


