r"""What ``torch.nn.RNN``, ``LSTM`` and ``GRU`` share: layers, directions, options, states.

:class:`Recurrent` owns everything that is not the recurrence itself, so that each
architecture's module only writes the loop over time of one layer in one direction
(``_run_layer``).  It reproduces ``torch.nn``'s contract exactly:

- constructor ``(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
  dropout=0.0, bidirectional=False, device=None, dtype=None)``;
- parameters ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``
  (suffix ``_reverse`` for the backward direction), shapes ``(G*H, D)``, ``(G*H, H)``,
  ``(G*H,)``, initialised uniform in :math:`(-1/\sqrt{H}, 1/\sqrt{H})`; with an LSTM's
  ``proj_size = P > 0``, also ``weight_hr_l{k} (P, H)``, and ``h`` has P features instead
  of H (so ``W_hh`` is ``(G*H, P)`` and layers above the first read ``P * num_directions``);
- call ``module(input, hx=None)``: input ``(T, B, D)`` (``(B, T, D)`` with batch_first,
  ``(T, D)`` unbatched, or a ``PackedSequence``); states ``(num_layers * num_directions,
  B, H)``, zeros when missing; returns ``output, h_n`` (LSTM: ``output, (h_n, c_n)``).

:class:`RecurrentCell` does the same for the one-step ``RNNCell``, ``LSTMCell`` and
``GRUCell``.  The small functions at the end are the pieces every loop over time uses.
"""

import math

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


class Recurrent(nn.Module):
    """Base class of the course's drop-ins for ``torch.nn.RNN``, ``LSTM`` and ``GRU``.

    Subclasses set ``gates`` (G) and ``state_names`` (``("h",)`` or ``("h", "c")``) and
    implement :meth:`_run_layer`.  Only the LSTM sets ``proj_size`` (before calling
    ``__init__``): 0 means no projection.
    """

    gates = 1
    state_names = ("h",)
    proj_size = 0

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__()
        check_positive_sizes(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        if not 0.0 <= float(dropout) <= 1.0 or isinstance(dropout, bool):
            raise ValueError(f"dropout={dropout!r} must be a number in [0, 1]")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        factory = {"device": device, "dtype": dtype}
        G, H, P = self.gates, hidden_size, self.output_size
        for layer in range(num_layers):
            D = input_size if layer == 0 else P * self.num_directions
            for suffix in self._suffixes():
                name = f"l{layer}{suffix}"
                self.register_parameter(f"weight_ih_{name}", nn.Parameter(torch.empty(G * H, D, **factory)))
                self.register_parameter(f"weight_hh_{name}", nn.Parameter(torch.empty(G * H, P, **factory)))
                if bias:
                    self.register_parameter(f"bias_ih_{name}", nn.Parameter(torch.empty(G * H, **factory)))
                    self.register_parameter(f"bias_hh_{name}", nn.Parameter(torch.empty(G * H, **factory)))
                if self.proj_size:
                    self.register_parameter(f"weight_hr_{name}", nn.Parameter(torch.empty(P, H, **factory)))
        self.reset_parameters()

    @property
    def output_size(self):
        """Features of ``h`` (and of each direction's output): ``proj_size`` if set, else H."""
        return self.proj_size or self.hidden_size

    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    def _suffixes(self):
        return ("", "_reverse") if self.bidirectional else ("",)

    def reset_parameters(self):
        k = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -k, k)

    def layer_weights(self, layer, suffix=""):
        """``(W_ih, W_hh, b_ih, b_hh)`` of one layer and direction; biases are None without bias."""
        name = f"l{layer}{suffix}"
        return (getattr(self, f"weight_ih_{name}"), getattr(self, f"weight_hh_{name}"),
                getattr(self, f"bias_ih_{name}", None), getattr(self, f"bias_hh_{name}", None))

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        if packed:
            # padded back into the caller's batch order, which is also the order of hx and h_n
            x, lengths = pad_packed_sequence(input, batch_first=False)
        else:
            x, lengths = input, None
            if x.dim() not in (2, 3):
                raise ValueError(f"input must be (T, B, D), (B, T, D) with batch_first, or unbatched "
                                 f"(T, D); got a tensor of shape {tuple(x.shape)}")
        unbatched = not packed and x.dim() == 2
        if unbatched:
            x = x.unsqueeze(1)
        elif self.batch_first and not packed:
            x = x.transpose(0, 1)
        if x.shape[-1] != self.input_size:
            raise ValueError(f"input has {x.shape[-1]} features per step but the module was built "
                             f"with input_size={self.input_size}")
        T, B = x.shape[0], x.shape[1]

        states = self._initial_states(hx, B, x, unbatched)
        mask = None
        if lengths is not None:
            mask = (torch.arange(T).unsqueeze(1) < lengths.unsqueeze(0)).to(x.device)  # (T, B)

        finals = [[] for _ in self.state_names]
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(self._suffixes()):
                index = layer * self.num_directions + direction
                state = tuple(s[index] for s in states)
                out, final = self._run_layer(layer_input, state, self.layer_weights(layer, suffix),
                                             reverse=direction == 1, mask=mask)
                outputs.append(out)
                for kept, s in zip(finals, final):
                    kept.append(s)
            layer_input = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = nn.functional.dropout(layer_input, p=self.dropout, training=True)
        output = layer_input
        final_states = [torch.stack(kept) for kept in finals]  # (L * num_directions, B, H)

        if packed:
            output = pack_padded_sequence(output, lengths, enforce_sorted=False)
        elif unbatched:
            output = output.squeeze(1)
            final_states = [s.squeeze(1) for s in final_states]
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, self._pack_states(final_states)

    def _initial_states(self, hx, B, x, unbatched):
        L = self.num_layers * self.num_directions
        # h has output_size features, the LSTM's cell c always hidden_size
        shapes = [(L, B, self.output_size if name == "h" else self.hidden_size) for name in self.state_names]
        if hx is None:
            return [x.new_zeros(shape) for shape in shapes]
        given = hx if isinstance(hx, (tuple, list)) else (hx,)
        if len(given) != len(self.state_names):
            names = ", ".join(f"{n}_0" for n in self.state_names)
            raise ValueError(f"{type(self).__name__} expects hx = ({names}); got {len(given)} tensor(s)")
        states = []
        for name, shape, s in zip(self.state_names, shapes, given):
            if unbatched:
                s = s.unsqueeze(1)
            if tuple(s.shape) != shape:
                raise ValueError(f"initial state {name}_0 must have shape {shape} (num_layers * "
                                 f"num_directions, B, features); got {tuple(s.shape)}")
            states.append(s)
        return states

    def _pack_states(self, final_states):
        return final_states[0] if len(final_states) == 1 else tuple(final_states)

    def _run_layer(self, x, state, weights, reverse, mask):
        """Run one layer in one direction over the whole sequence.

        x: (T, B, D); state: tuple of (B, H) tensors, in ``state_names`` order; weights:
        ``(W_ih, W_hh, b_ih, b_hh)``; mask: (T, B) booleans or None (where False, the state is
        carried unchanged, which is what makes padded and reversed batches come out right).
        Returns the hidden state at every step (T, B, H) and the final state tuple.
        """
        raise NotImplementedError

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


def time_steps(T, reverse):
    """The order in which a direction visits t = 0..T-1."""
    return range(T - 1, -1, -1) if reverse else range(T)


def input_projection(x, W_ih, b_ih, b_hh=None):
    """``x_t W_ih^T + b_ih (+ b_hh)`` for every t at once: one (T*B, D) x (D, G*H) product, not T small ones."""
    if b_ih is None:
        return x @ W_ih.T  # (T, B, G*H)
    b = b_ih if b_hh is None else b_ih + b_hh
    # addmm adds the bias inside the product, saving a pass over (T, B, G*H) both ways
    return torch.addmm(b, x.reshape(-1, x.shape[-1]), W_ih.T).view(*x.shape[:-1], -1)


def keep_where(mask_t, new, old, out=None):
    """``new`` where the sequence is still running at this step, else ``old`` (mask_t: (B,)).

    Without a mask that is ``new`` itself, not a copy, even when ``out`` is given.
    """
    if mask_t is None:
        return new
    return torch.where(mask_t.unsqueeze(1), new, old, out=out)


def previous_states(states, s0, reverse):
    """s_{t-1} for every t (s_{t+1} in reverse; s0 before the first step): (T, B, K) -> (T, B, K)."""
    if reverse:
        return torch.cat([states[1:], s0.unsqueeze(0)])
    return torch.cat([s0.unsqueeze(0), states[:-1]])


def sum_over_time_of_outer(da, states, s0, reverse):
    """sum_t da_t^T s_{t-1} (s_{t+1} in reverse, s0 at the first step): (G*H, K), in two products.

    da: (T, B, G*H); states: (T, B, K), s_t for every t; s0: (B, K).
    """
    if reverse:
        return sum_of_outer(da[:-1], states[1:]) + da[-1].T @ s0
    return sum_of_outer(da[1:], states[:-1]) + da[0].T @ s0


def sum_of_outer(da, s):
    """Sum over t and b of da[t, b]^T s[t, b]: (T, B, G*H), (T, B, K) -> (G*H, K)."""
    return da.reshape(-1, da.shape[-1]).T @ s.reshape(-1, s.shape[-1])


def check_positive_sizes(**sizes):
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name}={value!r} must be a positive integer")


class RecurrentCell(nn.Module):
    """Base class of the course's drop-ins for ``torch.nn.RNNCell``, ``LSTMCell`` and ``GRUCell``: one step.

    Parameters ``weight_ih (G*H, D)``, ``weight_hh (G*H, H)``, ``bias_ih``, ``bias_hh
    (G*H,)``, uniform in :math:`(-1/\\sqrt{H}, 1/\\sqrt{H})` like ``torch.nn``.
    """

    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        check_positive_sizes(input_size=input_size, hidden_size=hidden_size)
        factory = {"device": device, "dtype": dtype}
        G, H = self.gates, hidden_size
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = nn.Parameter(torch.empty(G * H, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(G * H, H, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(G * H, **factory))
            self.bias_hh = nn.Parameter(torch.empty(G * H, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        k = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -k, k)

    def _batched(self, input, states):
        """Check the shapes; return x (B, D), the states as (B, H) (zeros when None), unbatched."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: input must be (B, D) or unbatched (D,); got shape {tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input has {input.shape[-1]} features but the cell was built "
                             f"with input_size={self.input_size}")
        unbatched = input.dim() == 1
        x = input.unsqueeze(0) if unbatched else input
        shape = (x.shape[0], self.hidden_size)
        batched_states = []
        for s in states:
            if s is None:
                s = x.new_zeros(shape)
            elif unbatched:
                s = s.unsqueeze(0)
            if tuple(s.shape) != shape:
                raise ValueError(f"{name}: state must have shape {shape} (B, H) to match the input; "
                                 f"got {tuple(s.shape)}")
            batched_states.append(s)
        return x, batched_states, unbatched

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
