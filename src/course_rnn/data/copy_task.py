r"""The copy (memory) task: read a short sequence, wait through a long delay, reproduce it.

In the form of Arjovsky, Shah & Bengio (2016), after Hochreiter & Schmidhuber (1997):
with symbols 0 = blank, 1..K = data, K+1 = delimiter, the input of length T + 2L is

    a_1 ... a_L | 0 ... 0 (T - 1 blanks) | K+1 | 0 ... 0 (L blanks)

and the target is T + L blanks followed by a_1 ... a_L (L = 10, K = 8 in the paper).
A network that remembers nothing can only output blanks and then guess uniformly, a
cross-entropy per step of :math:`L \log K / (T + 2L)` (:func:`copy_task_baseline`);
beating it requires carrying L symbols across T steps.
"""

import numpy as np

from course_rnn.data.checks import check_positive_int, check_rng


def copy_task(T, B, rng, L=10, K=8):
    """A batch of the copy task (Arjovsky et al. 2016): x, y (T + 2L, B) int64 ids in 0..K+1.

    Tests memory over a delay of T steps: the network must store L symbols and emit them
    only after the delimiter (see the module docstring for the layout).

    T: the delay (the delimiter comes T steps after the last data symbol); L: symbols to
    copy; K: data symbols, drawn uniformly with replacement from 1..K.  Vocabulary size
    V = K + 2 (use ``one_hot(x, K + 2)`` for the inputs).
    """
    for value, name in ((T, "T"), (B, "B"), (L, "L"), (K, "K")):
        check_positive_int(value, name)
    check_rng(rng)
    blank, delimiter = 0, K + 1
    data = rng.integers(1, K + 1, size=(L, B))
    x = np.full((T + 2 * L, B), blank, dtype=np.int64)
    x[:L] = data
    x[L + T - 1] = delimiter
    y = np.full((T + 2 * L, B), blank, dtype=np.int64)
    y[T + L:] = data
    return x, y


def copy_task_baseline(T, L=10, K=8):
    r"""Cross-entropy per step (nats) of the memoryless strategy: :math:`L \log K / (T + 2L)`."""
    return L * np.log(K) / (T + 2 * L)
