r"""The output layer of a recurrent language model or tagger: affine, softmax, cross-entropy.

At every step the hidden state is read by the same output weights,

.. math::
    z_t = W_{ho} h_t + b_o, \qquad
    \hat y_t = \mathrm{softmax}(z_t), \qquad
    L = \frac{1}{N} \sum_{t, b} -\log \hat y_{t, b, y_{t, b}},

averaged over the :math:`N` positions that are not masked out (``mask`` 1 where a target
exists, 0 for padding).  Its backward is the famous one line
:math:`\partial L / \partial z_t = (\hat y_t - \mathrm{onehot}(y_t)) / N`, and the gradient
it sends to each hidden state, :math:`W_{ho}^\top \partial L / \partial z_t`, is the
``dhs`` that :func:`course_rnn.scratch.rnn_backward` carries back through time.

Shapes: hs (T, B, H); targets (T, B) integer ids in [0, V); mask (T, B); params ``W_ho
(V, H)``, ``b_o (V,)`` (the layout of ``torch.nn.Linear(H, V)``).  Taught in book/bptt.md.
"""

import numpy as np


def log_softmax(z):
    r""":math:`z - \log \sum_j e^{z_j}` over the last axis, computed without overflow."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def output_forward(hs, targets, params, mask=None):
    r"""Logits, mean cross-entropy loss and the cache for :func:`output_backward`.

    hs: (T, B, H); targets: (T, B) ints; mask: (T, B) of 0/1 or None (every position counts).
    Returns logits (T, B, V), the loss (a float: mean negative log-likelihood per counted
    position, in nats) and the cache.
    """
    targets = np.asarray(targets)
    _check(hs, targets, params, mask)
    mask = np.ones(targets.shape) if mask is None else np.asarray(mask, dtype=float)
    count = mask.sum()
    if count == 0:
        raise ValueError("mask has no position set to 1: the loss of nothing is undefined")
    logits = hs @ params["W_ho"].T + params["b_o"]                             # (T, B, V)
    logp = log_softmax(logits)                                                 # (T, B, V)
    nll = -np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]       # (T, B)
    loss = float((nll * mask).sum() / count)
    return logits, loss, (hs, targets, mask, count, logp, params)


def output_backward(cache):
    r"""Gradients of the mean cross-entropy: ``dhs (T, B, H)`` and ``{W_ho, b_o}``.

    :math:`\partial L / \partial z_{t,b} = m_{t,b} (\mathrm{softmax}(z_{t,b}) - e_{y_{t,b}}) / N`;
    the output weights are shared by every step, so their gradients are sums over t and b.
    """
    hs, targets, mask, count, logp, params = cache
    dz = np.exp(logp)                                                          # softmax
    np.put_along_axis(dz, targets[..., None], np.take_along_axis(dz, targets[..., None], -1) - 1, -1)
    dz *= mask[..., None] / count                                              # (T, B, V)
    dhs = dz @ params["W_ho"]                                                  # (T, B, H)
    grads = {
        "W_ho": np.einsum("tbv,tbh->vh", dz, hs),                              # (V, H)
        "b_o": dz.sum(axis=(0, 1)),                                            # (V,)
    }
    return dhs, grads


def _check(hs, targets, params, mask):
    missing = [name for name in ("W_ho", "b_o") if name not in params]
    if missing:
        raise KeyError(f"params is missing {missing}; the output layer needs W_ho (V, H) and b_o (V,)")
    V, H = params["W_ho"].shape
    if hs.ndim != 3 or hs.shape[-1] != H:
        raise ValueError(f"hs has shape {hs.shape}; expected (T, B, {H}) to match W_ho {params['W_ho'].shape}")
    if targets.shape != hs.shape[:2]:
        raise ValueError(f"targets has shape {targets.shape}; expected (T, B) = {hs.shape[:2]}")
    if not np.issubdtype(targets.dtype, np.integer) or targets.min() < 0 or targets.max() >= V:
        raise ValueError(f"targets must be integer ids in [0, {V}), got dtype {targets.dtype}, "
                         f"range [{targets.min()}, {targets.max()}]")
    if mask is not None and np.shape(mask) != hs.shape[:2]:
        raise ValueError(f"mask has shape {np.shape(mask)}; expected (T, B) = {hs.shape[:2]}")
