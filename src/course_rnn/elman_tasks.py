r"""Elman's (1990) prediction experiments: train a simple recurrent network to predict the next
item of a stream, then read its errors and hidden states.

Every experiment of the paper has the same shape.  A long stream :math:`x_1, \dots, x_N`
(letters as feature bits, words as localist codes) is fed one item at a time, and the
network predicts item :math:`t + 1` from :math:`x_{1:t}`:

.. math::
    h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}), \qquad
    \hat y_t = f(W_{ho} h_t + b_o),

with :math:`f` a sigmoid per bit (``kind="bits"``, binary cross-entropy) or a softmax over
the items (``kind="classes"``, cross-entropy).  What the paper reads off the trained
network is the prediction error at each step (:func:`prediction_error`) and the hidden
state of each step (:func:`hidden_states`), averaged per item (:func:`mean_by_item`) and
clustered (:func:`cluster_purity`, :func:`nearest_neighbour_agreement`).  Taught in book/elman.md.
"""

import sys

import numpy as np
import torch
from tqdm import tqdm
from scipy.cluster import hierarchy
from scipy.spatial.distance import cdist

from course_rnn.nn import RNN
from course_rnn.progress import hidden

KINDS = ("bits", "classes")


class NextItemPredictor(torch.nn.Module):
    """x (T, B, D) -> logits (T, B, V) of the next item; ``self.rnn`` is a course_rnn.nn.RNN."""

    def __init__(self, D, H, V):
        super().__init__()
        self.rnn = RNN(D, H)
        self.out = torch.nn.Linear(H, V)

    def forward(self, x, h0=None):
        hs, _ = self.rnn(x, h0)      # (T, B, H)
        return self.out(hs), hs      # (T, B, V), (T, B, H)


def _loss(logits, targets, kind):
    if kind == "bits":
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, targets)
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def train_next_item(x, targets, H, kind="bits", passes=200, streams=20, lr=0.01, seed=0, progress=None):
    """Train a :class:`NextItemPredictor` to map ``x[t]`` (and the past) to ``targets[t]``.

    x: (N, D) float stream; targets: (N, V) bits for ``kind="bits"``, or (N,) item ids for
    ``kind="classes"``.  The stream is cut into ``streams`` equal sub-streams (the tail that
    does not fit is dropped) trained as one batch with full BPTT and Adam, ``passes`` times.
    ``progress``, a description, shows a text progress bar on stdout that redraws 5 times
    (readable in the built book).  Returns the model and the training loss of each pass.
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} must be one of {KINDS}")
    x = np.asarray(x, dtype=np.float32)
    targets = np.asarray(targets)
    if len(x) != len(targets):
        raise ValueError(f"x has {len(x)} steps but targets has {len(targets)}; give one target per step")
    T = len(x) // streams
    if T < 2:
        raise ValueError(f"streams={streams} leaves sub-streams of {T} steps; use fewer streams")
    torch.manual_seed(seed)
    xb = torch.from_numpy(x[:T * streams]).reshape(streams, T, -1).transpose(0, 1)     # (T, B, D)
    tb = torch.from_numpy(targets[:T * streams]).reshape(streams, T, *targets.shape[1:]).transpose(0, 1)
    tb = tb.float() if kind == "bits" else tb.long()
    V = targets.shape[1] if kind == "bits" else int(targets.max()) + 1
    model = NextItemPredictor(x.shape[1], H, V)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    bar = tqdm(total=passes, desc=progress, file=sys.stdout, ascii=True, ncols=80,
               disable=hidden(progress is not None))
    block = max(1, passes // 5)
    for n in range(1, passes + 1):
        logits, _ = model(xb)
        loss = _loss(logits, tb, kind)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
        if n % block == 0 or n == passes:   # redraw in a few blocks, not at every pass
            bar.set_postfix_str(f"loss {losses[-1]:.3f}", refresh=False)
            bar.update(n - bar.n)
    bar.close()
    return model, losses


def run_stream(model, x):
    """Feed one whole stream x (N, D) from h_0 = 0; returns logits (N, V), hidden states (N, H)."""
    with torch.no_grad():
        logits, hs = model(torch.as_tensor(np.asarray(x), dtype=torch.float32)[:, None])
    return logits[:, 0].numpy(), hs[:, 0].numpy()


def prediction_error(model, x, targets):
    """Root-mean-squared error over the bits of each prediction, as Elman plotted it.

    x: (N, D); targets: (N, V) bits, ``targets[t]`` the item after ``x[t]``.  The outputs are
    sigmoid probabilities.  Returns (N,) errors and the (N, V) squared errors per bit.
    """
    logits, _ = run_stream(model, x)
    squared = (1 / (1 + np.exp(-logits)) - np.asarray(targets)) ** 2       # (N, V)
    return np.sqrt(squared.mean(axis=1)), squared


def hidden_states(model, x):
    """The hidden state after each item of the stream x (N, D), read from h_0 = 0: (N, H)."""
    return run_stream(model, x)[1]


def mean_by_item(hs, ids, n_items):
    """Mean hidden vector of each item: row k averages ``hs[t]`` over the t with ids[t] == k.

    hs: (N, H); ids: (N,) ints in [0, n_items).  Items never seen give a row of NaN.
    """
    hs, ids = np.asarray(hs, dtype=float), np.asarray(ids)
    sums = np.zeros((n_items, hs.shape[1]))
    np.add.at(sums, ids, hs)
    counts = np.bincount(ids, minlength=n_items)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts


def cluster_purity(vectors, labels, k, method="average", metric="euclidean"):
    """Purity of the k clusters that hierarchical clustering (as in the dendrogram) finds.

    Cut the tree of ``scipy.cluster.hierarchy.linkage(vectors, method, metric)`` into k
    clusters; purity is the share of the rows whose label is the majority label of their
    cluster.  1 = every cluster is one category; a clustering that ignores the categories
    scores about the share of the largest category.
    """
    vectors, labels = np.asarray(vectors, dtype=float), np.asarray(labels)
    if len(vectors) != len(labels):
        raise ValueError(f"vectors has {len(vectors)} rows but labels has {len(labels)}")
    clusters = hierarchy.fcluster(hierarchy.linkage(vectors, method=method, metric=metric), k, "maxclust")
    majority = sum(np.unique(labels[clusters == c], return_counts=True)[1].max() for c in np.unique(clusters))
    return majority / len(labels)


def nearest_neighbour_agreement(vectors, labels, metric="euclidean"):
    """Share of rows whose nearest other row has the same label (leave-one-out 1-NN).

    A measure of how well ``labels`` separate ``vectors`` that needs no cut of a tree: 1 if
    every word's nearest word is of its own category; for vectors unrelated to the labels,
    about the chance that two random rows share a label.
    """
    vectors, labels = np.asarray(vectors, dtype=float), np.asarray(labels)
    if len(vectors) != len(labels) or len(vectors) < 2:
        raise ValueError(f"need >= 2 vectors with one label each; got {len(vectors)} and {len(labels)}")
    distances = cdist(vectors, vectors, metric=metric)
    np.fill_diagonal(distances, np.inf)
    return float(np.mean(labels[distances.argmin(axis=1)] == labels))
