r"""Training a tanh RNN with and without gradient-norm clipping (book/vanishing.md).

Everything is numpy: :func:`course_rnn.scratch.rnn_forward` / ``rnn_backward`` for the
recurrent layer, a linear readout of the last state for the adding problem,

.. math:: \hat y = w^\top h_T + c, \qquad L = \tfrac1B \sum_b (\hat y_b - y_b)^2,

plain SGD, and :func:`course_rnn.scratch.clip_grad_norm` (Pascanu et al. 2013, Algorithm 1)
on all the gradients together when ``max_norm`` is given.
"""

import numpy as np

from course_rnn.data import adding_problem
from course_rnn.experiments.gradients import with_spectral_radius
from course_rnn.scratch import clip_grad_norm, rnn_backward, rnn_forward


def init_adding_rnn(H, rho, rng):
    """Parameters of a tanh RNN (D = 2 inputs) with W_hh of spectral radius ``rho`` and a
    linear readout ``w`` (H,), ``c``: a dict of float64 arrays."""
    scale = 1.0 / np.sqrt(H)
    return {"W_ih": rng.uniform(-scale, scale, (H, 2)),
            "W_hh": with_spectral_radius(rng.standard_normal((H, H)) * scale, rho),
            "b_ih": np.zeros(H), "b_hh": np.zeros(H),
            "w": rng.standard_normal(H) * 0.1, "c": np.zeros(())}


def adding_loss_and_grads(p, x, y):
    """Mean squared error of the readout of h_T on a batch x (T, B, 2), y (B,), and the
    gradients of every parameter (BPTT by hand).  Returns (loss, grads, hs)."""
    T, B, _ = x.shape
    H = p["W_hh"].shape[0]
    rnn = {k: p[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}
    hs, cache = rnn_forward(x, np.zeros((B, H)), rnn)
    err = hs[-1] @ p["w"] + p["c"] - y                  # (B,)
    dy = 2.0 * err / B                                    # dL/dy_hat
    dhs = np.zeros_like(hs)
    dhs[-1] = np.outer(dy, p["w"])                        # the loss sees h_T only
    _, _, grads = rnn_backward(dhs, cache)
    grads["w"] = hs[-1].T @ dy
    grads["c"] = np.asarray(dy.sum())
    return float(np.mean(err ** 2)), grads, hs


def train_adding_sgd(seed, max_norm=None, steps=300, T=30, B=32, H=32, lr=0.1, rho=1.1):
    r"""SGD on the adding problem (Le et al. 2015 variant, length T), clipped or not.

    The same ``seed`` gives the same initial weights and the same batches with and without
    clipping, so two runs differ only by Algorithm 1.  Returns a dict of arrays over the
    steps actually taken: ``loss`` (the batch loss before the update) and ``grad_norm``
    (the global norm before clipping); ``diverged`` is the step at which the loss or the
    gradient stopped being finite (training stops there), or None.
    """
    rng = np.random.default_rng(seed)
    p = init_adding_rnn(H, rho, rng)
    data = np.random.default_rng([seed, 1])
    losses, norms, diverged = [], [], None
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            x, y = adding_problem(T, B, data)
            loss, grads, _ = adding_loss_and_grads(p, x, y)
            norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
            losses.append(loss)
            norms.append(norm)
            if not (np.isfinite(loss) and np.isfinite(norm)):
                diverged = step
                break
            if max_norm is not None:
                grads, _ = clip_grad_norm(grads, max_norm)
            for name in p:
                p[name] = p[name] - lr * grads[name]
    return {"loss": np.array(losses), "grad_norm": np.array(norms), "diverged": diverged}
