r"""What ``torch.nn.RNN``, ``LSTM`` and ``GRU`` share: layers, directions, options, states.

:class:`Recurrent` owns everything that is not the recurrence itself, so that each
architecture's module only writes the loop over time of one layer in one direction
(``_run_layer``).  It reproduces ``torch.nn``'s contract exactly:

- constructor ``(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
  dropout=0.0, bidirectional=False, device=None, dtype=None)``;
- parameters ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``
  (suffix ``_reverse`` for the backward direction), shapes ``(G*H, D)``, ``(G*H, H)``,
  ``(G*H,)``, initialised uniform in :math:`(-1/\sqrt{H}, 1/\sqrt{H})`;
- call ``module(input, hx=None)``: input ``(T, B, D)`` (``(B, T, D)`` with batch_first,
  ``(T, D)`` unbatched, or a ``PackedSequence``); states ``(num_layers * num_directions,
  B, H)``, zeros when missing; returns ``output, h_n`` (LSTM: ``output, (h_n, c_n)``).
"""

import math

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


class Recurrent(nn.Module):
    """Base class of the course's drop-ins for ``torch.nn.RNN``, ``LSTM`` and ``GRU``.

    Subclasses set ``gates`` (G) and ``state_names`` (``("h",)`` or ``("h", "c")``) and
    implement :meth:`_run_layer`.
    """

    gates = 1
    state_names = ("h",)

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__()
        _check_sizes(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
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
        G, H = self.gates, hidden_size
        for layer in range(num_layers):
            D = input_size if layer == 0 else H * self.num_directions
            for suffix in self._suffixes():
                name = f"l{layer}{suffix}"
                self.register_parameter(f"weight_ih_{name}", nn.Parameter(torch.empty(G * H, D, **factory)))
                self.register_parameter(f"weight_hh_{name}", nn.Parameter(torch.empty(G * H, H, **factory)))
                if bias:
                    self.register_parameter(f"bias_ih_{name}", nn.Parameter(torch.empty(G * H, **factory)))
                    self.register_parameter(f"bias_hh_{name}", nn.Parameter(torch.empty(G * H, **factory)))
        self.reset_parameters()

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
        shape = (self.num_layers * self.num_directions, B, self.hidden_size)
        if hx is None:
            return [x.new_zeros(shape) for _ in self.state_names]
        given = hx if isinstance(hx, (tuple, list)) else (hx,)
        if len(given) != len(self.state_names):
            names = ", ".join(f"{n}_0" for n in self.state_names)
            raise ValueError(f"{type(self).__name__} expects hx = ({names}); got {len(given)} tensor(s)")
        states = []
        for name, s in zip(self.state_names, given):
            if unbatched:
                s = s.unsqueeze(1)
            if tuple(s.shape) != shape:
                raise ValueError(f"initial state {name}_0 must have shape {shape} "
                                 f"(num_layers * num_directions, B, H); got {tuple(s.shape)}")
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


def input_projection(x, W_ih, b_ih):
    """``x_t W_ih^T + b_ih`` for every t at once: one (T*B, D) x (D, G*H) product, not T small ones."""
    out = x @ W_ih.T  # (T, B, G*H)
    return out if b_ih is None else out + b_ih


def keep_where(mask_t, new, old):
    """``new`` where the sequence is still running at this step, else ``old`` (mask_t: (B,))."""
    if mask_t is None:
        return new
    return torch.where(mask_t.unsqueeze(1), new, old)


def _check_sizes(**sizes):
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name}={value!r} must be a positive integer")
