r"""Gated recurrent unit (Cho et al. 2014), forward and backward (BPTT) by hand.

.. math::
    \begin{aligned}
    r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
    z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
    n_t &= \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})) \\
    h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}
    \end{aligned}

**Which** :math:`n_t`.  Cho et al. (2014) reset the state *before* the matrix product,
:math:`n_t = \tanh(W_{in} x_t + b_{in} + W_{hn} (r_t \odot h_{t-1}) + b_{hn})`.
PyTorch (and cuDNN) reset it *after*, :math:`r_t \odot (W_{hn} h_{t-1} + b_{hn})`, so that
:math:`W_{hh} h_{t-1}` for all three gates is one matrix product that does not wait for
:math:`r_t`.  This module implements PyTorch's variant, so weights copy across from
``torch.nn.GRU`` unchanged; the two are different functions of the same weights.

Shapes: x (T, B, D); h0 (B, H); hs (T, B, H).  params: ``W_ih (3H, D)``, ``W_hh (3H, H)``,
``b_ih (3H,)``, ``b_hh (3H,)`` with rows ``r|z|n``, exactly ``torch.nn.GRU``'s
``weight_ih_l0`` and friends.  Taught in book/gru.md.
"""

import numpy as np

from course_rnn.scratch.activations import dsigmoid_from_output, dtanh_from_output, sigmoid
from course_rnn.scratch.lstm import _check_gate_rows
from course_rnn.scratch.rnn import PARAM_NAMES, _check_params


def gru_step_forward(x, h, p):
    r"""One GRU step (PyTorch's variant of :math:`n_t`, see the module docstring).

    .. math::
        n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})), \qquad
        h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    x: (B, D); h: (B, H); p: W_ih (3H, D), W_hh (3H, H), b_ih, b_hh (3H,), rows r|z|n.
    Returns h (B, H) and the cache for gru_step_backward.
    """
    a_x = x @ p["W_ih"].T + p["b_ih"]                     # (B, 3H)
    a_h = h @ p["W_hh"].T + p["b_hh"]                     # (B, 3H)
    ax_r, ax_z, ax_n = np.split(a_x, 3, axis=1)
    ah_r, ah_z, hn = np.split(a_h, 3, axis=1)             # hn = W_hn h_{t-1} + b_hn
    r = sigmoid(ax_r + ah_r)
    z = sigmoid(ax_z + ah_z)
    n = np.tanh(ax_n + r * hn)
    h_next = (1.0 - z) * n + z * h
    return h_next, (x, h, r, z, n, hn, p)


def gru_step_backward(dh, cache):
    r"""Backward of one step: from dL/dh_t to the gradients of its inputs and weights.

    .. math::
        dn_t = dh_t \odot (1 - z_t), \quad dz_t = dh_t \odot (h_{t-1} - n_t), \quad
        dr_t = dn_t \odot (1 - n_t^2) \odot (W_{hn} h_{t-1} + b_{hn})

    h_{t-1} reaches h_t directly (through :math:`z_t \odot h_{t-1}`) and through the three
    matrix products.  The n block of the hidden pre-activation is scaled by :math:`r_t`,
    so its gradient is too.  Returns dx (B, D), dh_prev (B, H), a dict of weight gradients.
    """
    x, h_prev, r, z, n, hn, p = cache
    dn = dh * (1.0 - z)
    dz = dh * (h_prev - n)
    da_n = dn * dtanh_from_output(n)                      # (B, H), gradient of n's pre-activation
    da_r = da_n * hn * dsigmoid_from_output(r)
    da_z = dz * dsigmoid_from_output(z)
    da_x = np.concatenate([da_r, da_z, da_n], axis=1)     # (B, 3H)
    da_h = np.concatenate([da_r, da_z, da_n * r], axis=1)  # (B, 3H)
    dx = da_x @ p["W_ih"]                                 # (B, D)
    dh_prev = dh * z + da_h @ p["W_hh"]                   # (B, H)
    grads = {
        "W_ih": da_x.T @ x,                               # (3H, D)
        "W_hh": da_h.T @ h_prev,                          # (3H, H)
        "b_ih": da_x.sum(axis=0),                         # (3H,)
        "b_hh": da_h.sum(axis=0),                         # (3H,)
    }
    return dx, dh_prev, grads


def gru_forward(x, h0, params):
    """Run the GRU step over t = 1..T, feeding each hidden state to the next step.

    x: (T, B, D); h0: (B, H).  Returns hs (T, B, H), every hidden state h_1..h_T, and the
    cache for gru_backward.
    """
    _check_params(params, x.shape[-1])
    _check_gate_rows(params, 3, h0.shape[-1])
    h = h0
    hs, caches = [], []
    for t in range(x.shape[0]):
        h, cache = gru_step_forward(x[t], h, params)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs), caches


def gru_backward(dhs, cache):
    """Backpropagation through time for the GRU.

    dhs: (T, B, H), the upstream gradient of every hidden state.  Walking t = T..1, the
    gradient reaching h_t is its own upstream gradient plus what flows back from h_{t+1};
    weight gradients are summed over time.  Returns dx (T, B, D), dh0 (B, H), grads (dict).
    """
    T = dhs.shape[0]
    p = cache[0][6]
    dx = np.empty((T,) + cache[0][0].shape, dtype=np.result_type(dhs, cache[0][0]))
    grads = {name: np.zeros_like(p[name]) for name in PARAM_NAMES}
    dh_next = np.zeros_like(dhs[0])
    for t in reversed(range(T)):
        dx[t], dh_next, step_grads = gru_step_backward(dhs[t] + dh_next, cache[t])
        for name in PARAM_NAMES:
            grads[name] += step_grads[name]
    return dx, dh_next, grads
