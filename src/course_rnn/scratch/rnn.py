r"""The Elman recurrent network, forward and backward (BPTT) by hand.

.. math::
    h_t = \phi(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}),
    \qquad \phi \in \{\tanh, \mathrm{relu}\}

Shapes: x (T, B, D); h0 (B, H); hs (T, B, H).  params: ``W_ih (H, D)``, ``W_hh (H, H)``,
``b_ih (H,)``, ``b_hh (H,)``, exactly ``torch.nn.RNN``'s ``weight_ih_l0`` and friends.
Taught in book/elman.md.
"""

import numpy as np

from course_rnn.scratch.activations import NONLINEARITIES

PARAM_NAMES = ("W_ih", "W_hh", "b_ih", "b_hh")


def rnn_step_forward(x, h_prev, p, nonlinearity="tanh"):
    r"""One step :math:`h_t = \phi(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`.

    x: (B, D); h_prev: (B, H).  Returns h (B, H) and the cache for rnn_step_backward.
    """
    phi, _ = _nonlinearity(nonlinearity)
    h = phi(x @ p["W_ih"].T + p["b_ih"] + h_prev @ p["W_hh"].T + p["b_hh"])  # (B, H)
    return h, (x, h_prev, h, p, nonlinearity)


def rnn_step_backward(dh, cache):
    r"""Backward of one step: from dL/dh_t to the gradients of its inputs and weights.

    With :math:`a_t` the pre-activation, :math:`\partial L/\partial a_t = dh \odot \phi'(a_t)`,
    and every other gradient is a matrix product with it.
    Returns dx (B, D), dh_prev (B, H) and a dict of weight gradients for this step.
    """
    x, h_prev, h, p, nonlinearity = cache
    _, dphi = _nonlinearity(nonlinearity)
    da = dh * dphi(h)                                     # (B, H)
    dx = da @ p["W_ih"]                                   # (B, D)
    dh_prev = da @ p["W_hh"]                              # (B, H)
    grads = {
        "W_ih": da.T @ x,                                 # (H, D)
        "W_hh": da.T @ h_prev,                            # (H, H)
        "b_ih": da.sum(axis=0),                           # (H,)
        "b_hh": da.sum(axis=0),                           # (H,)
    }
    return dx, dh_prev, grads


def rnn_forward(x, h0, params, nonlinearity="tanh"):
    """FORWARDRNN: run the step over t = 1..T, feeding each hidden state to the next step.

    x: (T, B, D); h0: (B, H).  Returns hs (T, B, H), every hidden state h_1..h_T, and the
    cache for rnn_backward.
    """
    _check_params(params, x.shape[-1])
    h = h0
    hs, caches = [], []
    for t in range(x.shape[0]):
        h, cache = rnn_step_forward(x[t], h, params, nonlinearity)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs), caches


def rnn_backward(dhs, cache):
    """Backpropagation through time.

    dhs: (T, B, H), the upstream gradient of every hidden state (zeros where the loss does
    not read h_t).  Walking t = T..1, the gradient reaching h_t is its own upstream gradient
    plus what flows back from h_{t+1}; weight gradients are summed over time because the
    same weights are used at every step.  Returns dx (T, B, D), dh0 (B, H), grads (dict).
    """
    T = dhs.shape[0]
    dx = np.empty((T,) + cache[0][0].shape, dtype=np.result_type(dhs, cache[0][0]))
    grads = {name: np.zeros_like(cache[0][3][name]) for name in PARAM_NAMES}
    dh_next = np.zeros_like(dhs[0])
    for t in reversed(range(T)):
        dx[t], dh_next, step_grads = rnn_step_backward(dhs[t] + dh_next, cache[t])
        for name in PARAM_NAMES:
            grads[name] += step_grads[name]
    return dx, dh_next, grads


def init_rnn_params(D, H, rng, dtype=np.float64, gates=1):
    r"""PyTorch's initialisation: every weight and bias uniform in :math:`(-1/\sqrt{H}, 1/\sqrt{H})`.

    ``gates`` is G, the number of gate blocks stacked in each matrix (RNN 1, GRU 3, LSTM 4).
    rng is a ``numpy.random.Generator``.
    """
    k = 1.0 / np.sqrt(H)
    shapes = {"W_ih": (gates * H, D), "W_hh": (gates * H, H), "b_ih": (gates * H,), "b_hh": (gates * H,)}
    return {name: rng.uniform(-k, k, size=shape).astype(dtype) for name, shape in shapes.items()}


def _nonlinearity(name):
    try:
        return NONLINEARITIES[name]
    except KeyError:
        raise ValueError(f"nonlinearity={name!r} is not supported; use 'tanh' or 'relu'") from None


def _check_params(params, D):
    missing = [name for name in PARAM_NAMES if name not in params]
    if missing:
        raise KeyError(f"params is missing {missing}; it needs the keys {list(PARAM_NAMES)}")
    if params["W_ih"].shape[1] != D:
        raise ValueError(f"x has D={D} features per step but params['W_ih'] has shape "
                         f"{params['W_ih'].shape}; expected (G*H, {D})")
