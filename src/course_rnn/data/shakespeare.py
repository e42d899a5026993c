"""Tiny Shakespeare: the character-level language-modelling corpus of Karpathy (2015).

40,000 lines of Shakespeare, 1,115,394 characters, 65 distinct (``corpora/tinyshakespeare``).
"""

from course_rnn.data.files import corpus_path, read_text

SPLITS = ("train", "validation", "test")


def load_tinyshakespeare(split=None, path=None):
    """The text of tiny Shakespeare, whole (``split=None``) or one contiguous split.

    Splits are the first 90 % of the characters (train), the next 5 % (validation) and the
    last 5 % (test), cut at ``int(0.90 N)`` and ``int(0.95 N)``: contiguous, so no
    validation line also appears in training.  With N = 1,115,394 that is 1,003,854 /
    55,770 / 55,770 characters.  Returns a ``str``.  ``path`` reads another copy of
    ``input.txt``.
    """
    text = read_text(path or corpus_path("tinyshakespeare", "input.txt"), "tinyshakespeare")
    if split is None:
        return text
    N = len(text)
    cuts = {"train": (0, int(0.90 * N)),
            "validation": (int(0.90 * N), int(0.95 * N)),
            "test": (int(0.95 * N), N)}
    if split not in cuts:
        raise ValueError(f"split={split!r} is not a split of tinyshakespeare; "
                         f"use one of {SPLITS} or None for the whole text")
    start, end = cuts[split]
    return text[start:end]
