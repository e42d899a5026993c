r"""Baselines without recurrence, to measure what a recurrent network adds.

- :class:`MostFrequentTagTagger`: each word gets the tag it had most often in training;
  an unseen word gets the tag most frequent among the training words seen **once** (the
  hapax legomena, which resemble unseen words far more than frequent words do) with the
  same :func:`word_shape`.
- :func:`bag_of_words`: a sentence as counts of its words, order thrown away, (N, V) sparse.
- :class:`NaiveBayes`: multinomial naive Bayes on those counts, with add-alpha smoothing.
- :class:`LogisticRegression`: a linear softmax classifier on those counts, L2-regularised,
  fitted by L-BFGS on the exact loss and gradient (numpy and scipy only).

Taught in book/tagging.md and book/classification.md.
"""

from collections import Counter, defaultdict

import numpy as np
from scipy import optimize, sparse


def word_shape(word):
    """A coarse class of a word's spelling: "number" (has a digit), "punct" (no letter or
    digit), "capitalised" (first character upper case), or "lower"."""
    if any(ch.isdigit() for ch in word):
        return "number"
    if not any(ch.isalnum() for ch in word):
        return "punct"
    if word[0].isupper():
        return "capitalised"
    return "lower"


class MostFrequentTagTagger:
    r"""The most-frequent-tag baseline of part-of-speech tagging.

    .. math::
        \hat t(w) = \arg\max_t \operatorname{count}(w, t) \text{ if } w \text{ was seen}, \qquad
        \hat t(w) = \arg\max_t \operatorname{count}_1(\operatorname{shape}(w), t) \text{ otherwise}

    where :math:`\operatorname{count}_1` counts the tags of training words seen exactly once.
    Ties go to the tag that comes first in alphabetical order, so the result is reproducible.
    ``sentences``: ``[(words, tags), ...]`` as :func:`course_rnn.data.load_ud_pos` gives.
    """

    def __init__(self, sentences):
        counts = defaultdict(Counter)  # word -> Counter of its tags
        for words, tags in sentences:
            if len(words) != len(tags):
                raise ValueError(f"a sentence has {len(words)} words but {len(tags)} tags")
            for word, tag in zip(words, tags):
                counts[word][tag] += 1
        if not counts:
            raise ValueError("sentences is empty: the baseline needs training data")
        self.tag_of_word = {word: _argmax(c) for word, c in counts.items()}
        rare = defaultdict(Counter)  # shape -> tags of the hapax legomena of that shape
        for word, c in counts.items():
            if sum(c.values()) == 1:
                rare[word_shape(word)].update(c)
        every_rare = sum(rare.values(), Counter())
        fallback = _argmax(every_rare or sum(counts.values(), Counter()))
        self.tag_of_shape = {shape: _argmax(rare[shape]) if rare[shape] else fallback
                             for shape in ("number", "punct", "capitalised", "lower")}

    def known(self, word):
        """True if ``word`` was seen in training."""
        return word in self.tag_of_word

    def predict(self, words):
        """The list of tags for a list of words."""
        return [self.tag_of_word.get(w) or self.tag_of_shape[word_shape(w)] for w in words]


def _argmax(counter):
    return min(counter, key=lambda tag: (-counter[tag], tag))


def tagging_accuracy(gold, predicted, known=None):
    """Token accuracy of ``predicted`` (a list of tag lists) against ``gold`` (``[(words, tags),
    ...]``), and, when ``known(word)`` is given, on the tokens whose word is known and unknown.

    Returns ``{"accuracy", "known_accuracy", "unknown_accuracy", "unknown_rate"}`` (the last
    three only with ``known``; an empty group has accuracy nan).
    """
    if len(gold) != len(predicted):
        raise ValueError(f"gold has {len(gold)} sentences but predicted has {len(predicted)}")
    right, is_known = [], []
    for (words, tags), guess in zip(gold, predicted):
        if len(guess) != len(tags):
            raise ValueError(f"a predicted sentence has {len(guess)} tags for {len(tags)} words")
        right += [g == t for g, t in zip(guess, tags)]
        if known is not None:
            is_known += [bool(known(w)) for w in words]
    right = np.array(right, dtype=bool)
    result = {"accuracy": float(right.mean())}
    if known is not None:
        is_known = np.array(is_known, dtype=bool)
        result["known_accuracy"] = float(right[is_known].mean()) if is_known.any() else float("nan")
        result["unknown_accuracy"] = float(right[~is_known].mean()) if (~is_known).any() else float("nan")
        result["unknown_rate"] = float((~is_known).mean())
    return result


def bag_of_words(sentences, vocab, binary=False):
    r"""Counts :math:`X_{nv}` = how often word v occurs in sentence n: a (N, V) ``scipy.sparse``
    CSR matrix of float64.  ``vocab`` is a :class:`~course_rnn.data.WordVocab` (unknown words
    count as ``<unk>``); ``binary=True`` clips every count at 1 (presence, not frequency).
    """
    rows, cols = [], []
    for n, words in enumerate(sentences):
        if isinstance(words, str):
            raise TypeError("sentences must be lists of words, e.g. line.split(); got a str")
        ids = vocab.encode(words)
        rows += [n] * len(ids)
        cols += ids
    X = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(sentences), len(vocab)))
    X.sum_duplicates()
    if binary:
        X.data[:] = 1.0
    return X


def _check_xy(X, y=None):
    if X.ndim != 2:
        raise ValueError(f"X must be a (N, V) matrix of counts; got shape {X.shape}")
    if y is None:
        return
    y = np.asarray(y)
    if y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise ValueError(f"y must be N = {X.shape[0]} non-negative integer labels; got shape {y.shape}, "
                         f"dtype {y.dtype}")


class NaiveBayes:
    r"""Multinomial naive Bayes on word counts.

    .. math::
        \log p(c \mid x) = \log \pi_c + \sum_v x_v \log \theta_{cv} + \text{const}, \qquad
        \theta_{cv} = \frac{\alpha + \sum_{n: y_n = c} X_{nv}}{\alpha V + \sum_{n: y_n = c} \sum_u X_{nu}}

    with :math:`\pi_c` the fraction of training sentences of class c.  ``fit(X, y)`` with
    X (N, V) counts (dense or sparse) and y (N,) labels in 0..K-1; ``predict(X)`` -> (N,).
    """

    def __init__(self, alpha=1.0):
        if not alpha > 0:
            raise ValueError(f"alpha={alpha!r} must be positive (add-alpha smoothing)")
        self.alpha = alpha

    def fit(self, X, y):
        _check_xy(X, y)
        y = np.asarray(y)
        K = int(y.max()) + 1
        Y = np.eye(K)[y]                                       # (N, K) one-hot
        counts = np.asarray((sparse.csr_matrix(X).T @ Y).T)    # (K, V) word counts per class
        self.log_prior = np.log(Y.mean(axis=0))                # (K,)
        smoothed = counts + self.alpha
        self.log_theta = np.log(smoothed / smoothed.sum(axis=1, keepdims=True))  # (K, V)
        return self

    def scores(self, X):
        """Unnormalised log posteriors (N, K)."""
        _check_xy(X)
        return np.asarray(X @ self.log_theta.T) + self.log_prior

    def predict(self, X):
        return self.scores(X).argmax(axis=1)


class LogisticRegression:
    r"""Softmax regression on word counts, L2-regularised.

    .. math::
        p(c \mid x) = \operatorname{softmax}(x W^T + b)_c, \qquad
        L = -\frac{1}{N} \sum_n \log p(y_n \mid x_n) + \frac{\lambda}{2} \lVert W \rVert^2, \qquad
        \nabla_W L = \frac{1}{N} (P - Y)^T X + \lambda W, \quad \nabla_b L = \frac{1}{N} \textstyle\sum_n (P - Y)_n

    with P (N, K) the predicted probabilities and Y the one-hot labels.  The loss is convex,
    so it has one minimum; ``fit`` finds it with L-BFGS (``scipy.optimize``) from W = 0, b = 0,
    given the loss and the gradient above.  ``LogisticRegression(l2=1e-3, max_iter=200)``;
    ``fit(X, y)``, ``predict(X)``, ``loss(X, y)``, ``gradients(X, y)``.
    """

    def __init__(self, l2=1e-3, max_iter=200):
        if not l2 >= 0 or not (isinstance(max_iter, int) and max_iter >= 1):
            raise ValueError(f"need l2 >= 0 and an integer max_iter >= 1; got l2={l2!r}, "
                             f"max_iter={max_iter!r}")
        self.l2, self.max_iter = l2, max_iter

    def probabilities(self, X):
        _check_xy(X)
        z = np.asarray(X @ self.W.T) + self.b  # (N, K)
        z -= z.max(axis=1, keepdims=True)      # softmax is shift-invariant; this keeps exp finite
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def loss(self, X, y):
        p = self.probabilities(X)
        nll = -np.mean(np.log(p[np.arange(len(y)), y]))
        return float(nll + 0.5 * self.l2 * np.sum(self.W ** 2))

    def gradients(self, X, y):
        """(dL/dW (K, V), dL/db (K,)) at the current weights."""
        N = X.shape[0]
        G = self.probabilities(X) - np.eye(self.W.shape[0])[y]  # (N, K) = P - Y
        return np.asarray(X.T @ G).T / N + self.l2 * self.W, G.mean(axis=0)

    def fit(self, X, y, num_classes=None, start=None):
        """Minimise the loss from W = 0, b = 0, or from the weights of ``start`` (a fitted
        LogisticRegression, e.g. with another ``l2``: the minimum is the same, and a near
        one is reached in fewer iterations)."""
        _check_xy(X, y)
        y = np.asarray(y)
        K = num_classes or int(y.max()) + 1
        V = X.shape[1]
        theta0 = np.zeros(K * V + K) if start is None else np.concatenate([start.W.ravel(), start.b])
        if theta0.shape != (K * V + K,):
            raise ValueError(f"start has {theta0.size} weights; this problem needs K * V + K = {K * V + K}")

        def loss_and_gradient(theta):
            self.W, self.b = theta[:K * V].reshape(K, V), theta[K * V:]
            dW, db = self.gradients(X, y)
            return self.loss(X, y), np.concatenate([dW.ravel(), db])

        result = optimize.minimize(loss_and_gradient, theta0, jac=True, method="L-BFGS-B",
                                   options={"maxiter": self.max_iter})
        self.W, self.b = result.x[:K * V].reshape(K, V).copy(), result.x[K * V:].copy()
        self.iterations = result.nit
        return self

    def predict(self, X):
        return self.probabilities(X).argmax(axis=1)


def replace_rare_words(sentences, keep):
    """Each word not in ``keep`` (a set, or a vocabulary) replaced by a token of its
    :func:`word_shape`, e.g. ``"Zanzibar"`` -> ``"<unk-capitalised>"``.

    Built from the training words seen twice or more, it gives a neural tagger the same
    information about unseen words as :class:`MostFrequentTagTagger` has: their shape, learnt
    from the rare training words, which are replaced too.  ``sentences``: lists of words.
    """
    return [[w if w in keep else f"<unk-{word_shape(w)}>" for w in words] for words in sentences]
