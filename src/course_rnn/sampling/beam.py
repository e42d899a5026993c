r"""Beam search: keep the ``beam_width`` most probable prefixes instead of one.

The probability of a continuation :math:`y_1..y_L` given the prime is the product of the
next-token probabilities, so its log is a sum that grows one term per step:

.. math::
    \log p(y_{1..t}) = \log p(y_{1..t-1}) + \log \mathrm{softmax}(z_t)_{y_t}

At every step each live prefix is extended by every token, and the ``beam_width`` best
extensions (by log-probability) survive.  A prefix that ends with the stop token, or that
reaches ``max_len``, is finished and keeps its place, so the beam narrows as hypotheses
finish; the search ends when no prefix is alive.  Among the finished ones the best by

.. math::
    \mathrm{score}(y) = \frac{\log p(y)}{|y|^{\alpha}}, \qquad \alpha = \texttt{length\_penalty}

is returned (:math:`\alpha = 0`: plain log-probability, which prefers short sequences;
:math:`\alpha = 1`: average log-probability per token).  With ``beam_width = 1`` this is
greedy decoding; with ``beam_width >= V ** max_len`` nothing is ever pruned and the result is
the exact best sequence.
"""

import numbers
from collections import namedtuple

import numpy as np

from course_rnn.sampling.decode import check_max_len, check_stop_token, check_tokens, feed
from course_rnn.sampling.logits import log_softmax

#: a live prefix: its tokens, their log-probability, the logits of the next token, the state
Hypothesis = namedtuple("Hypothesis", "tokens logp logits state")


def beam_search(step, prime, beam_width, max_len, stop_token=None, length_penalty=0.0):
    """The most probable continuation of ``prime`` found with a beam of ``beam_width`` prefixes.

    ``step(token, state) -> (logits (V,), new_state)`` must leave ``state`` unchanged (each
    state is continued by several prefixes).  Returns the best sequence's token ids, without
    the prime (at most ``max_len``; ends with ``stop_token`` if it finished that way).
    """
    if isinstance(beam_width, bool) or not isinstance(beam_width, numbers.Integral) or beam_width < 1:
        raise ValueError(f"beam_width={beam_width!r} must be an integer >= 1 (1 is greedy decoding)")
    if isinstance(length_penalty, bool) or not isinstance(length_penalty, numbers.Real) \
            or not np.isfinite(length_penalty):
        raise ValueError(f"length_penalty={length_penalty!r} must be a finite number (0: none)")
    check_max_len(max_len)
    check_stop_token(stop_token)
    logits, state = feed(step, check_tokens(prime, "prime"))
    alive = [Hypothesis((), 0.0, logits, state)]
    finished = []  # (tokens, log p(tokens))
    for _ in range(max_len):
        logp = np.stack([h.logp + log_softmax(h.logits) for h in alive])  # (beams, V)
        # the beam_width best extensions; ties go to the earlier beam, then the smaller token id
        best = np.argsort(-logp, axis=None, kind="stable")[:beam_width]
        survivors = []
        for b, token in zip(*np.unravel_index(best, logp.shape)):
            parent, token = alive[b], int(token)
            tokens = parent.tokens + (token,)
            if token == stop_token or len(tokens) == max_len:
                finished.append((tokens, logp[b, token]))
            else:
                logits, state = step(token, parent.state)  # the parent's state may branch again
                survivors.append(Hypothesis(tokens, logp[b, token], logits, state))
        alive = survivors
        if not alive:
            break
    if not finished:
        return []  # max_len == 0
    tokens, _ = max(finished, key=lambda f: f[1] / len(f[0]) ** length_penalty)
    return list(tokens)
