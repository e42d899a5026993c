r"""Adapters that turn a trained model into a step function ``step(token, state) -> (logits, state)``.

- :class:`TorchStepper` wraps a PyTorch language model with the contract
  ``model(tokens (T, B) int64, state) -> (logits (T, B, V), state)``, e.g. an embedding
  (or one-hot) -> ``torch.nn.RNN/LSTM/GRU`` (or the course's drop-ins) -> ``Linear(H, V)``
  module whose ``forward`` passes the recurrent state through.
- :func:`scratch_stepper` wraps the numpy cells of :mod:`course_rnn.scratch` and an output
  layer :math:`z_t = W_{ho} h_t + b_o`.

Both return new states and never modify the one they were given, so decoders can branch.
"""

import numpy as np
import torch

from course_rnn.scratch.layers import layer_forward


class TorchStepper:
    """``step(token, state) -> (logits (V,), new_state)`` for a PyTorch language model.

    ``model(tokens, state)`` takes tokens (T, B) of dtype int64 and the recurrent state
    (None at the start, then whatever the model returned) and returns logits (T, B, V) and
    the new state.  Each call runs it on one token (T = B = 1) under ``torch.no_grad()``.
    Put the model in eval mode first: dropout would make the same seed give different text.
    """

    def __init__(self, model, device=None):
        if not callable(model):
            raise TypeError(f"model must be a callable torch module; got {type(model).__name__}")
        if device is None:
            first = next(iter(model.parameters()), None) if hasattr(model, "parameters") else None
            device = first.device if first is not None else "cpu"
        self.model, self.device = model, torch.device(device)

    def __call__(self, token, state):
        x = torch.tensor([[token]], dtype=torch.int64, device=self.device)  # (T=1, B=1)
        with torch.no_grad():
            logits, state = self.model(x, state)                            # (1, 1, V)
        if logits.dim() != 3 or logits.shape[:2] != (1, 1):
            raise ValueError(f"model(tokens (T, B), state) must return logits (T, B, V); for one "
                             f"token it returned shape {tuple(logits.shape)}")
        return logits[-1, 0], state                                         # (V,)


def scratch_stepper(params, W_ho, b_o, cell="rnn", nonlinearity="tanh"):
    r"""A step function over a numpy cell of :mod:`course_rnn.scratch` with a one-hot input.

    .. math::
        x_t = \mathrm{onehot}(y_t), \qquad h_t = \mathrm{cell}(x_t, h_{t-1}), \qquad
        z_t = W_{ho} h_t + b_o

    params: the cell's ``W_ih (G*H, V)``, ``W_hh (G*H, H)``, ``b_ih``, ``b_hh`` (PyTorch
    layout, so D = V); W_ho (V, H); b_o (V,); cell ``"rnn"``, ``"lstm"`` or ``"gru"``.  The
    state is h (1, H), or (h, c) for the LSTM; None means zeros.  Returns ``step``.
    """
    V, H = W_ho.shape
    if params["W_ih"].shape[1] != V or b_o.shape != (V,):
        raise ValueError(f"W_ho {W_ho.shape} says V={V}, so params['W_ih'] must be (G*H, {V}) and "
                         f"b_o ({V},); got {params['W_ih'].shape} and {b_o.shape}")

    def step(token, state):
        if state is None:
            h0 = np.zeros((1, H), dtype=W_ho.dtype)
            state = (h0, h0) if cell == "lstm" else h0
        x = np.zeros((1, 1, V), dtype=W_ho.dtype)  # (T=1, B=1, V)
        x[0, 0, token] = 1.0
        _, state, _ = layer_forward(x, state, params, cell, nonlinearity=nonlinearity)
        h = state[0] if cell == "lstm" else state  # (1, H)
        return W_ho @ h[0] + b_o, state            # (V,)

    return step
