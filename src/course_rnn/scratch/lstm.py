r"""Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al.
2000), forward and backward (BPTT) by hand.

.. math::
    \begin{aligned}
    i_t &= \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \\
    f_t &= \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) \\
    g_t &= \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \\
    o_t &= \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)
    \end{aligned}

Shapes: x (T, B, D); h0, c0 (B, H); hs (T, B, H).  params: ``W_ih (4H, D)``,
``W_hh (4H, H)``, ``b_ih (4H,)``, ``b_hh (4H,)`` with rows ``i|f|g|o``, exactly
``torch.nn.LSTM``'s ``weight_ih_l0`` and friends.  Taught in book/lstm.md.
"""

import numpy as np

from course_rnn.scratch.activations import dsigmoid_from_output, dtanh_from_output, sigmoid
from course_rnn.scratch.rnn import PARAM_NAMES, _check_params


def lstm_step_forward(x, h, c, p):
    r"""One LSTM step.

    .. math::
        \begin{aligned}
        i_t &= \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)
        \end{aligned}

    x: (B, D); h, c: (B, H); p: W_ih (4H, D), W_hh (4H, H), b_ih, b_hh (4H,), rows i|f|g|o.
    Returns h, c (B, H) and the cache for lstm_step_backward.  Taught in book/lstm.md.
    """
    a = x @ p["W_ih"].T + p["b_ih"] + h @ p["W_hh"].T + p["b_hh"]  # (B, 4H)
    i, f, g, o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    c_next = f * c + i * g
    h_next = o * np.tanh(c_next)
    return h_next, c_next, (x, h, c, i, f, g, o, c_next, p)


def lstm_step_backward(dh, dc, cache):
    r"""Backward of one step: from dL/dh_t and dL/dc_t to the gradients of its inputs and weights.

    .. math::
        \begin{aligned}
        \bar c_t &= dc_t + dh_t \odot o_t \odot (1 - \tanh^2 c_t)
            &&\text{(c_t reaches L directly and through } h_t) \\
        do_t &= dh_t \odot \tanh c_t, \quad di_t = \bar c_t \odot g_t, \quad
        dg_t = \bar c_t \odot i_t, \quad df_t = \bar c_t \odot c_{t-1} \\
        dc_{t-1} &= \bar c_t \odot f_t
        \end{aligned}

    then each gate's gradient goes through its own nonlinearity into the pre-activation
    ``a`` (B, 4H), and every other gradient is a matrix product with ``da``.
    dh, dc: (B, H).  Returns dx (B, D), dh_prev (B, H), dc_prev (B, H) and a dict of weight
    gradients for this step.
    """
    x, h_prev, c_prev, i, f, g, o, c, p = cache
    tanh_c = np.tanh(c)
    dc_total = dc + dh * o * dtanh_from_output(tanh_c)    # (B, H)
    di = dc_total * g
    df = dc_total * c_prev
    dg = dc_total * i
    do = dh * tanh_c
    dc_prev = dc_total * f
    da = np.concatenate([di * dsigmoid_from_output(i), df * dsigmoid_from_output(f),
                         dg * dtanh_from_output(g), do * dsigmoid_from_output(o)], axis=1)  # (B, 4H)
    dx = da @ p["W_ih"]                                   # (B, D)
    dh_prev = da @ p["W_hh"]                              # (B, H)
    grads = {
        "W_ih": da.T @ x,                                 # (4H, D)
        "W_hh": da.T @ h_prev,                            # (4H, H)
        "b_ih": da.sum(axis=0),                           # (4H,)
        "b_hh": da.sum(axis=0),                           # (4H,)
    }
    return dx, dh_prev, dc_prev, grads


def lstm_forward(x, state0, params):
    """Run the LSTM step over t = 1..T, carrying both h and c to the next step.

    x: (T, B, D); state0: the pair (h0, c0), each (B, H).  Returns hs (T, B, H), every
    hidden state h_1..h_T, and the cache for lstm_backward (the last cell state c_T is
    ``cache[-1][7]``).
    """
    h, c = _unpack_state(state0)
    _check_params(params, x.shape[-1])
    _check_gate_rows(params, 4, h.shape[-1])
    hs, caches = [], []
    for t in range(x.shape[0]):
        h, c, cache = lstm_step_forward(x[t], h, c, params)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs), caches


def lstm_backward(dhs, cache, dcs=None):
    """Backpropagation through time for the LSTM.

    dhs: (T, B, H), the upstream gradient of every hidden state; dcs: optional (T, B, H),
    upstream gradients of the cell states (e.g. of c_T when the final state feeds a
    next chunk or layer), zeros when None.  Walking t = T..1, both dh and dc flowing back
    from step t+1 are added to step t's own upstream gradients; weight gradients are summed
    over time.  Returns dx (T, B, D), (dh0, dc0) each (B, H), grads (dict).
    """
    T = dhs.shape[0]
    if dcs is not None and dcs.shape != dhs.shape:
        raise ValueError(f"dcs must have the shape of dhs {dhs.shape}; got {dcs.shape}")
    p = cache[0][8]
    dx = np.empty((T,) + cache[0][0].shape, dtype=np.result_type(dhs, cache[0][0]))
    grads = {name: np.zeros_like(p[name]) for name in PARAM_NAMES}
    dh_next = np.zeros_like(dhs[0])
    dc_next = np.zeros_like(dhs[0])
    for t in reversed(range(T)):
        dc_t = dc_next if dcs is None else dcs[t] + dc_next
        dx[t], dh_next, dc_next, step_grads = lstm_step_backward(dhs[t] + dh_next, dc_t, cache[t])
        for name in PARAM_NAMES:
            grads[name] += step_grads[name]
    return dx, (dh_next, dc_next), grads


def _unpack_state(state0):
    if not isinstance(state0, (tuple, list)) or len(state0) != 2:
        raise ValueError("state0 must be the pair (h0, c0) of (B, H) arrays; "
                         f"got {type(state0).__name__}")
    return state0


def _check_gate_rows(params, G, H):
    for name, shape in (("W_hh", (G * H, H)), ("b_ih", (G * H,)), ("b_hh", (G * H,))):
        if params[name].shape != shape:
            raise ValueError(f"params[{name!r}] has shape {params[name].shape}; with H={H} hidden "
                             f"units and G={G} gate blocks it must be {shape}")
