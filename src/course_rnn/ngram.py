r"""An n-gram language model with smoothing: the Markov assumption made concrete.

An n-gram model approximates the chain rule of probability by forgetting everything but
the last n - 1 words:

.. math::
    P(w_1, \dots, w_T) = \prod_{t=1}^{T} P(w_t \mid w_{1:t-1})
    \approx \prod_{t=1}^{T} P(w_t \mid w_{t-n+1:t-1}).

Two smoothings (Jurafsky & Martin, SLP3 ch. 3), with counts :math:`c(\cdot)` from training:

- ``"add-k"`` (Laplace for k = 1): :math:`P(w \mid u) = \dfrac{c(u\,w) + k}{c(u) + kV}`;
- ``"kneser-ney"`` (interpolated, one absolute discount d):

  .. math::
      P_{KN}(w \mid u) = \frac{\max(c_{KN}(u\,w) - d, 0)}{\sum_v c_{KN}(u\,v)}
      + \frac{d\, N_{1+}(u\,\bullet)}{\sum_v c_{KN}(u\,v)}\, P_{KN}(w \mid u'),

  where :math:`u'` is :math:`u` without its first word, :math:`c_{KN}` is the raw count for
  the highest order and the *continuation count* :math:`N_{1+}(\bullet\, u\, w)` (the
  number of distinct words seen before :math:`u\,w`) for the lower orders, and
  :math:`N_{1+}(u\,\bullet)` is the number of distinct words seen after :math:`u`.  The
  recursion ends in the uniform distribution :math:`1/V`.  With ``discount="auto"`` each
  order m gets Ney's estimate :math:`d_m = n_1 / (n_1 + 2 n_2)`, where :math:`n_r` is the
  number of m-grams whose count :math:`c_{KN}` is r.  A context never seen in
  training falls straight back to :math:`P_{KN}(w \mid u')`.

Sentences are padded with ``n - 1`` ``<s>`` and one ``</s>``; words not seen in training
are ``<unk>``, which is part of the vocabulary of size V.  Taught in book/sequences.md.
"""

import math
import re
from collections import Counter, defaultdict

import numpy as np

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
SMOOTHINGS = ("kneser-ney", "add-k")
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*|[0-9]+|[^\sa-z0-9]")


def tokenize(text):
    """Lower-cased words (inner apostrophes kept: "o'er", "don't") and punctuation marks."""
    return _TOKEN.findall(text.lower())


class NGramLM:
    """An n-gram language model of ``order`` n >= 1, fitted with :meth:`fit`.

    ``smoothing`` is ``"kneser-ney"`` (with ``discount`` d in (0, 1), or ``"auto"`` for one
    estimated per order) or ``"add-k"`` (with ``k`` > 0).  :meth:`prob` gives :math:`P(w \\mid \\text{context})`, reading only the
    last n - 1 words of the context.
    """

    def __init__(self, order, smoothing="kneser-ney", discount=0.75, k=1.0):
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            raise ValueError(f"order={order!r} must be an integer >= 1 (1 = unigram, 2 = bigram, ...)")
        if smoothing not in SMOOTHINGS:
            raise ValueError(f"smoothing={smoothing!r} is not one of {SMOOTHINGS}")
        if smoothing == "kneser-ney" and discount != "auto" and not (
                isinstance(discount, (int, float)) and 0 < discount < 1):
            raise ValueError(f"discount={discount!r} must be in (0, 1), or 'auto', for Kneser-Ney smoothing")
        if smoothing == "add-k" and not k > 0:
            raise ValueError(f"k={k!r} must be > 0 for add-k smoothing")
        self.order, self.smoothing, self.discount, self.k = order, smoothing, discount, k
        self.vocab = None

    # ------------------------------------------------------------------ training

    def fit(self, sentences):
        """Count the n-grams of ``sentences``, a list of token lists.  Returns self."""
        sentences = [list(s) for s in sentences]
        if not sentences or not any(sentences):
            raise ValueError("sentences is empty: give a list of token lists to fit the model on")
        self.vocab = {w for s in sentences for w in s} | {EOS, UNK}
        n = self.order
        # counts[m][u][w] = c_KN(u w) for contexts u of m words
        self.counts = [defaultdict(Counter) for _ in range(n)]
        ngrams = Counter()
        for s in sentences:
            padded = [BOS] * (n - 1) + s + [EOS]
            for t in range(n - 1, len(padded)):
                ngrams[tuple(padded[t - n + 1:t + 1])] += 1
        for gram, c in ngrams.items():
            self.counts[n - 1][gram[:-1]][gram[-1]] += c
        if self.smoothing == "kneser-ney":
            # lower orders count distinct left extensions: N_1+(. u w)
            higher = set(ngrams)
            for m in range(n - 2, -1, -1):
                lower = {gram[1:] for gram in higher}
                for gram in lower:
                    self.counts[m][gram[:-1]][gram[-1]] = 0
                for gram in higher:
                    self.counts[m][gram[1:-1]][gram[-1]] += 1
                higher = lower
        self.totals = [{u: sum(c.values()) for u, c in level.items()} for level in self.counts]
        self.discounts = [self._estimate_discount(level) if self.discount == "auto" else self.discount
                          for level in self.counts]
        return self

    @staticmethod
    def _estimate_discount(level):
        """Ney's d = n1 / (n1 + 2 n2) from the counts of one order (0.75 if n1 or n2 is 0)."""
        n_r = Counter(c for followers in level.values() for c in followers.values())
        n1, n2 = n_r[1], n_r[2]
        return n1 / (n1 + 2 * n2) if n1 and n2 else 0.75

    # ------------------------------------------------------------------ probabilities

    def prob(self, word, context=()):
        """:math:`P(w \\mid \\text{context})`; only the last n - 1 words of context are read
        (fewer are padded with ``<s>``, as at the start of a sentence)."""
        if self.vocab is None:
            raise RuntimeError("the model is not fitted: call fit(sentences) first")
        u = self._context(context)
        w = word if word in self.vocab else UNK
        if self.smoothing == "add-k":
            V = len(self.vocab)
            seen = self.counts[-1].get(u)
            c_uw = seen[w] if seen else 0
            return (c_uw + self.k) / (self.totals[-1].get(u, 0) + self.k * V)
        return self._kneser_ney(w, u)

    def _kneser_ney(self, w, u):
        p = 1.0 / len(self.vocab)
        for m in range(len(u) + 1):  # from the unigram up to the full context
            v = u[len(u) - m:]
            seen = self.counts[m].get(v)
            if not seen:
                continue  # an unseen context gives all its mass to the lower order
            total, d = self.totals[m][v], self.discounts[m]
            p = max(seen[w] - d, 0) / total + d * len(seen) / total * p
        return p

    def _context(self, context):
        context = [w if w in self.vocab or w == BOS else UNK for w in context]
        u = ([BOS] * (self.order - 1) + context)[len(context):] if self.order > 1 else []
        return tuple(u)

    def logprob(self, sentence):
        """Natural log of the probability of a sentence (token list), with its ``</s>``."""
        n = self.order
        padded = [BOS] * (n - 1) + list(sentence) + [EOS]
        return sum(math.log(self.prob(padded[t], padded[t - n + 1:t])) for t in range(n - 1, len(padded)))

    def perplexity(self, sentences):
        r"""Per-token perplexity :math:`\exp(-\frac{1}{N}\sum \log P)`, counting each ``</s>``."""
        sentences = [list(s) for s in sentences]
        n_tokens = sum(len(s) + 1 for s in sentences)
        return math.exp(-sum(self.logprob(s) for s in sentences) / n_tokens)


def stream_ngram_nats(train_ids, eval_ids, vocab_size, order, k=1.0):
    r"""Cross-entropy in nats per token of an add-k count n-gram model of an id stream.

    .. math:: P(w_t \mid u) = \frac{c(u\,w_t) + k}{c(u) + kV}, \qquad
              u = w_{t-n+1:t-1}

    with counts from ``train_ids`` (one stream, ids in ``[0, vocab_size)``), scored on every
    token of ``eval_ids`` that has n - 1 tokens before it.  ``order`` 1 is the unigram (no
    context), 2 the count bigram: the baselines a character language model must beat.
    Numpy only, so the million characters of tiny Shakespeare take a fraction of a second.
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"order={order!r} must be an integer >= 1 (1 = unigram, 2 = bigram, ...)")
    if not k > 0:
        raise ValueError(f"k={k!r} must be positive: add-k smoothing gives unseen n-grams k counts")
    V = vocab_size

    def codes(ids):  # (n-gram code, context code) of every position with a full context
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim != 1 or len(ids) < order or ids.min() < 0 or ids.max() >= V:
            raise ValueError(f"ids must be a 1-D stream of at least {order} ids in [0, {V})")
        context = np.zeros(len(ids) - order + 1, dtype=np.int64)
        for j in range(order - 1):
            context = context * V + ids[j:len(ids) - order + 1 + j]
        return context * V + ids[order - 1:], context

    train_gram, train_context = codes(train_ids)
    eval_gram, eval_context = codes(eval_ids)
    grams, gram_counts = np.unique(train_gram, return_counts=True)
    contexts, context_counts = np.unique(train_context, return_counts=True)

    def count(table, counts, keys):
        at = np.clip(np.searchsorted(table, keys), 0, len(table) - 1)
        return np.where(table[at] == keys, counts[at], 0)

    p = (count(grams, gram_counts, eval_gram) + k) / (count(contexts, context_counts, eval_context) + k * V)
    return float(-np.log(p).mean())
