r"""Stacked and bidirectional recurrent layers over any cell (RNN, LSTM, GRU), by hand.

A **stacked** network feeds the hidden states of layer :math:`l` as the inputs of layer
:math:`l+1`; a **bidirectional** layer runs one copy of the cell forward in time and one
backward and concatenates their states:

.. math::
    \overrightarrow{h}_t = \mathrm{cell}(x_t, \overrightarrow{h}_{t-1}), \qquad
    \overleftarrow{h}_t = \mathrm{cell}'(x_t, \overleftarrow{h}_{t+1}), \qquad
    y_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t]

Backward mirrors it: the gradient of :math:`y_t` splits into its two halves, each direction
backpropagates its half, and the input gradients of the two directions add up because both
read the same :math:`x_t`.

Conventions follow ``torch.nn.RNN/LSTM/GRU(num_layers=L, bidirectional=...)`` exactly:

- ``cell`` is ``"rnn"``, ``"lstm"`` or ``"gru"`` (``nonlinearity`` ``"tanh"``/``"relu"``
  is for ``"rnn"`` only, as in torch);
- ``layer_params`` is a list of L entries, each a param dict (one direction) or a pair
  ``(forward, reverse)`` of param dicts (a bidirectional layer); :func:`params_from_state_dict`
  builds it from a torch ``state_dict`` converted to numpy;
- states are torch's ``hx``: ``h (L * num_directions, B, H)``, and for the LSTM the pair
  ``(h, c)``; index ``l * num_directions + d`` holds layer l, direction d;
- the output is (T, B, num_directions * H), forward half first.

Dropout between layers is not implemented (it is the identity in torch's eval mode).
Taught in book/deep-rnn.md.
"""

import re

import numpy as np

from course_rnn.scratch.gru import gru_backward, gru_forward
from course_rnn.scratch.lstm import lstm_backward, lstm_forward
from course_rnn.scratch.rnn import PARAM_NAMES, rnn_backward, rnn_forward


# The cells differ in their state (h, or the pair (h, c)) and in taking a nonlinearity or not;
# these adapters give all three one signature, so every wrapper below works for any cell.
def _rnn_run(x, state0, params, nonlinearity):
    hs, cache = rnn_forward(x, state0, params, nonlinearity)
    return hs, hs[-1], cache


def _gru_run(x, state0, params, nonlinearity):
    hs, cache = gru_forward(x, state0, params)
    return hs, hs[-1], cache


def _lstm_run(x, state0, params, nonlinearity):
    hs, cache = lstm_forward(x, state0, params)
    return hs, (hs[-1], cache[-1][7]), cache  # c_T is c_next in the last step's cache


def _h_back(backward):
    def back(dhs, cache, dstate_n):
        if dstate_n is not None:
            dhs = dhs.copy()  # h_T also feeds the final state: add its gradient, on a copy
            dhs[-1] += dstate_n
        return backward(dhs, cache)
    return back


def _lstm_back(dhs, cache, dstate_n):
    dcs = None
    if dstate_n is not None:
        dh_n, dc_n = dstate_n
        dhs = dhs.copy()
        dhs[-1] += dh_n
        dcs = np.zeros_like(dhs)
        dcs[-1] = dc_n
    return lstm_backward(dhs, cache, dcs=dcs)


#: name -> (run, back, G): ``run(x, state0, params, nonlinearity) -> (hs, state_T, cache)`` and
#: ``back(dhs, cache, dstate_T or None) -> (dx, dstate0, grads)``, over the cell's own state:
#: ``h`` for "rnn" and "gru", the pair ``(h, c)`` for "lstm".
CELLS = {
    "rnn": (_rnn_run, _h_back(rnn_backward), 1),
    "gru": (_gru_run, _h_back(gru_backward), 3),
    "lstm": (_lstm_run, _lstm_back, 4),
}


def layer_forward(x, state0, params, cell, reverse=False, nonlinearity="tanh"):
    """One layer in one direction, any cell.

    x: (T, B, D); state0: the cell's state (h0 (B, H), or (h0, c0) for the LSTM).  With
    ``reverse=True`` the cell reads x_T first, x_1 last.  Returns hs (T, B, H) in the
    order of x (so ``hs[t]`` always belongs to ``x[t]``), the final state (the one reached
    after the last step the cell took), and the cache for :func:`layer_backward`.
    """
    run, _, _ = _cell(cell, nonlinearity)
    if reverse:
        x = x[::-1]
    hs, state_n, cache = run(x, state0, params, nonlinearity)
    return (hs[::-1] if reverse else hs), state_n, (cell, reverse, cache)


def layer_backward(dhs, cache, dstate_n=None):
    """Backward of :func:`layer_forward`.

    dhs: (T, B, H), the upstream gradient of hs (in the order of x); dstate_n: the
    upstream gradient of the final state (same structure as the state), or None.
    Returns dx (T, B, D), dstate0 (same structure as state0) and grads (dict).
    """
    cell, reverse, inner = cache
    _, back, _ = CELLS[cell]
    dx, dstate0, grads = back(dhs[::-1] if reverse else dhs, inner, dstate_n)
    return (dx[::-1] if reverse else dx), dstate0, grads


def bidirectional_forward(x, state0, params, cell, nonlinearity="tanh"):
    r"""One bidirectional layer: :math:`y_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t]`.

    x: (T, B, D); state0: the pair (forward state, reverse state), each the cell's state;
    params: the pair (forward params, reverse params).  Returns the output (T, B, 2H), the
    pair of final states, and the cache for :func:`bidirectional_backward`.
    """
    _check_pair(params, "params")
    _check_pair(state0, "state0")
    hs_f, state_f, cache_f = layer_forward(x, state0[0], params[0], cell, False, nonlinearity)
    hs_r, state_r, cache_r = layer_forward(x, state0[1], params[1], cell, True, nonlinearity)
    return np.concatenate([hs_f, hs_r], axis=2), (state_f, state_r), (hs_f.shape[2], cache_f, cache_r)


def bidirectional_backward(dout, cache, dstate_n=None):
    """Backward of :func:`bidirectional_forward`.

    dout: (T, B, 2H); dstate_n: the pair of final-state gradients, or None.  Each direction
    gets its half of dout; their input gradients add.  Returns dx (T, B, D), the pair of
    dstate0 and the pair of grads dicts (forward, reverse).
    """
    H, cache_f, cache_r = cache
    dn_f, dn_r = (None, None) if dstate_n is None else dstate_n
    dx_f, d0_f, grads_f = layer_backward(dout[:, :, :H], cache_f, dn_f)
    dx_r, d0_r, grads_r = layer_backward(dout[:, :, H:], cache_r, dn_r)
    return dx_f + dx_r, (d0_f, d0_r), (grads_f, grads_r)


def stacked_forward(x, state0, layer_params, cell, nonlinearity="tanh"):
    """L layers, each unidirectional or bidirectional, like ``torch.nn.LSTM(num_layers=L, ...)``.

    x: (T, B, D); state0: torch's hx (``h0 (L * num_directions, B, H)``, the pair
    ``(h0, c0)`` for the LSTM) or None for zeros; layer_params: a list of L param dicts, or
    of L pairs (forward, reverse).  Returns output (T, B, num_directions * H), the final
    state in hx's layout (torch's ``h_n`` / ``(h_n, c_n)``) and the cache.
    """
    directions = _num_directions(layer_params)
    states = _states_per_layer(state0, cell, layer_params, x, directions)
    caches, finals = [], []
    out = x
    for params, state in zip(layer_params, states):
        if directions == 2:
            out, (state_f, state_r), cache = bidirectional_forward(out, state, params, cell, nonlinearity)
            finals += [state_f, state_r]
        else:
            out, state_n, cache = layer_forward(out, state[0], params, cell, False, nonlinearity)
            finals.append(state_n)
        caches.append(cache)
    return out, _stack_states(finals, cell), (cell, directions, caches)


def stacked_backward(dout, cache, dstate_n=None):
    """Backward of :func:`stacked_forward`, from the top layer down.

    dout: (T, B, num_directions * H); dstate_n: gradient of the final state in hx's layout,
    or None.  Each layer's input gradient is the output gradient of the layer below.
    Returns dx (T, B, D), dstate0 in hx's layout, and grads with the structure of
    layer_params (a list of dicts, or of (forward, reverse) pairs).
    """
    cell, directions, caches = cache
    L, n = len(caches), len(caches) * directions
    dfinals = [None] * n if dstate_n is None else _unstack_states(dstate_n, cell, n)
    layer_grads, dstates0 = [None] * L, [None] * n
    for l in reversed(range(L)):
        dn = dfinals[l * directions:(l + 1) * directions]
        if directions == 2:
            dout, d0, layer_grads[l] = bidirectional_backward(dout, caches[l], dn)
        else:
            dout, d0, layer_grads[l] = layer_backward(dout, caches[l], dn[0])
            d0 = (d0,)
        dstates0[l * directions:(l + 1) * directions] = d0
    return dout, _stack_states(dstates0, cell), layer_grads


_KEY = re.compile(r"(weight|bias)_(ih|hh)_l(\d+)(_reverse)?")


def params_from_state_dict(state_dict):
    """Turn a ``torch.nn.RNN/LSTM/GRU`` state dict, as numpy arrays, into ``layer_params``.

    state_dict: ``{"weight_ih_l0": array, ..., "bias_hh_l1_reverse": array}``, e.g.
    ``{k: v.detach().numpy() for k, v in module.state_dict().items()}`` (this module never
    imports torch).  Returns a list with one param dict per layer, or one (forward, reverse)
    pair per layer when the keys have ``_reverse``.  Biases missing (``bias=False``) become
    zeros, which computes the same thing.
    """
    found = {}
    for key, value in state_dict.items():
        match = _KEY.fullmatch(key)
        if match is None:
            raise ValueError(f"state_dict key {key!r} is not one of torch.nn.RNN/LSTM/GRU's "
                             "weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (+ _reverse)")
        kind, which, layer, reverse = match.groups()
        name = ("W_" if kind == "weight" else "b_") + which
        found[(int(layer), int(reverse is not None), name)] = np.asarray(value)
    if not found:
        raise ValueError("state_dict is empty; pass a torch.nn.RNN/LSTM/GRU state dict as numpy arrays")
    L = 1 + max(layer for layer, _, _ in found)
    directions = 1 + max(d for _, d, _ in found)
    layer_params = []
    for layer in range(L):
        pair = []
        for d in range(directions):
            p = {}
            for name in ("W_ih", "W_hh"):
                if (layer, d, name) not in found:
                    raise ValueError(f"state_dict has no {_torch_key(name, layer, d)}")
                p[name] = found[(layer, d, name)]
            for name in ("b_ih", "b_hh"):
                p[name] = found.get((layer, d, name), np.zeros(p["W_hh"].shape[0], p["W_hh"].dtype))
            pair.append(p)
        layer_params.append(tuple(pair) if directions == 2 else pair[0])
    return layer_params


def state_dict_from_params(layer_params):
    """The inverse of :func:`params_from_state_dict`: torch's key names -> numpy arrays.

    Load it with ``module.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})``.
    """
    directions = _num_directions(layer_params)
    sd = {}
    for layer, params in enumerate(layer_params):
        for d, p in enumerate(params if directions == 2 else (params,)):
            for name in PARAM_NAMES:
                sd[_torch_key(name, layer, d)] = p[name]
    return sd


def _torch_key(name, layer, direction):
    kind = "weight" if name.startswith("W") else "bias"
    return f"{kind}_{name[2:]}_l{layer}{'_reverse' if direction else ''}"


def _cell(cell, nonlinearity):
    if cell not in CELLS:
        raise ValueError(f"cell={cell!r} is not one of {sorted(CELLS)}")
    if cell != "rnn" and nonlinearity != "tanh":
        raise ValueError(f"nonlinearity={nonlinearity!r} only applies to cell='rnn' (as in torch.nn)")
    return CELLS[cell]


def _check_pair(value, name):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{name} must be a pair (forward, reverse); got {type(value).__name__}")


def _num_directions(layer_params):
    if not isinstance(layer_params, (list, tuple)) or not layer_params:
        raise ValueError("layer_params must be a non-empty list with one entry per layer "
                         "(a param dict, or a (forward, reverse) pair of dicts)")
    directions = {1 if isinstance(p, dict) else len(p) for p in layer_params}
    if directions not in ({1}, {2}):
        raise ValueError("every entry of layer_params must be a param dict (unidirectional) or every "
                         "entry a (forward, reverse) pair (bidirectional)")
    return directions.pop()


def _states_per_layer(state0, cell, layer_params, x, directions):
    """hx in torch's layout -> one tuple of per-direction cell states per layer."""
    L = len(layer_params)
    if state0 is None:
        first = layer_params[0] if directions == 1 else layer_params[0][0]
        H = first["W_hh"].shape[1]
        zeros = np.zeros((L * directions, x.shape[1], H), dtype=x.dtype)
        state0 = (zeros, zeros) if cell == "lstm" else zeros
    per_index = _unstack_states(state0, cell, L * directions)
    return [tuple(per_index[l * directions:(l + 1) * directions]) for l in range(L)]


def _unstack_states(state, cell, n):
    arrays = state if cell == "lstm" else (state,)
    if cell == "lstm" and (not isinstance(state, (tuple, list)) or len(state) != 2):
        raise ValueError("for cell='lstm' the state must be the pair (h, c)")
    for a in arrays:
        if np.ndim(a) != 3 or a.shape[0] != n:
            raise ValueError(f"states must have shape (num_layers * num_directions = {n}, B, H); "
                             f"got {np.shape(a)}")
    if cell == "lstm":
        return [(state[0][k], state[1][k]) for k in range(n)]
    return [state[k] for k in range(n)]


def _stack_states(states, cell):
    if cell == "lstm":
        return np.stack([h for h, _ in states]), np.stack([c for _, c in states])
    return np.stack(states)
