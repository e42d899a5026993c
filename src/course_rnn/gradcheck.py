r"""Numerical gradients by centred differences, and the relative error used to compare them.

.. math::
    \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h},
    \qquad
    \mathrm{rel}(a, b) = \max_i \frac{|a_i - b_i|}{\max(|a_i| + |b_i|, \epsilon)}

The error of the centred difference is :math:`O(h^2)`, so in float64 with ``h = 1e-5`` an
analytic gradient that is right agrees to about 1e-8 relative or better (CS231n's rule of
thumb: above 1e-2 the gradient is probably wrong, below 1e-7 you should be happy).
"""

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """The gradient of the scalar function ``f()`` with respect to the array ``x``.

    ``f`` takes no arguments and reads ``x``, which is perturbed in place one entry at a
    time and always restored, so ``f`` may close over a dict of parameters.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x, df, h=1e-5):
    """Gradient of ``sum(f() * df)`` with respect to ``x``, for an array-valued ``f()``.

    ``df`` is the upstream gradient of ``f``'s output; this is how a backward pass that
    receives ``dout`` is checked without writing a loss.
    """
    return numerical_gradient(lambda: float(np.sum(f() * df)), x, h)


def relative_error(a, b, eps=1e-12):
    """Largest elementwise relative error between two arrays of the same shape."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))
