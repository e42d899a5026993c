"""Generators for the experiments of Elman (1990), "Finding structure in time",
Cognitive Science 14, 179-211.  Each returns plain numpy arrays / Python lists and takes a
``numpy.random.Generator`` ``rng``, never global random state.

Where the paper does not pin a detail down (or we recall it only approximately) the
docstring says "reconstruction".
"""

from typing import NamedTuple

import numpy as np

from course_rnn.data.batching import one_hot
from course_rnn.data.checks import check_positive_int, check_rng


def temporal_xor(n_triples, rng):
    """Elman's temporal XOR stream: random bit pairs, each followed by their XOR.

    Returns a 1-D array of 3 * n_triples bits ``a1 b1 (a1^b1) a2 b2 (a2^b2) ...``.  The task is
    to predict the next bit: only every third bit (the XOR) is predictable, so a network that
    learns the task shows a period-3 pattern of error.  rng: ``numpy.random.Generator``.
    """
    check_positive_int(n_triples, "n_triples")
    check_rng(rng)
    pairs = rng.integers(0, 2, size=(n_triples, 2))
    return np.column_stack([pairs, pairs[:, 0] ^ pairs[:, 1]]).reshape(-1)


# ---------------------------------------------------------------- letter sequences (Table 1)

FEATURE_NAMES = ("consonant", "vowel", "interrupted", "high", "back", "voiced")
LETTER_FEATURES = {          # Elman's Table 1
    "b": (1, 0, 1, 0, 0, 1),
    "d": (1, 0, 1, 1, 0, 1),
    "g": (1, 0, 1, 0, 1, 1),
    "a": (0, 1, 0, 0, 1, 1),
    "i": (0, 1, 0, 1, 0, 1),
    "u": (0, 1, 0, 1, 1, 1),
}
SYLLABLES = {"b": "ba", "d": "dii", "g": "guuu"}


def letter_sequence(n_consonants, rng):
    """Elman's "multi-bit inputs" task: consonants in random order, each followed by its vowels.

    The consonants b, d, g are drawn uniformly at random (the paper used 1,000), then each is
    replaced by its syllable b -> ba, d -> dii, g -> guuu.  Each letter is the 6-bit feature
    vector of Table 1 (consonant, vowel, interrupted, high, back, voiced).  Predicting the
    next letter tests memory of the recent past: the consonants are unpredictable, but once
    one is seen, the identity and number of the vowels that follow are fully determined.

    Returns ``letters`` (str of N letters) and ``x`` (N, 6) float64, one row per letter.
    """
    check_positive_int(n_consonants, "n_consonants")
    check_rng(rng)
    consonants = rng.choice(list(SYLLABLES), size=n_consonants)
    letters = "".join(SYLLABLES[c] for c in consonants)
    x = np.array([LETTER_FEATURES[letter] for letter in letters], dtype=np.float64)  # (N, 6)
    return letters, x


# ---------------------------------------------------------------- discovering word boundaries

# Reconstruction: the 14 distinct words of the paper's example stream "Manyyearsagoaboyandgirl
# livedbythesea.Theyplayedhappily" (Figure 6); "sat" is our choice for the 15th word.
SEGMENTATION_LEXICON = ("many", "years", "ago", "a", "boy", "and", "girl", "lived", "by", "the",
                        "sea", "they", "played", "happily", "sat")


class WordStream(NamedTuple):
    text: str              # all letters, no spaces: "manyyearsago..."
    words: list            # the words in order; "".join(words) == text
    word_starts: np.ndarray  # (n_words,) index in text of each word's first letter
    x: np.ndarray          # (N, n_bits) float64, the letter code of each letter of text
    codes: dict            # letter -> its (n_bits,) random binary code


def word_stream(n_sentences, rng, min_words=4, max_words=9, lexicon=SEGMENTATION_LEXICON,
                n_bits=5):
    """Elman's word-segmentation stream: sentences run together with no spaces.

    The paper generated 200 sentences of 4 to 9 words from a 15-word lexicon (1,270 words,
    4,963 letters) and coded every letter by a random 5-bit vector.  A network predicting
    the next letter makes large errors at word onsets and small ones inside words, so its
    error curve marks the boundaries it was never told about.
    Reconstruction: the paper's sentence generator is not specified; here each sentence has
    a number of words uniform in [min_words, max_words], each drawn uniformly from
    ``lexicon``; each letter gets a distinct random code.
    """
    check_positive_int(n_sentences, "n_sentences")
    check_positive_int(min_words, "min_words")
    check_rng(rng)
    if max_words < min_words:
        raise ValueError(f"max_words={max_words!r} must be >= min_words={min_words!r}")
    alphabet = sorted(set("".join(lexicon)))
    if len(alphabet) > 2 ** n_bits:
        raise ValueError(f"n_bits={n_bits!r} gives {2 ** n_bits} codes, fewer than the "
                         f"{len(alphabet)} letters of the lexicon; use more bits")
    lengths = rng.integers(min_words, max_words + 1, size=n_sentences)
    words = [lexicon[i] for i in rng.integers(0, len(lexicon), size=int(lengths.sum()))]
    text = "".join(words)
    word_starts = np.cumsum([0] + [len(w) for w in words[:-1]])
    # distinct random integers in [0, 2^n_bits), written as n_bits binary digits
    numbers = rng.choice(2 ** n_bits, size=len(alphabet), replace=False)
    codes = {letter: (n >> np.arange(n_bits)[::-1]) & 1 for letter, n in zip(alphabet, numbers)}
    x = np.array([codes[letter] for letter in text], dtype=np.float64)  # (N, n_bits)
    return WordStream(text, words, word_starts, x, codes)


# ---------------------------------------------------------------- lexical categories (Table 3)

# Reconstruction: the paper lists 29 words (Table 3 and the cluster tree of Figure 7); we
# recall them as below.  A word may belong to several categories (see, break).
CATEGORIES = {
    "NOUN-HUM": ("man", "woman", "boy", "girl"),
    "NOUN-ANIM": ("cat", "mouse", "dog"),
    "NOUN-INANIM": ("book", "rock", "car"),
    "NOUN-AGRESS": ("dragon", "monster", "lion"),
    "NOUN-FRAG": ("glass", "plate"),
    "NOUN-FOOD": ("cookie", "sandwich", "bread"),
    "VERB-INTRAN": ("think", "sleep", "exist"),
    "VERB-TRAN": ("see", "chase", "like"),
    "VERB-AGPAT": ("move", "break"),
    "VERB-PERCEPT": ("smell", "see"),
    "VERB-DESTROY": ("break", "smash"),
    "VERB-EAT": ("eat",),
}
TEMPLATES = (  # Table 3: the 16 sentence templates
    ("NOUN-HUM", "VERB-EAT", "NOUN-FOOD"),
    ("NOUN-HUM", "VERB-PERCEPT", "NOUN-INANIM"),
    ("NOUN-HUM", "VERB-DESTROY", "NOUN-FRAG"),
    ("NOUN-HUM", "VERB-INTRAN"),
    ("NOUN-HUM", "VERB-TRAN", "NOUN-HUM"),
    ("NOUN-HUM", "VERB-AGPAT", "NOUN-INANIM"),
    ("NOUN-HUM", "VERB-AGPAT"),
    ("NOUN-ANIM", "VERB-EAT", "NOUN-FOOD"),
    ("NOUN-ANIM", "VERB-TRAN", "NOUN-ANIM"),
    ("NOUN-ANIM", "VERB-AGPAT", "NOUN-INANIM"),
    ("NOUN-ANIM", "VERB-AGPAT"),
    ("NOUN-INANIM", "VERB-AGPAT"),
    ("NOUN-AGRESS", "VERB-DESTROY", "NOUN-FRAG"),
    ("NOUN-AGRESS", "VERB-EAT", "NOUN-HUM"),
    ("NOUN-AGRESS", "VERB-EAT", "NOUN-ANIM"),
    ("NOUN-AGRESS", "VERB-EAT", "NOUN-FOOD"),
)
LEXICON = tuple(dict.fromkeys(w for words in CATEGORIES.values() for w in words))  # 29 words
WORD_CATEGORIES = {w: tuple(c for c, words in CATEGORIES.items() if w in words) for w in LEXICON}
N_LOCALIST_BITS = 31


class ElmanSentences(NamedTuple):
    sentences: list        # [["man", "eat", "cookie"], ["cat", "sleep"], ...]
    templates: list        # index into TEMPLATES of each sentence
    ids: np.ndarray        # (n_words,) int64, every word of every sentence in order
    x: np.ndarray          # (n_words, 31) float64 one-hot (localist) codes of ids


def elman_sentences(n_sentences, rng):
    """Two- and three-word sentences from Elman's templates, as one stream of localist words.

    Each sentence picks one of the 16 templates uniformly, then each slot a word uniformly
    from its category (so "break" can be an agent-patient or a destroy verb).  Elman
    generated 10,000 sentences (27,354 words; 2.75 words per sentence, which uniform
    templates reproduce) and trained a network to predict the next word.  No word carries
    its category, yet the hidden states cluster into nouns/verbs, animate/inanimate, human/
    animal: the categories are inferred from the contexts in which words occur.

    Words are coded as in the paper by 31-bit localist vectors: word ``LEXICON[k]`` is bit
    k, and the two remaining bits stay zero (reconstruction: the paper reserved spare bits).
    Sentence boundaries are not marked, as in the paper.  ``WORD_CATEGORIES`` maps each
    word to its categories.
    """
    check_positive_int(n_sentences, "n_sentences")
    check_rng(rng)
    templates = rng.integers(0, len(TEMPLATES), size=n_sentences)
    sentences = [[str(rng.choice(CATEGORIES[slot])) for slot in TEMPLATES[k]] for k in templates]
    ids = np.array([LEXICON.index(w) for s in sentences for w in s], dtype=np.int64)
    return ElmanSentences(sentences, templates.tolist(), ids, one_hot(ids, N_LOCALIST_BITS))
