r"""The GRU as a PyTorch module, one step at a time; a drop-in for ``torch.nn.GRU``.

.. math::
    \begin{aligned}
    r_t &= \sigma(x_t W_{ir}^T + b_{ir} + h_{t-1} W_{hr}^T + b_{hr}) \\
    z_t &= \sigma(x_t W_{iz}^T + b_{iz} + h_{t-1} W_{hz}^T + b_{hz}) \\
    n_t &= \tanh(x_t W_{in}^T + b_{in} + r_t \odot (h_{t-1} W_{hn}^T + b_{hn})) \\
    h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}
    \end{aligned}

This is PyTorch's GRU, and what is implemented here.  Cho et al. (2014) apply the reset gate
*before* the product, :math:`n_t = \tanh(x_t W_{in}^T + b_{in} + (r_t \odot h_{t-1})
W_{hn}^T + b_{hn})`.  The two are different functions of the same weights (the paper's
cannot compute :math:`h_{t-1} W_{hh}^T` for all three gates in one product before
:math:`r_t` is known).  Loading ``torch.nn.GRU`` weights only gives the same outputs with PyTorch's.

Shapes: x (T, B, D); h (B, H).  ``weight_ih_l0 (3H, D)`` stacks :math:`W_{ir}, W_{iz},
W_{in}` (rows r|z|n), ``weight_hh_l0 (3H, H)``, ``bias_ih_l0``, ``bias_hh_l0 (3H,)``.
Taught in book/gru.md.

As in :mod:`course_rnn.nn.lstm`: :func:`gru_cell` is the equations, differentiated by
autograd (:class:`GRUCell`); :class:`GRULayer` runs a layer over time with
backpropagation through time written by hand, which :class:`GRU` uses for speed.
"""

import torch
from torch.autograd.function import once_differentiable

from course_rnn.nn.recurrent import (Recurrent, RecurrentCell, input_projection, keep_where,
                                     sum_over_time_of_outer, time_steps)


def gru_cell(x, h_prev, W_ih, W_hh, b_ih=None, b_hh=None):
    r"""One GRU step (PyTorch's variant); x (B, D), h_prev (B, H).  Returns h (B, H).

    Both products cover the three gates at once (rows r|z|n):

    .. math::
        [xw_r | xw_z | xw_n] = x_t W_{ih}^T + b_{ih}, \qquad
        [hw_r | hw_z | hw_n] = h_{t-1} W_{hh}^T + b_{hh} \qquad (B, 3H)

    .. math::
        r_t = \sigma(xw_r + hw_r), \quad z_t = \sigma(xw_z + hw_z), \quad
        n_t = \tanh(xw_n + r_t \odot hw_n), \quad h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}
    """
    xw, hw = x @ W_ih.T, h_prev @ W_hh.T  # (B, 3H) each
    if b_ih is not None:
        xw, hw = xw + b_ih, hw + b_hh
    xw_r, xw_z, xw_n = xw.chunk(3, dim=1)
    hw_r, hw_z, hw_n = hw.chunk(3, dim=1)
    r = torch.sigmoid(xw_r + hw_r)
    z = torch.sigmoid(xw_z + hw_z)
    n = torch.tanh(xw_n + r * hw_n)
    return (1 - z) * n + z * h_prev


class GRULayer(torch.autograd.Function):
    r"""One GRU layer in one direction over T steps, with backpropagation through time by hand.

    ``hs, h_n = GRULayer.apply(xw, h0, W_hh, b_hh, mask, reverse)``

    xw: (T, B, 3H), :math:`x_t W_{ih}^T + b_{ih}` for all t, computed in one product before
    the loop (autograd differentiates it); h0: (B, H); W_hh: (3H, H); b_hh: (3H,) or None
    (it cannot be folded into xw: :math:`r_t` multiplies :math:`b_{hn}`); mask: (T, B)
    booleans or None (where False the state is carried unchanged); reverse: visit t = T-1..0.
    Returns hs (T, B, H) and h_n (B, H).  First derivatives only: the hand-written backward is
    not itself differentiated (no ``create_graph``).
    """

    @staticmethod
    def forward(ctx, xw, h0, W_hh, b_hh, mask, reverse):
        r"""The steps of :func:`gru_cell`, keeping what backward needs (r, z, n and
        :math:`h_{t-1} W_{hh}^T + b_{hh}` at every step)."""
        (T, B, _), H = xw.shape, h0.shape[1]
        # out= writes each step's results straight into these (T, B, .) tensors, which backward
        # reads: no copies, no stacking
        hws = torch.empty_like(xw)  # h_{t-1} W_hh^T + b_hh = [hw_r | hw_z | hw_n]
        rzs, ns, hs = xw.new_empty(T, B, 2 * H), xw.new_empty(T, B, H), xw.new_empty(T, B, H)
        W_hh_T = W_hh.T.contiguous()  # (H, 3H): the product below runs faster on contiguous rows
        h = h0
        for t in time_steps(T, reverse):
            hw = torch.mm(h, W_hh_T, out=hws[t]) if b_hh is None else torch.addmm(b_hh, h, W_hh_T, out=hws[t])
            xw_rz, xw_n = xw[t].split([2 * H, H], dim=1)
            hw_rz, hw_n = hw.split([2 * H, H], dim=1)
            r, z = torch.sigmoid(xw_rz + hw_rz, out=rzs[t]).chunk(2, dim=1)  # both gates in one call
            n = torch.tanh(xw_n + r * hw_n, out=ns[t])
            h_new = torch.add((1 - z) * n, z * h, out=hs[t])  # h_t = (1 - z_t) * n_t + z_t * h_{t-1}
            h = keep_where(None if mask is None else mask[t], h_new, h, out=hs[t])
        ctx.save_for_backward(h0, W_hh, mask, hs, hws, rzs, ns)
        ctx.reverse, ctx.has_bias = reverse, b_hh is not None
        return hs, h.clone()  # a copy: outputs must not be views of saved tensors

    @staticmethod
    @once_differentiable
    def backward(ctx, dhs, dh_n):
        r"""Backpropagation through time: walk back from the last step carrying dL/dh_t.

        At each step, with :math:`a_n = xw_n + r_t \odot hw_n` so that :math:`n_t = \tanh(a_n)`
        (:math:`\delta` is dL/d; :math:`\delta h_t` includes the output's gradient at t):

        .. math::
            \begin{aligned}
            \delta n_t &= \delta h_t \odot (1 - z_t), \quad
            \delta z_t = \delta h_t \odot (h_{t-1} - n_t), \quad
            \delta a_n = \delta n_t \odot (1 - n_t^2), \quad
            \delta r_t = \delta a_n \odot hw_n \\
            \delta a_r &= \delta r_t \odot r_t(1 - r_t), \quad
            \delta a_z = \delta z_t \odot z_t(1 - z_t), \quad
            \delta hw_n = \delta a_n \odot r_t \\
            \delta h_{t-1} &= \delta h_t \odot z_t + [\delta a_r | \delta a_z | \delta hw_n] W_{hh}
            \end{aligned}

        :math:`[\delta a_r | \delta a_z | \delta a_n]` is the gradient of xw at t;
        :math:`\partial L/\partial W_{hh} = \sum_t [\delta a_r | \delta a_z | \delta hw_n]^T h_{t-1}`
        (one product after the loop) and :math:`\partial L/\partial b_{hh}` the same sum without
        :math:`h_{t-1}`.
        """
        h0, W_hh, mask, hs, hws, rzs, ns = ctx.saved_tensors
        H = h0.shape[1]
        steps = time_steps(hs.shape[0], ctx.reverse)
        dxw = torch.empty_like(hws)  # dL/d(x_t W_ih^T + b_ih)
        dhw = torch.empty_like(hws)  # dL/d(h_{t-1} W_hh^T + b_hh)
        dh = dh_n
        for t in reversed(steps):
            h_prev = h0 if t == steps[0] else hs[t + 1 if ctx.reverse else t - 1]
            r, z = rzs[t].chunk(2, dim=1)
            n, hw_n = ns[t], hws[t, :, 2 * H:]
            dh = dh + dhs[t]  # h_t went both to the output and to step t+1
            if mask is not None:  # where the state was carried, so is its gradient
                keep = mask[t].unsqueeze(1)
                dh_carried, dh = dh * ~keep, dh * keep
            dn, dz = dh * (1 - z), dh * (h_prev - n)
            da_n = dn * (1 - n * n)
            dr = da_n * hw_n
            da_r, da_z = dr * r * (1 - r), dz * z * (1 - z)
            torch.cat([da_r, da_z, da_n], dim=1, out=dxw[t])
            torch.cat([da_r, da_z, da_n * r], dim=1, out=dhw[t])
            dh = dh * z + dhw[t] @ W_hh  # dL/dh_{t-1}
            if mask is not None:
                dh = dh + dh_carried
        dW_hh = sum_over_time_of_outer(dhw, hs, h0, ctx.reverse)
        db_hh = dhw.sum(dim=(0, 1)) if ctx.has_bias else None
        return dxw, dh, dW_hh, db_hh, None, None


class GRU(Recurrent):
    """Drop-in for ``torch.nn.GRU``: same constructor, parameters, call and return values.

    ``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False)``; ``output, h_n = gru(x, h0)`` with output (T, B,
    num_directions * H) and h_n (num_layers * num_directions, B, H).
    """

    gates = 3

    def _run_layer(self, x, state, weights, reverse, mask):
        W_ih, W_hh, b_ih, b_hh = weights
        (h0,) = state
        xw = input_projection(x, W_ih, b_ih)  # (T, B, 3H)
        hs, h = GRULayer.apply(xw, h0, W_hh, b_hh, mask, reverse)
        return hs, (h,)


class GRUCell(RecurrentCell):
    """Drop-in for ``torch.nn.GRUCell``: ``h' = cell(x, h)`` with x (B, D) or (D,), h optional."""

    gates = 3

    def forward(self, input, hx=None):
        x, (h,), unbatched = self._batched(input, (hx,))
        h = gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h.squeeze(0) if unbatched else h
