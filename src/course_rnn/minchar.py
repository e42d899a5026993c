r"""min-char-rnn in numpy: the character-level RNN language model of Karpathy's 2015 gist,
as a baseline for the course's :class:`~course_rnn.models.CharLM`.

The algorithm is min-char-rnn.py's: a vanilla RNN over one-hot characters, batch 1,
windows of ``T = 25`` characters with the hidden state carried from one window to the next,
backpropagation through time by hand, every gradient clipped elementwise to [-5, 5], and
Adagrad with learning rate 0.1; weights start from :math:`\mathcal N(0, 0.01^2)`.

.. math::
    h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b_h), \qquad
    p_t = \mathrm{softmax}(W_{hy} h_t + b_y), \qquad
    L = -\textstyle\sum_t \ln p_t[y_t]

Sizes: V characters, H hidden units; ``W_xh (H, V)``, ``W_hh (H, H)``, ``W_hy (V, H)``.
(The course's own RNN in :mod:`course_rnn.scratch` has PyTorch's names and layout and a
batch dimension; min-char-rnn's names are kept here so the two files read side by side.)
"""

import math

import numpy as np

from course_rnn.data.checks import check_positive_int

PARAMS = ("W_xh", "W_hh", "W_hy", "b_h", "b_y")


class MinCharRNN:
    """Vanilla RNN language model trained one window at a time with Adagrad.

    ``MinCharRNN(V, H=100, T=25, lr=0.1, clip=5.0, seed=0)``; ``params`` and Adagrad's
    ``memory`` (the running sum of squared gradients) are dicts of float64 arrays keyed by
    :data:`PARAMS`.  :meth:`train` runs the loop, :meth:`evaluate` scores held-out text in
    nats per character, :meth:`step` is a step function for :mod:`course_rnn.sampling`.
    """

    def __init__(self, V, H=100, T=25, lr=0.1, clip=5.0, seed=0):
        for name, value in (("V", V), ("H", H), ("T", T)):
            check_positive_int(value, name)
        if not lr > 0 or not clip > 0:
            raise ValueError(f"lr={lr!r} and clip={clip!r} must be positive numbers")
        rng = np.random.default_rng(seed)
        self.V, self.H, self.T, self.lr, self.clip = V, H, T, lr, clip
        self.params = {"W_xh": rng.standard_normal((H, V)) * 0.01,
                       "W_hh": rng.standard_normal((H, H)) * 0.01,
                       "W_hy": rng.standard_normal((V, H)) * 0.01,
                       "b_h": np.zeros(H), "b_y": np.zeros(V)}
        self.memory = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.chars_seen = 0
        self.train_loss = []       # nats per character of every training window, in order
        self.h = np.zeros(H)       # the state carried from window to window
        self.position = 0          # where the next training window starts

    def loss_and_grads(self, inputs, targets, h_prev):
        """Forward over one window, then BPTT (min-char-rnn's ``lossFun``).

        inputs, targets: T character ids each (targets[t] = inputs[t + 1] in the text);
        h_prev (H,).  Returns the summed loss in nats, the gradients (a dict like
        ``params``) and the last hidden state (H,).
        """
        p = self.params
        T = len(inputs)
        hs = np.empty((T + 1, self.H))
        hs[0] = h_prev
        probs = np.empty((T, self.V))
        loss = 0.0
        for t in range(T):
            # W_xh x_t with a one-hot x_t is column inputs[t] of W_xh
            hs[t + 1] = np.tanh(p["W_xh"][:, inputs[t]] + p["W_hh"] @ hs[t] + p["b_h"])
            y = p["W_hy"] @ hs[t + 1] + p["b_y"]
            e = np.exp(y - y.max())
            probs[t] = e / e.sum()
            loss -= math.log(probs[t, targets[t]])
        g = {k: np.zeros_like(v) for k, v in p.items()}
        dh_next = np.zeros(self.H)
        for t in reversed(range(T)):
            dy = probs[t].copy()
            dy[targets[t]] -= 1.0                 # softmax + cross-entropy: p - onehot(y)
            g["W_hy"] += np.outer(dy, hs[t + 1])
            g["b_y"] += dy
            dh = p["W_hy"].T @ dy + dh_next       # from the output and from step t + 1
            da = (1.0 - hs[t + 1] ** 2) * dh      # through tanh
            g["b_h"] += da
            g["W_xh"][:, inputs[t]] += da
            g["W_hh"] += np.outer(da, hs[t])
            dh_next = p["W_hh"].T @ da
        return loss, g, hs[T]

    def adagrad_update(self, grads):
        r"""Clip each gradient to [-clip, clip], then Adagrad:
        :math:`m \leftarrow m + g^2,\; \theta \leftarrow \theta - \eta\, g / \sqrt{m + 10^{-8}}`."""
        for name, param in self.params.items():
            g = np.clip(grads[name], -self.clip, self.clip)  # against exploding gradients
            self.memory[name] += g * g
            param -= self.lr * g / np.sqrt(self.memory[name] + 1e-8)

    def train(self, ids, max_chars=None, callbacks=()):
        """Train on consecutive windows of the id stream ``ids``, continuing where the last
        call stopped; wraps to the start (with a zero state) at the end of the text.

        Stops after ``max_chars`` more characters, or when a callback ``f(event, model)``
        (called with ``"step"`` after every update) returns True; give at least one of the
        two.  Returns this call's window losses in nats per character (``train_loss``
        keeps all of them).
        """
        ids = np.asarray(ids)
        if ids.ndim != 1 or len(ids) < self.T + 1:
            raise ValueError(f"ids must be a 1-D stream of at least T + 1 = {self.T + 1} ids; "
                             f"got shape {ids.shape}")
        if max_chars is None and not callbacks:
            raise ValueError("give max_chars or a stopping callback (e.g. a CPUBudget); "
                             "otherwise training never ends")
        start, first = self.chars_seen, len(self.train_loss)
        while max_chars is None or self.chars_seen - start < max_chars:
            if self.position + self.T + 1 > len(ids):
                self.h, self.position = np.zeros(self.H), 0
            window = ids[self.position:self.position + self.T + 1]
            loss, grads, self.h = self.loss_and_grads(window[:-1], window[1:], self.h)
            self.adagrad_update(grads)
            self.position += self.T
            self.chars_seen += self.T
            self.train_loss.append(loss / self.T)
            if any([bool(f("step", self)) for f in callbacks]):
                break
        return self.train_loss[first:]

    def evaluate(self, streams):
        """Mean negative log-likelihood (nats) of every next character of ``streams``
        (T_total, B), each column read from a zero state (the batch only makes it faster)."""
        streams = np.asarray(streams)
        if streams.ndim != 2 or streams.shape[0] < 2:
            raise ValueError(f"streams must be (T_total, B) ids with T_total >= 2, e.g. "
                             f"batchify(ids, B); got shape {streams.shape}")
        p = self.params
        h, nll = np.zeros((streams.shape[1], self.H)), 0.0   # (B, H)
        for t in range(streams.shape[0] - 1):
            h = np.tanh(p["W_xh"].T[streams[t]] + h @ p["W_hh"].T + p["b_h"])
            y = h @ p["W_hy"].T + p["b_y"]                    # (B, V)
            nll += np.sum(np.logaddexp.reduce(y, axis=1) - y[np.arange(len(y)), streams[t + 1]])
        return nll / ((streams.shape[0] - 1) * streams.shape[1])

    def step(self, token, state):
        """Step function ``(token, state) -> (logits (V,), new_state)`` for
        :mod:`course_rnn.sampling`; state is h (H,), None for zeros."""
        p = self.params
        h = np.zeros(self.H) if state is None else state
        h = np.tanh(p["W_xh"][:, token] + p["W_hh"] @ h + p["b_h"])
        return p["W_hy"] @ h + p["b_y"], h
