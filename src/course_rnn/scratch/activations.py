"""Elementwise nonlinearities and their derivatives, written in terms of the output.

Writing the derivative from the output (``1 - y**2`` for tanh, ``y * (1 - y)`` for the
sigmoid) is what lets every backward pass in :mod:`course_rnn.scratch` reuse the values it
cached in the forward pass instead of recomputing them.
"""

import numpy as np


def sigmoid(a):
    r"""Numerically stable logistic function :math:`\sigma(a) = 1 / (1 + e^{-a})`."""
    out = np.empty_like(a, dtype=np.result_type(a, np.float32))
    pos = a >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-a[pos]))
    e = np.exp(a[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def dsigmoid_from_output(y):
    r""":math:`\sigma'(a) = \sigma(a)\,(1 - \sigma(a))`, given :math:`y = \sigma(a)`."""
    return y * (1.0 - y)


def dtanh_from_output(y):
    r""":math:`\tanh'(a) = 1 - \tanh^2(a)`, given :math:`y = \tanh(a)`."""
    return 1.0 - y * y


def relu(a):
    r""":math:`\max(0, a)`."""
    return np.maximum(a, 0.0)


def drelu_from_output(y):
    r""":math:`\mathrm{relu}'(a) = [a > 0]`, given :math:`y = \mathrm{relu}(a)` (0 at 0, as PyTorch)."""
    return (y > 0).astype(y.dtype)


NONLINEARITIES = {
    "tanh": (np.tanh, dtanh_from_output),
    "relu": (relu, drelu_from_output),
}
