r"""The GRU exactly as Cho et al. (2014) wrote it: the reset gate acts *before* the matrix.

.. math::
    \begin{aligned}
    r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
    z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
    n_t &= \tanh(W_{in} x_t + b_{in} + W_{hn} (r_t \odot h_{t-1}) + b_{hn}) \\
    h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}
    \end{aligned}

Same parameters and layout as :mod:`course_rnn.scratch.gru` (rows ``r|z|n``, PyTorch's
names), so the two variants can be run on the same weights: they are different functions
of them.  PyTorch's variant, :math:`r_t \odot (W_{hn} h_{t-1} + b_{hn})`, computes
:math:`W_{hh} h_{t-1}` for all three blocks in one product before :math:`r_t` is known;
here the candidate's product has to wait for :math:`r_t`.  Forward only: taught in
book/gru.md.
"""

import numpy as np

from course_rnn.scratch.activations import sigmoid
from course_rnn.scratch.lstm import _check_gate_rows
from course_rnn.scratch.rnn import _check_params


def gru_step_forward_cho2014(x, h, p):
    r"""One GRU step with Cho et al.'s (2014) candidate
    :math:`n_t = \tanh(W_{in} x_t + b_{in} + W_{hn} (r_t \odot h_{t-1}) + b_{hn})`.

    x: (B, D); h: (B, H); p: W_ih (3H, D), W_hh (3H, H), b_ih, b_hh (3H,), rows r|z|n.
    Returns h_t (B, H).
    """
    _check_params(p, x.shape[-1])
    _check_gate_rows(p, 3, h.shape[-1])
    W_hr, W_hz, W_hn = np.split(p["W_hh"], 3, axis=0)     # each (H, H)
    b_hr, b_hz, b_hn = np.split(p["b_hh"], 3)
    ax_r, ax_z, ax_n = np.split(x @ p["W_ih"].T + p["b_ih"], 3, axis=1)
    r = sigmoid(ax_r + h @ W_hr.T + b_hr)
    z = sigmoid(ax_z + h @ W_hz.T + b_hz)
    n = np.tanh(ax_n + (r * h) @ W_hn.T + b_hn)           # reset first, then the matrix
    return (1.0 - z) * n + z * h
