r"""Vanishing and exploding gradients, made measurable (book/vanishing.md).

- :func:`with_spectral_radius`: rescale a square matrix to a chosen spectral radius
  :math:`\rho(W) = \max_k |\lambda_k(W)|`, the quantity that decides whether products
  :math:`\prod_s W_{hh}^\top \mathrm{diag}(\tanh'(a_s))` shrink or grow;
- :func:`pascanu_unit`: the one-neuron recurrent model of Pascanu, Mikolov & Bengio (2013),
  :math:`x_t = w\, \sigma(x_{t-1}) + b` with the loss :math:`(\sigma(x_{50}) - 0.7)^2`, which
  has a cliff along :math:`w`.
"""

import numpy as np


def with_spectral_radius(W, rho):
    r"""``W`` (H, H) scaled so that its spectral radius (largest :math:`|\lambda|`) is ``rho``.

    Scaling a matrix scales every eigenvalue by the same factor, so
    :math:`\rho(cW) = c\,\rho(W)`.  Returns a new array; ``W`` is not modified.
    """
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square (H, H) matrix; got shape {W.shape}")
    if not rho > 0:
        raise ValueError(f"rho={rho!r} must be a positive spectral radius")
    radius = np.abs(np.linalg.eigvals(W)).max()
    if radius == 0:
        raise ValueError("W is nilpotent (every eigenvalue is 0): no scaling gives it a spectral radius")
    return W * (rho / radius)


def pascanu_unit(w, b, T=50, x0=0.5, target=0.7):
    r"""Loss and its derivative along ``w`` of a one-unit recurrent network (Pascanu et al.
    2013, Section 3.2 and Fig. 6):

    .. math::
        x_t = w\,\sigma(x_{t-1}) + b, \qquad L = (\sigma(x_T) - \text{target})^2, \qquad
        \frac{\partial x_t}{\partial w} = \sigma(x_{t-1}) + w\,\sigma'(x_{t-1})\,
            \frac{\partial x_{t-1}}{\partial w}

    (the loss reads the unit's output :math:`\sigma(x_T)`, as in the paper's Fig. 6, so
    :math:`\partial L/\partial w = 2(\sigma(x_T) - \text{target})\,\sigma'(x_T)\,
    \partial x_T/\partial w`).

    The derivative is carried forward with the state (forward-mode differentiation), so a
    whole grid of ``w`` (any shape; ``b`` broadcasts) costs T vectorised steps.  Near a
    bifurcation of the map a tiny change of ``w`` moves :math:`x_T` to another fixed point:
    the loss jumps (a *cliff*) and :math:`\partial L/\partial w` explodes.
    Returns ``(L, dL_dw)``, arrays of the broadcast shape of ``w`` and ``b``.
    """
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    x = np.full(w.shape, float(x0))
    dx_dw = np.zeros(w.shape)
    for _ in range(T):
        s = 1.0 / (1.0 + np.exp(-x))
        dx_dw = s + w * s * (1.0 - s) * dx_dw   # uses x_{t-1}: before x is updated
        x = w * s + b
    y = 1.0 / (1.0 + np.exp(-x))                # the output sigma(x_T)
    return (y - target) ** 2, 2.0 * (y - target) * y * (1.0 - y) * dx_dw
