r"""The Elman network as a PyTorch module, one step at a time; a drop-in for ``torch.nn.RNN``.

.. math::
    h_t = \phi(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh}),
    \qquad \phi \in \{\tanh, \mathrm{relu}\}

Shapes: x (T, B, D), h (B, H); ``weight_ih_l0 (H, D)``, ``weight_hh_l0 (H, H)``.
Taught in book/elman.md.
"""

import torch

from course_rnn.nn.recurrent import Recurrent, RecurrentCell, input_projection, keep_where, time_steps

_NONLINEARITIES = {"tanh": torch.tanh, "relu": torch.relu}


def rnn_cell(x, h_prev, W_ih, W_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    r"""One step :math:`h_t = \phi(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})`; x (B, D), h (B, H)."""
    a = x @ W_ih.T + h_prev @ W_hh.T  # (B, H)
    if b_ih is not None:
        a = a + b_ih + b_hh
    return _NONLINEARITIES[nonlinearity](a)


class RNN(Recurrent):
    """Drop-in for ``torch.nn.RNN``: same constructor, parameters, call and return values.

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``; ``output, h_n = rnn(x, h0)``
    with output (T, B, num_directions * H) and h_n (num_layers * num_directions, B, H).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in _NONLINEARITIES:
            raise ValueError(f"nonlinearity={nonlinearity!r} is not supported; use 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def _run_layer(self, x, state, weights, reverse, mask):
        W_ih, W_hh, b_ih, b_hh = weights
        (h,) = state
        phi = _NONLINEARITIES[self.nonlinearity]
        xw = input_projection(x, W_ih, b_ih, b_hh)  # (T, B, H)
        hs = [None] * x.shape[0]
        for t in time_steps(x.shape[0], reverse):
            h_new = phi(xw[t] + h @ W_hh.T)  # (B, H)
            h = keep_where(None if mask is None else mask[t], h_new, h)
            hs[t] = h
        return torch.stack(hs), (h,)


class RNNCell(RecurrentCell):
    """Drop-in for ``torch.nn.RNNCell``: ``h' = cell(x, h)`` with x (B, D) or (D,), h optional."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in _NONLINEARITIES:
            raise ValueError(f"nonlinearity={nonlinearity!r} is not supported; use 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), unbatched = self._batched(input, (hx,))
        h = rnn_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, self.nonlinearity)
        return h.squeeze(0) if unbatched else h

    def extra_repr(self):
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity}"
