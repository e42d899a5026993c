"""Sentence polarity (Pang & Lee 2005, "movie review" / MR): 5,331 positive and 5,331 negative
review snippets, lower-cased and tokenised with spaces (``corpora/sentence_polarity``)."""

import numpy as np

from course_rnn.data.files import corpus_path, read_text, split_lines

SPLITS = ("train", "validation", "test")


def load_polarity(split="train", seed=0, pos_path=None, neg_path=None):
    """Labelled snippets ``[(words, label), ...]``; label 1 = positive, 0 = negative.

    The data set has no official split (Kim 2014 used 10-fold cross-validation), so each
    class is shuffled with ``numpy.random.default_rng(seed)`` and cut into 10 % test, 10 %
    validation and 80 % train (533 / 533 / 4,265 snippets per class, stratified so every
    split is balanced); each split is then shuffled so the labels alternate irregularly.
    The same ``seed`` always gives the same split.  ``words`` is ``line.split()``.
    ``pos_path`` / ``neg_path`` read other copies of ``rt-polarity.pos`` / ``.neg`` (UTF-8).
    """
    if split not in SPLITS:
        raise ValueError(f"split={split!r} is not a split of sentence polarity; "
                         f"use one of {SPLITS}")
    rng = np.random.default_rng(seed)
    chosen = []
    for label, name, path in ((1, "pos", pos_path), (0, "neg", neg_path)):
        path = path or corpus_path("sentence_polarity", f"rt-polarity.{name}")
        lines = split_lines(read_text(path, f"sentence polarity ({name})"))
        examples = [(line.split(), label) for line in lines if line.strip()]
        order = rng.permutation(len(examples))
        n_held_out = len(examples) // 10
        bounds = {"test": (0, n_held_out), "validation": (n_held_out, 2 * n_held_out),
                  "train": (2 * n_held_out, len(examples))}
        start, end = bounds[split]
        chosen += [examples[i] for i in order[start:end]]
    return [chosen[i] for i in rng.permutation(len(chosen))]
