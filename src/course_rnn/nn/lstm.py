r"""The LSTM as a PyTorch module, one step at a time; a drop-in for ``torch.nn.LSTM``.

.. math::
    \begin{aligned}
    i_t &= \sigma(x_t W_{ii}^T + b_{ii} + h_{t-1} W_{hi}^T + b_{hi}) \\
    f_t &= \sigma(x_t W_{if}^T + b_{if} + h_{t-1} W_{hf}^T + b_{hf}) \\
    g_t &= \tanh(x_t W_{ig}^T + b_{ig} + h_{t-1} W_{hg}^T + b_{hg}) \\
    o_t &= \sigma(x_t W_{io}^T + b_{io} + h_{t-1} W_{ho}^T + b_{ho}) \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
    h_t &= o_t \odot \tanh(c_t)
    \end{aligned}

With ``proj_size = P > 0`` the hidden state is projected down, :math:`h_t = (o_t \odot
\tanh(c_t)) W_{hr}^T`, so h has P features while c keeps H.

Shapes: x (T, B, D); h, c (B, H).  ``weight_ih_l0 (4H, D)`` stacks
:math:`W_{ii}, W_{if}, W_{ig}, W_{io}` (rows i|f|g|o), ``weight_hh_l0 (4H, H)`` (``(4H, P)``
with a projection), ``bias_ih_l0``, ``bias_hh_l0 (4H,)``, ``weight_hr_l0 (P, H)``.
Taught in book/lstm.md.

Gradients come two ways, both here because both are worth reading:

- :func:`lstm_cell` is the equations; autograd differentiates them (:class:`LSTMCell`).
- :class:`LSTMLayer` runs one layer over the whole sequence, and its ``backward`` is
  backpropagation through time written by hand, step by step.  :class:`LSTM` runs it: the
  forward pass records no graph, each step writes straight into tensors that hold all T
  steps, and :math:`\partial L/\partial W_{hh}` is summed over all steps in one product after
  the loop instead of T small ones; the backward computes every factor that does not
  depend on the gradient flowing back (:math:`g_t i_t (1 - i_t)`, ...) for all steps at once
  before its loop.  That makes it faster than autograd on the step loop and than
  ``torch.nn.LSTM`` with its oneDNN kernel switched off; the fused oneDNN kernel
  ``torch.nn.LSTM`` uses on CPU is still faster (``benchmarks/bench_nn_lstm.py``).
  The tests check ``LSTMLayer`` against finite differences, against autograd on
  :func:`lstm_cell` and against ``torch.nn.LSTM``.
"""

import torch
from torch.autograd.function import once_differentiable

from course_rnn.nn.recurrent import (Recurrent, RecurrentCell, check_positive_sizes, input_projection,
                                     keep_where, previous_states, sum_of_outer,
                                     sum_over_time_of_outer, time_steps)


def lstm_cell(x, h_prev, c_prev, W_ih, W_hh, b_ih=None, b_hh=None):
    r"""One LSTM step; x (B, D), h_prev, c_prev (B, H).  Returns h, c (B, H).

    The four gates' pre-activations come out of one product (rows i|f|g|o):

    .. math::
        a_t = x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh} \quad (B, 4H), \qquad
        [i_t | f_t | g_t | o_t] = [\sigma | \sigma | \tanh | \sigma](a_t)

    then the cell keeps part of its past and writes part of the new candidate, and the output
    gate reads it out:

    .. math:: c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)
    """
    a = x @ W_ih.T + h_prev @ W_hh.T  # (B, 4H)
    if b_ih is not None:
        a = a + b_ih + b_hh
    i, f, g, o = a.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c_prev + i * g
    h = o * torch.tanh(c)
    return h, c


class LSTMLayer(torch.autograd.Function):
    r"""One LSTM layer in one direction over T steps, with backpropagation through time by hand.

    ``hs, h_n, c_n = LSTMLayer.apply(xw, h0, c0, W_hh, W_hr, mask, reverse)``

    xw: (T, B, 4H), the input's share of every pre-activation, :math:`x_t W_{ih}^T + b_{ih} +
    b_{hh}`, computed for all t in one product before the loop (autograd differentiates that
    product); h0: (B, P); c0: (B, H); W_hh: (4H, P); W_hr: (P, H) or None (then P = H);
    mask: (T, B) booleans or None (where False the state is carried unchanged); reverse:
    visit t = T-1..0.  Returns hs (T, B, P), h_n (B, P), c_n (B, H).  First derivatives only:
    the hand-written backward is not itself differentiated (no ``create_graph``).
    """

    @staticmethod
    def forward(ctx, xw, h0, c0, W_hh, W_hr, mask, reverse):
        r"""The steps of :func:`lstm_cell`, keeping what backward needs.

        .. math::
            a_t = xw_t + h_{t-1} W_{hh}^T, \quad
            [i_t | f_t | g_t | o_t] = [\sigma | \sigma | \tanh | \sigma](a_t), \quad
            c_t = f_t \odot c_{t-1} + i_t \odot g_t, \quad
            h_t = o_t \odot \tanh(c_t) \ \ (\text{times } W_{hr}^T \text{ with a projection})
        """
        (T, B, _), H, P = xw.shape, c0.shape[1], h0.shape[1]
        # each step's results go straight into these (T, B, .) tensors, which backward reads
        gates = xw.clone(memory_format=torch.contiguous_format)  # a_t, made [i|f|g|o] in place
        cs, tanh_cs, hs = xw.new_empty(T, B, H), xw.new_empty(T, B, H), xw.new_empty(T, B, P)
        ms = None if W_hr is None else xw.new_empty(T, B, H)
        W_hh_T = W_hh.T.contiguous()  # (P, 4H): the product below runs faster on contiguous rows
        h, c = h0, c0
        for t in time_steps(T, reverse):
            a = gates[t].addmm_(h, W_hh_T)  # a_t = x_t W_ih^T + b + h_{t-1} W_hh^T
            i, f, g, o = a.chunk(4, dim=1)
            a[:, :2 * H].sigmoid_(), g.tanh_(), o.sigmoid_()  # i and f are side by side: one call
            mask_t = None if mask is None else mask[t]
            c_new = torch.mul(f, c, out=cs[t]).addcmul_(i, g)  # c_t = f_t * c_{t-1} + i_t * g_t
            c = keep_where(mask_t, c_new, c, out=cs[t])
            tanh_c = torch.tanh(c, out=tanh_cs[t])  # (where the mask kept c, never used)
            m = torch.mul(o, tanh_c, out=hs[t] if W_hr is None else ms[t])  # o_t * tanh(c_t)
            h_new = m if W_hr is None else torch.mm(m, W_hr.T, out=hs[t])
            h = keep_where(mask_t, h_new, h, out=hs[t])
        ctx.save_for_backward(h0, c0, W_hh, W_hr, mask, hs, cs, gates, tanh_cs, ms)
        ctx.reverse = reverse
        return hs, h.clone(), c.clone()  # copies: outputs must not be views of saved tensors

    @staticmethod
    @once_differentiable
    def backward(ctx, dhs, dh_n, dc_n):
        r"""Backpropagation through time: walk back from the last step carrying dL/dh_t, dL/dc_t.

        At each step (:math:`\delta` is dL/d; :math:`\delta h_t` includes the output's
        gradient at t, and :math:`\delta c_t` what step t+1 sent back):

        .. math::
            \begin{aligned}
            \delta c_t &\mathrel{+}= \delta h_t \odot o_t \odot (1 - \tanh^2(c_t))
                \qquad \text{(} c_t \text{ also reaches the loss through } h_t) \\
            \delta a_t &= [\delta c_t \odot g_t \odot i_t(1-i_t) \,|\,
                          \delta c_t \odot c_{t-1} \odot f_t(1-f_t) \,|\,
                          \delta c_t \odot i_t \odot (1-g_t^2) \,|\,
                          \delta h_t \odot \tanh(c_t) \odot o_t(1-o_t)] \\
            \delta c_{t-1} &= \delta c_t \odot f_t, \qquad \delta h_{t-1} = \delta a_t W_{hh}
            \end{aligned}

        Every factor that multiplies :math:`\delta c_t` or :math:`\delta h_t` depends on the
        forward pass only, so it is computed for all t at once before the loop; each step then
        only multiplies by it.  :math:`\delta a_t` is also the gradient of xw at t, and
        :math:`\partial L/\partial W_{hh} = \sum_t \delta a_t^T h_{t-1}`, one product after the
        loop.  With a projection, :math:`\delta h_t` first goes back through it:
        :math:`\delta m_t = \delta h_t W_{hr}` for :math:`m_t = o_t \odot \tanh(c_t)`.
        """
        h0, c0, W_hh, W_hr, mask, hs, cs, gates, tanh_cs, ms = ctx.saved_tensors
        T, B, H = cs.shape
        i, f, g, o = gates.chunk(4, dim=2)  # (T, B, H) each
        c_prev = previous_states(cs, c0, ctx.reverse)
        # da starts as the factors that multiply [dc_t | dc_t | dc_t | dh_t], for all t at once,
        # and the loop multiplies them in place.  First sigma'(a) = s(1 - s) = s - s*s for every
        # block in one pass (g's block is then overwritten with its own factor).
        da = torch.addcmul(gates, gates, gates, value=-1)  # (T, B, 4H)
        da_i, da_f, da_g, da_o = da.chunk(4, dim=2)
        da_i.mul_(g)                                    # g_t i_t (1 - i_t)
        da_f.mul_(c_prev)                               # c_{t-1} f_t (1 - f_t)
        torch.addcmul(i, i, g * g, value=-1, out=da_g)  # i_t (1 - g_t^2)
        da_o.mul_(tanh_cs)                              # tanh(c_t) o_t (1 - o_t)
        dc_dh = torch.addcmul(o, o, tanh_cs * tanh_cs, value=-1)  # o_t (1 - tanh^2(c_t))
        da_by_gate = da.view(T, B, 4, H)  # the same memory, one row per gate i|f|g|o
        dh_totals = None if W_hr is None else torch.empty_like(hs)
        dh, dc = dh_n, dc_n
        for t in reversed(time_steps(T, ctx.reverse)):
            dh = dh + dhs[t]  # h_t went both to the output and to step t+1
            if mask is not None:  # where the state was carried, so is its gradient
                keep = mask[t].unsqueeze(1)
                dh_carried, dc_carried = dh * ~keep, dc * ~keep
                dh, dc = dh * keep, dc * keep
            if W_hr is not None:
                dh_totals[t] = dh
                dh = dh @ W_hr  # (B, H): dL/dm_t
            dc = torch.addcmul(dc, dh, dc_dh[t])  # dc_t += dh_t * o_t * (1 - tanh^2(c_t))
            da_by_gate[t, :, :3].mul_(dc.unsqueeze(1))  # da_t of i, f and g: dc_t times their factors
            da_by_gate[t, :, 3].mul_(dh)                # da_t of o: dh_t times its factor
            dc = dc * f[t]      # dL/dc_{t-1}
            dh = da[t] @ W_hh   # dL/dh_{t-1}
            if mask is not None:
                dh, dc = dh + dh_carried, dc + dc_carried
        dW_hh = sum_over_time_of_outer(da, hs, h0, ctx.reverse)
        dW_hr = None if W_hr is None else sum_of_outer(dh_totals, ms)
        return da, dh, dc, dW_hh, dW_hr, None, None


class LSTM(Recurrent):
    """Drop-in for ``torch.nn.LSTM``: same constructor, parameters, call and return values.

    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0)``; ``output, (h_n, c_n) = lstm(x, (h0, c0))`` with
    output (T, B, num_directions * P), h_n (num_layers * num_directions, B, P) and c_n
    (num_layers * num_directions, B, H); P = proj_size if set, else H.
    """

    gates = 4
    state_names = ("h", "c")

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        if proj_size:
            check_positive_sizes(proj_size=proj_size)
            if proj_size >= hidden_size:
                raise ValueError(f"proj_size={proj_size} must be smaller than hidden_size={hidden_size} "
                                 "(or 0 for no projection)")
        self.proj_size = proj_size
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def layer_weights(self, layer, suffix=""):
        """``(W_ih, W_hh, b_ih, b_hh, W_hr)``; W_hr is None without a projection."""
        return super().layer_weights(layer, suffix) + (getattr(self, f"weight_hr_l{layer}{suffix}", None),)

    def _run_layer(self, x, state, weights, reverse, mask):
        W_ih, W_hh, b_ih, b_hh, W_hr = weights
        h0, c0 = state
        xw = input_projection(x, W_ih, b_ih, b_hh)  # (T, B, 4H): both biases fold in here
        hs, h, c = LSTMLayer.apply(xw, h0, c0, W_hh, W_hr, mask, reverse)
        return hs, (h, c)

    def extra_repr(self):
        sizes, options = f"{self.input_size}, {self.hidden_size}", super().extra_repr()
        if not self.proj_size:
            return options
        return sizes + f", proj_size={self.proj_size}" + options[len(sizes):]  # torch.nn's order


class LSTMCell(RecurrentCell):
    """Drop-in for ``torch.nn.LSTMCell``: ``h', c' = cell(x, (h, c))``, x (B, D) or (D,), state optional."""

    gates = 4

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ValueError("LSTMCell: hx must be a pair (h, c) of (B, H) tensors, or None")
        x, (h, c), unbatched = self._batched(input, (None, None) if hx is None else hx)
        h, c = lstm_cell(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)
