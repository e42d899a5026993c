r"""Gradient clipping against exploding gradients (Pascanu, Mikolov & Bengio 2013, Algorithm 1).

.. math::
    \hat g \leftarrow \frac{\partial L}{\partial \theta}, \qquad
    \text{if } \lVert \hat g \rVert \ge \text{threshold}: \quad
    \hat g \leftarrow \frac{\text{threshold}}{\lVert \hat g \rVert}\, \hat g

**Why one global norm, over all the parameters together.**  An exploding gradient is a
step that points the right way but is far too long (a steep "wall" of the error surface,
in Pascanu et al.'s picture).  Rescaling the whole gradient vector shortens the step and
keeps its direction.  Clipping each matrix by its own norm shrinks some blocks more than
others, which turns the step: typically ``W_hh``, whose gradient exploded, is cut down
while the input weights keep their full step, so the update no longer follows the
gradient and its result depends on how the parameters happen to be split into arrays.
Hence ``torch.nn.utils.clip_grad_norm_`` and this module compute one norm over every array.

Gradients are given as a dict of arrays, or any list/tuple of such dicts (e.g. the
per-layer grads of :func:`course_rnn.scratch.layers.stacked_backward`); the result has the
same structure, in new arrays.
"""

import numpy as np


def clip_grad_norm(grads, max_norm):
    r"""Global-norm clipping: returns (clipped_grads, total_norm).

    total_norm is :math:`\lVert g \rVert = \sqrt{\sum_{\text{arrays}} \sum_i g_i^2}` before
    clipping.  If it is at least ``max_norm`` every array is scaled by
    ``max_norm / total_norm`` (so the clipped norm is max_norm and the direction is
    unchanged); otherwise the gradients are returned unchanged (as copies).  The inputs are
    never modified.  ``torch.nn.utils.clip_grad_norm_`` divides by ``total_norm + 1e-6``
    instead, a relative difference of about 1e-6 / total_norm.
    """
    if isinstance(max_norm, bool) or not np.isscalar(max_norm) or not max_norm > 0:
        raise ValueError(f"max_norm={max_norm!r} must be a positive number")
    arrays = _leaves(grads)
    total_norm = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in arrays)))
    if not np.isfinite(total_norm):
        raise ValueError(f"the gradient norm is {total_norm}: some gradient is inf or nan, and "
                         "no rescaling can fix that; look for the step where it first appears")
    scale = max_norm / total_norm if total_norm >= max_norm else 1.0
    return _map(lambda g: g * np.asarray(scale, dtype=g.dtype), grads), total_norm


def clip_grad_value(grads, clip_value):
    """Elementwise clipping of every gradient into [-clip_value, clip_value], in new arrays.

    Mikolov's (2012) recipe; unlike :func:`clip_grad_norm` it changes the direction.
    Like ``torch.nn.utils.clip_grad_value_``.
    """
    if isinstance(clip_value, bool) or not np.isscalar(clip_value) or not clip_value > 0:
        raise ValueError(f"clip_value={clip_value!r} must be a positive number")
    return _map(lambda g: np.clip(g, -clip_value, clip_value), grads)


def _leaves(grads):
    if isinstance(grads, dict):
        return [a for g in grads.values() for a in _leaves(g)]
    if isinstance(grads, (list, tuple)):
        return [a for g in grads for a in _leaves(g)]
    if isinstance(grads, np.ndarray):
        return [grads]
    raise TypeError(f"grads must be a dict of arrays or a list/tuple of such dicts; found a "
                    f"{type(grads).__name__}")


def _map(fn, grads):
    if isinstance(grads, dict):
        return {name: _map(fn, g) for name, g in grads.items()}
    if isinstance(grads, (list, tuple)):
        return type(grads)(_map(fn, g) for g in grads)
    return fn(grads)
