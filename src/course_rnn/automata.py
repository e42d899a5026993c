r"""Reading a finite-state automaton off the hidden states of a trained RNN.

An RNN that predicts the next symbol of a regular language must, in effect, know which
state of the language's automaton it is in.  Cleeremans, Servan-Schreiber & McClelland
(1989) found that the hidden states of a simple recurrent network trained on the Reber
grammar fall into clusters, one per grammar state; Omlin & Giles (1996) turned clusters
into an automaton.  The steps:

1. record the hidden state :math:`h_t` after every symbol of many strings;
2. cluster them (:func:`kmeans`): each cluster is a candidate automaton state;
3. compare clusters with the true states (:func:`contingency`, :func:`purity`);
4. read the transitions off consecutive clusters, :math:`(c_t, x_{t+1}) \mapsto c_{t+1}`,
   by majority vote (:func:`extract_automaton`), and run the result (:func:`accepts`).

Streams here are Reber strings written one after another (``BTXSEBPVVE...``), as a
language model reads them; the state after ``E`` is :data:`END`.
"""

from collections import Counter

import numpy as np

from course_rnn.data.checks import check_positive_int, check_rng
from course_rnn.data.reber import END, REBER, START


def reber_states(stream):
    """The Reber grammar state after each symbol of ``stream``, one or more complete
    (non-embedded) Reber strings written back to back: 0..5 inside a string, :data:`END`
    after its ``E``.  Raises ValueError at the first symbol the grammar does not allow."""
    states, state = [], START
    for t, symbol in enumerate(stream):
        if state == END:
            state = START
        if symbol not in REBER[state]:
            raise ValueError(f"symbol {symbol!r} at position {t} of the stream is not allowed in "
                             f"Reber state {state!r}")
        state = REBER[state][symbol]
        states.append(state)
    return states


def kmeans(X, k, rng, restarts=10, iters=100):
    r"""k-means clustering of the rows of X (N, H): k-means++ seeding, Lloyd's iterations,
    the best of ``restarts`` runs by the within-cluster sum of squares
    :math:`\sum_n \lVert x_n - \mu_{c_n} \rVert^2`.  ``rng``: numpy Generator.
    Returns labels (N,) int and centroids (k, H)."""
    X = np.asarray(X, dtype=float)
    check_positive_int(k, "k")
    check_rng(rng)
    if X.ndim != 2 or len(X) < k:
        raise ValueError(f"X must be (N, H) with N >= k = {k} rows; got shape {X.shape}")
    best = None
    for _ in range(restarts):
        centroids = _kmeans_pp(X, k, rng)
        for _ in range(iters):
            d2 = ((X[:, None, :] - centroids[None]) ** 2).sum(-1)       # (N, k)
            labels = d2.argmin(1)
            new = np.array([X[labels == j].mean(0) if np.any(labels == j) else centroids[j]
                            for j in range(k)])
            if np.allclose(new, centroids):
                break
            centroids = new
        inertia = d2[np.arange(len(X)), labels].sum()
        if best is None or inertia < best[0]:
            best = (inertia, labels, centroids)
    return best[1], best[2]


def _kmeans_pp(X, k, rng):
    """k-means++: each next centre drawn with probability proportional to the squared
    distance to the nearest centre chosen so far."""
    centres = [X[rng.integers(len(X))]]
    for _ in range(k - 1):
        d2 = ((X[:, None, :] - np.array(centres)[None]) ** 2).sum(-1).min(1)
        p = d2 / d2.sum() if d2.sum() > 0 else np.full(len(X), 1 / len(X))
        centres.append(X[rng.choice(len(X), p=p)])
    return np.array(centres)


def contingency(a, b):
    """Counts of each pair of labels: returns (table (len(a_values), len(b_values)),
    a_values, b_values), the values sorted (by their string form when types are mixed)."""
    if len(a) != len(b):
        raise ValueError(f"a and b must label the same items; got {len(a)} and {len(b)} labels")
    a_values = sorted(set(a), key=str)
    b_values = sorted(set(b), key=str)
    ia = {v: i for i, v in enumerate(a_values)}
    ib = {v: i for i, v in enumerate(b_values)}
    table = np.zeros((len(a_values), len(b_values)), dtype=int)
    for x, y in zip(a, b):
        table[ia[x], ib[y]] += 1
    return table, a_values, b_values


def purity(clusters, states):
    """Fraction of items whose cluster's most common true state is their own state: 1 when
    every cluster holds one state only (a cluster may still split a state in two)."""
    table, _, _ = contingency(clusters, states)
    return table.max(1).sum() / table.sum()


def extract_automaton(clusters, stream, min_count=2):
    """The automaton read off a clustered stream: ``clusters[t]`` is the cluster of the
    hidden state after symbol ``stream[t]``.  Each transition (c_t, stream[t+1]) -> c_{t+1}
    is decided by majority; pairs seen fewer than ``min_count`` times are left out (noise).

    Returns a dict ``{(cluster, symbol): next cluster}``.
    """
    if len(clusters) != len(stream):
        raise ValueError(f"clusters ({len(clusters)}) and stream ({len(stream)}) must have "
                         f"one entry per symbol")
    votes = {}
    for t in range(len(stream) - 1):
        votes.setdefault((clusters[t], stream[t + 1]), Counter())[clusters[t + 1]] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in votes.items()
            if sum(counter.values()) >= min_count}


def accepts(automaton, start, string, end_symbol="E", final=None):
    """Run ``automaton`` from cluster ``start`` over ``string``; True if every transition
    exists and the string ends with ``end_symbol`` (read last; it must be a transition too,
    into one of the ``final`` clusters when given)."""
    state = start
    for symbol in string:
        if (state, symbol) not in automaton:
            return False
        state = automaton[(state, symbol)]
    return len(string) > 0 and string[-1] == end_symbol and (final is None or state in final)
