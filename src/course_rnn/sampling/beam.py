r"""Beam search: keep the ``beam_width`` most probable prefixes instead of one.

The probability of a continuation :math:`y_1..y_L` given the prime is the product of the
next-token probabilities, so its log is a sum that grows one term per step:

.. math::
    \log p(y_{1..t}) = \log p(y_{1..t-1}) + \log \mathrm{softmax}(z_t)_{y_t}

**The algorithm, exactly.**  The beam holds up to ``beam_width`` *live* hypotheses (at
first one: the empty continuation).  At each step

1. every live hypothesis is extended by every token; the candidates are ranked by their
   **total** log-probability :math:`\log p(y_{1..t})` (the sum over all generated tokens,
   never the last step's term alone), ties going to the earlier beam, then the smaller
   token id;
2. walking down that ranking, a candidate that ends with ``stop_token`` or reaches
   ``max_len`` tokens is *finished*: it is set aside and leaves the beam; any other
   candidate joins the next beam, until the beam again holds ``beam_width`` live
   hypotheses.  Finished hypotheses never occupy a beam slot, so the beam does not narrow
   when some finish.

The search ends after step ``max_len``, or earlier once no live hypothesis can still beat
the best finished score (every extension only lowers the log-probability, so this early
stop never changes the result).  Among the finished hypotheses the best by

.. math::
    \mathrm{score}(y) = \frac{\log p(y)}{|y|^{\alpha}}, \qquad \alpha = \texttt{length\_penalty}

is returned, :math:`|y|` counting the stop token (:math:`\alpha = 0`: plain
log-probability, which prefers short sequences; :math:`\alpha = 1`: average log-probability
per token).  The length penalty is applied only here, at the end; the ranking inside the
beam is by plain log-probability.  With ``beam_width = 1`` and :math:`\alpha = 0` this is
greedy decoding; with ``beam_width >= V ** (max_len - 1)`` nothing is ever pruned and the
result is the exact most probable sequence.
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
    state is continued by several prefixes).  Finished hypotheses leave the beam, which
    keeps ``beam_width`` live ones (see the module docstring for the exact rule).  Returns
    the best sequence's token ids, without the prime (at most ``max_len``; ends with
    ``stop_token`` if it finished that way).
    """
    if isinstance(beam_width, bool) or not isinstance(beam_width, numbers.Integral) or beam_width < 1:
        raise ValueError(f"beam_width={beam_width!r} must be an integer >= 1 (1 is greedy decoding)")
    if isinstance(length_penalty, bool) or not isinstance(length_penalty, numbers.Real) \
            or not np.isfinite(length_penalty):
        raise ValueError(f"length_penalty={length_penalty!r} must be a finite number (0: none)")
    check_max_len(max_len)
    check_stop_token(stop_token)
    logits, state = feed(step, check_tokens(prime, "prime"))

    def score(tokens, logp):
        return logp / len(tokens) ** length_penalty

    alive = [Hypothesis((), 0.0, logits, state)]
    best = None  # (score, tokens) of the best finished hypothesis so far
    for _ in range(max_len):
        logp = np.stack([h.logp + log_softmax(h.logits) for h in alive])  # (beams, V)
        ranking = np.argsort(-logp, axis=None, kind="stable")  # by total log-probability
        survivors = []
        for b, token in zip(*np.unravel_index(ranking, logp.shape)):
            if len(survivors) == beam_width:
                break
            parent, token = alive[b], int(token)
            tokens = parent.tokens + (token,)
            if token == stop_token or len(tokens) == max_len:
                s = score(tokens, logp[b, token])
                if best is None or s > best[0]:
                    best = (s, tokens)
            else:
                logits, state = step(token, parent.state)  # the parent's state may branch again
                survivors.append(Hypothesis(tokens, logp[b, token], logits, state))
        alive = survivors
        if not alive or (best is not None and best[0] >= max(_bound(h, max_len, length_penalty)
                                                             for h in alive)):
            break
    return [] if best is None else list(best[1])  # None only when max_len == 0


def _bound(h, max_len, alpha):
    """The best score any finished extension of the live hypothesis ``h`` could reach.

    An extension to n tokens (len(h) < n <= max_len) has log-probability <= h.logp <= 0, so
    its score is at most h.logp / n**alpha, which is largest at one end of the range of n.
    """
    return max(h.logp / (len(h.tokens) + 1) ** alpha, h.logp / max_len ** alpha)
