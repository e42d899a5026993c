r"""Measures of generated text: how likely the model finds it, and how varied it is.

- :func:`sequence_log_prob` and :func:`perplexity`: the model's own view of a continuation,
  :math:`\mathrm{PPL} = \exp\big(-\frac1L \sum_{t=1}^{L} \ln p(y_t \mid \text{prime}, y_{<t})\big)`;
- :func:`distinct_n` (Li et al., 2016): distinct n-grams / all n-grams, pooled over samples;
- :func:`seq_rep_n` (Welleck et al., 2020): the fraction of a sequence's n-grams that are
  repeats of an n-gram earlier in the same sequence;
- :func:`known_word_rate`: the share of a sample's words that are real words.

Tokens are any hashable items: characters, or words from ``text.split()``.
"""

import math
import re

import numpy as np

from course_rnn.sampling import feed, log_softmax


def ngrams(tokens, n):
    """The list of n-grams (tuples) of ``tokens``, in order; empty if there are fewer than n."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n={n!r} must be a positive integer")
    tokens = list(tokens)
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def distinct_n(sequences, n):
    """Number of distinct n-grams over all ``sequences`` divided by their total number (in
    [0, 1]; 1 when no n-gram occurs twice).  ``sequences``: a list of token sequences."""
    grams = [g for seq in _as_list_of_sequences(sequences) for g in ngrams(seq, n)]
    if not grams:
        raise ValueError(f"the sequences have no {n}-grams (all shorter than {n} tokens)")
    return len(set(grams)) / len(grams)


def seq_rep_n(tokens, n):
    """1 - distinct n-grams / n-grams within one sequence: 0 for no repeats, close to 1 for
    a sequence stuck in a loop."""
    grams = ngrams(tokens, n)
    if not grams:
        raise ValueError(f"a sequence of {len(list(tokens))} tokens has no {n}-grams")
    return 1.0 - len(set(grams)) / len(grams)


def sequence_log_prob(step, prime, tokens):
    r"""Per-token log-probabilities :math:`\ln p(y_t \mid \text{prime}, y_{<t})` (natural log)
    of ``tokens`` under the model behind ``step`` (the step-function contract of
    :mod:`course_rnn.sampling`), after feeding ``prime``.  Returns a float64 array (L,)."""
    logits, state = feed(step, prime)
    logp = np.empty(len(tokens))
    for t, token in enumerate(tokens):
        logp[t] = log_softmax(logits)[token]
        logits, state = step(token, state)
    return logp


def perplexity(step, prime, tokens):
    """exp of the mean negative log-probability per token of ``tokens`` after ``prime``."""
    if len(tokens) == 0:
        raise ValueError("tokens is empty: perplexity needs at least one token")
    return math.exp(-float(np.mean(sequence_log_prob(step, prime, tokens))))


def _as_list_of_sequences(sequences):
    if isinstance(sequences, str):
        raise TypeError("sequences must be a list of token sequences, e.g. [text.split()] or "
                        "[list(text)]; a bare string is ambiguous")
    return [list(s) for s in sequences]


def known_word_rate(text, known_words):
    """The share of the words of ``text`` (runs of letters and apostrophes, lower-cased) that
    are in the set ``known_words``: how much of a sample is spelled like real words.  0 for a
    text with no words."""
    words = re.findall(r"[a-z']+", text.lower())
    if not words:
        return 0.0
    return sum(w in known_words for w in words) / len(words)
