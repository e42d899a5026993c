r"""Generating a sequence with a step function: prime the state, then choose token after token.

A **step function** is the whole interface to a model:

.. code-block:: python

    logits, new_state = step(token, state)   # token: int; logits: (V,); state: None at start

It reads one token id and the state after the tokens before it, and returns the logits of
the next token :math:`p(y_{t+1} \mid y_{\le t}) = \mathrm{softmax}(z_{t+1})` and the new
state.  States are values: a step function must never modify the state it was given, so a
decoder may continue the same state twice (beam search does).

Generation first feeds the priming tokens (the context) through the model, then repeats

.. math::
    y_{t+1} = \mathrm{choose}(z_{t+1}), \qquad (z_{t+2}, s_{t+1}) = \mathrm{step}(y_{t+1}, s_t)

until it has chosen the stop token or ``max_len`` tokens.
"""

import numbers
import operator

import numpy as np

from course_rnn.sampling.logits import as_logits, as_rng, check_sampling_args, sample_from_logits


def feed(step, tokens, state=None):
    """Run ``step`` over the tokens; return the logits after the last one (V,) and the state.

    This is how a prime conditions generation: the state it returns summarises the context.
    """
    tokens = check_tokens(tokens, "prime_tokens")
    for token in tokens:
        logits, state = step(token, state)
    return logits, state


def greedy(step, prime_tokens, max_len, stop_token=None):
    r"""Greedy decoding: :math:`y_{t+1} = \arg\max_i z_{t+1, i}` at every step.

    Deterministic: the most likely next token, which is not the most likely sequence (see
    :func:`~course_rnn.sampling.beam.beam_search`).  Returns the generated token ids: a list
    of at most ``max_len`` ints, without the prime, ending with ``stop_token`` if it was chosen.
    """
    return _decode(step, prime_tokens, max_len, stop_token,
                   choose=lambda logits: int(np.argmax(as_logits(logits))))


def sample(step, prime_tokens, max_len, rng, temperature=1.0, top_k=None, top_p=None,
           stop_token=None):
    r"""Ancestral sampling: :math:`y_{t+1} \sim \mathrm{softmax}(\mathrm{filter}(z_{t+1} / \tau))`.

    Each token is drawn by :func:`~course_rnn.sampling.logits.sample_from_logits` with the
    same ``temperature``, ``top_k`` and ``top_p``.  ``rng`` (int seed, numpy or torch
    Generator) is turned into one generator that every draw advances, so the same seed gives
    the same text.  Returns the generated token ids, as :func:`greedy`.
    """
    check_sampling_args(temperature, top_k, top_p)
    rng = as_rng(rng)
    return _decode(step, prime_tokens, max_len, stop_token,
                   choose=lambda logits: sample_from_logits(logits, rng, temperature, top_k, top_p))


def _decode(step, prime_tokens, max_len, stop_token, choose):
    """The generation loop shared by greedy decoding and sampling."""
    check_max_len(max_len)
    check_stop_token(stop_token)
    logits, state = feed(step, prime_tokens)
    generated = []
    for _ in range(max_len):
        token = choose(logits)
        generated.append(token)
        if token == stop_token:
            break
        logits, state = step(token, state)  # the chosen token is the next input
    return generated


def check_tokens(tokens, name):
    """Token ids as a list of Python ints; an empty sequence is an error (nothing to condition on)."""
    try:
        tokens = [operator.index(t) for t in tokens]
    except TypeError:
        raise TypeError(f"{name} must be a sequence of integer token ids; got {tokens!r}") from None
    if not tokens:
        raise ValueError(f"{name} is empty: generation needs at least one token to condition on "
                         f"(e.g. a start-of-sequence id or the first character)")
    return tokens


def check_max_len(max_len):
    if isinstance(max_len, bool) or not isinstance(max_len, numbers.Integral) or max_len < 0:
        raise ValueError(f"max_len={max_len!r} must be an integer >= 0 (the most tokens to generate)")


def check_stop_token(stop_token):
    if stop_token is not None and (isinstance(stop_token, bool)
                                   or not isinstance(stop_token, numbers.Integral)):
        raise ValueError(f"stop_token={stop_token!r} must be a token id (int) or None")
