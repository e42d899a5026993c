r"""The adding problem: remember two marked numbers across a long sequence and add them.

Each step is a pair (value, marker).  Only the two steps with marker 1 matter, and the
answer is read at the end, so the gradient that teaches the network to store X1 must flow
back over nearly all T steps: the standard test of long-range memory for LSTMs and
orthogonal/unitary RNNs.

Two variants:

- ``"hochreiter1997"``: Hochreiter & Schmidhuber (1997), "Long short-term memory",
  Experiment 4.  Values uniform in [-1, 1]; X1 is marked among the first 10 steps, X2 among
  the first T/2 - 1 steps still unmarked; the first and last steps carry marker -1 unless
  marked; if the first step is marked its value is set to 0.  Target
  :math:`y = 0.5 + (X_1 + X_2) / 4`, in [0, 1]; "solved" means absolute error < 0.04.
  The paper drew each sequence's length from [T, T + T/10]; here every sequence has
  exactly T steps so that a batch is one (T, B, 2) array.
- ``"le2015"``: Le, Jaitly & Hinton (2015) and Arjovsky, Shah & Bengio (2016).  Values
  uniform in [0, 1); one marker in the first half, one in the second half; target
  :math:`y = X_1 + X_2`.  Predicting the mean, 1, gives the baseline mean squared
  error 1/6 (the variance of a sum of two U[0, 1]).
"""

import numpy as np

from course_rnn.data.checks import check_positive_int, check_rng

VARIANTS = ("hochreiter1997", "le2015")


def adding_problem(T, B, rng, variant="le2015"):
    """A batch of the adding problem: x (T, B, 2) float64 (value, marker) and y (B,) float64.

    ``variant="hochreiter1997"``: Hochreiter & Schmidhuber (1997), Experiment 4, values in
    [-1, 1], :math:`y = 0.5 + (X_1 + X_2)/4`.  ``variant="le2015"`` (default): Le et al.
    (2015) / Arjovsky et al. (2016), values in [0, 1), :math:`y = X_1 + X_2`.  Both test
    whether a network can hold X1 in memory over about T steps (details in the module
    docstring).  rng: ``numpy.random.Generator``.
    """
    check_positive_int(T, "T")
    check_positive_int(B, "B")
    check_rng(rng)
    if variant == "hochreiter1997":
        return _hochreiter1997(T, B, rng)
    if variant == "le2015":
        return _le2015(T, B, rng)
    raise ValueError(f"variant={variant!r} is not known; use one of {VARIANTS}")


def _le2015(T, B, rng):
    if T < 2:
        raise ValueError(f"T={T} is too short: the le2015 variant needs T >= 2 "
                         f"(one marker in each half)")
    half = T // 2
    values = rng.uniform(0.0, 1.0, size=(T, B))
    first = rng.integers(0, half, size=B)          # in the first half
    second = rng.integers(half, T, size=B)         # in the second half
    markers = np.zeros((T, B))
    markers[first, np.arange(B)] = 1.0
    markers[second, np.arange(B)] = 1.0
    y = values[first, np.arange(B)] + values[second, np.arange(B)]
    return np.stack([values, markers], axis=-1), y


def _hochreiter1997(T, B, rng):
    if T < 20:
        raise ValueError(f"T={T} is too short for the hochreiter1997 variant: the first T/2 "
                         f"steps must include the 10 where X1 may be; use T >= 20 "
                         f"(the paper used 100 and more)")
    values = rng.uniform(-1.0, 1.0, size=(T, B))
    markers = np.zeros((T, B))
    markers[0], markers[-1] = -1.0, -1.0
    columns = np.arange(B)
    first = rng.integers(0, 10, size=B)
    # X2: uniform among the first T/2 - 1 unmarked positions, i.e. 0..T/2-1 without `first`
    second = rng.integers(0, T // 2 - 1, size=B)
    second = second + (second >= first)
    markers[first, columns] = 1.0
    markers[second, columns] = 1.0
    values[0, markers[0] == 1.0] = 0.0  # the paper's rule when the first step is marked
    y = 0.5 + (values[first, columns] + values[second, columns]) / 4.0
    return np.stack([values, markers], axis=-1), y
