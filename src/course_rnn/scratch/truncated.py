r"""Truncated backpropagation through time (Williams & Peng 1990).

Full BPTT over a long sequence stores every step and sends each gradient all the way back
to t = 1.  Truncated BPTT cuts the sequence into chunks of k steps:

- **forward**, the state is carried from one chunk to the next, so every chunk starts
  where the previous one stopped (the forward values are exactly those of full BPTT);
- **backward**, each chunk's gradient stops at its first step: the carried-in state is
  treated as a constant (``.detach()`` in PyTorch), so no gradient crosses a boundary.

The weight gradient is then the sum over chunks of within-chunk gradients,

.. math::
    \frac{\partial L}{\partial W} \approx \sum_{\text{chunks } c} \;
    \sum_{t \in c} \frac{\partial L_t}{\partial W}\Big|_{\text{paths inside } c},

which drops every path longer than the chunk: memory is O(k) instead of O(T), at the price
of not learning dependencies longer than k steps.  With k = T there is one chunk and this
is full BPTT.  (This is the common TBPTT(k, k) of non-overlapping chunks.)

Works for one layer of any cell of :mod:`course_rnn.scratch.layers` ("rnn", "lstm", "gru").
"""

import numpy as np

from course_rnn.scratch.layers import layer_backward, layer_forward


def time_chunks(T, k):
    """Slices ``[0, k), [k, 2k), ...`` covering t = 0..T-1; the last one may be shorter."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
        raise ValueError(f"k={k!r} must be a positive integer (the number of steps per chunk)")
    return [slice(start, min(start + k, T)) for start in range(0, T, k)]


def tbptt_chunks(x, state0, params, k, cell, nonlinearity="tanh"):
    """Run the forward pass chunk by chunk, carrying the state: the loop of a TBPTT trainer.

    Yields ``(steps, hs, cache)`` for each chunk: ``steps`` a slice of time (index targets
    with it), ``hs`` (len, B, H) the chunk's hidden states, and ``cache`` for
    :func:`course_rnn.scratch.layers.layer_backward`.  Between yields you may compute the
    chunk's loss, backpropagate it and update ``params`` in place: the next chunk reads
    ``params`` when it runs and starts from the state the previous chunk ended in::

        for steps, hs, cache in tbptt_chunks(x, h0, params, k=25, cell="lstm"):
            loss, dhs = loss_and_grad(hs, targets[steps])
            _, _, grads = layer_backward(dhs, cache)     # no dstate: the gradient stops here
            sgd_update(params, grads)

    x: (T, B, D); state0: the cell's state (h0, or (h0, c0) for the LSTM).
    """
    state = state0
    for steps in time_chunks(x.shape[0], k):
        hs, state, cache = layer_forward(x[steps], state, params, cell, nonlinearity=nonlinearity)
        yield steps, hs, cache


def truncated_bptt(x, state0, params, dhs, k, cell, nonlinearity="tanh"):
    """Weight gradients by truncated BPTT with chunks of k steps, for fixed upstream gradients.

    x: (T, B, D); state0: the cell's state; dhs: (T, B, H), the upstream gradient of every
    hidden state.  Returns hs (T, B, H), which do not depend on k, and the weight gradients
    summed over chunks (dict).  With k >= T this equals :func:`layer_backward` of the whole
    sequence, i.e. full BPTT.
    """
    if dhs.shape[0] != x.shape[0]:
        raise ValueError(f"dhs has {dhs.shape[0]} steps but x has {x.shape[0]}; pass one gradient per step")
    hs_all, grads = [], None
    for steps, hs, cache in tbptt_chunks(x, state0, params, k, cell, nonlinearity):
        _, _, chunk_grads = layer_backward(dhs[steps], cache)
        grads = chunk_grads if grads is None else {name: grads[name] + g for name, g in chunk_grads.items()}
        hs_all.append(hs)
    return np.concatenate(hs_all), grads
