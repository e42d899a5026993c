r"""Minimal pairs for a long-distance dependency: does a language model make a word agree with
a cue g words back?

Shakespeare's English marks the second person twice: *thou art ... thy* but *you are ...
your*.  A target word (``thy``, ``art``, ``hast`` ... or ``your``, ``are``, ``have`` ...)
must agree with the last ``thou`` or ``you`` before it, however many words lie between.
:func:`agreement_pairs` finds every such target in a text where the cue sits ``gap`` words
before it (no other second-person word, no sentence end, and for verbs no other subject in
between), and :func:`prefers_agreement` asks a model the 2 x 2 question of a minimal pair:

.. math::
    s = \log P(t \mid c\,F) + \log P(t' \mid c'\,F) - \log P(t' \mid c\,F) - \log P(t \mid c'\,F),

with :math:`c, t` the cue and target as written, :math:`c', t'` their swapped forms (*thou*
<-> *you*, *thy* <-> *your*) and :math:`F` the same words in between and before.  The model
prefers agreement if :math:`s > 0`.  If the model cannot see the cue, the two contexts are
the same for it, the four terms cancel exactly, and :math:`s = 0`: a tie, scored 1/2.
Taught in book/sequences.md.
"""

from typing import NamedTuple

CUE_SWAP = {"thou": "you", "you": "thou"}
THOU_FORMS = {"thy": "your", "thine": "your", "thyself": "yourself", "art": "are", "hast": "have",
              "dost": "do", "wilt": "will", "shalt": "shall", "canst": "can", "didst": "did",
              "wast": "were"}
YOU_FORMS = {"your": "thy", "yourself": "thyself", "are": "art", "have": "hast", "do": "dost",
             "will": "wilt", "shall": "shalt", "can": "canst", "did": "didst", "were": "wast"}
TARGET_SWAP = {**THOU_FORMS, **YOU_FORMS}
VERBS = {"art", "hast", "dost", "wilt", "shalt", "canst", "didst", "wast",
         "are", "have", "do", "will", "shall", "can", "did", "were"}
# between cue and target: another second-person word or a sentence end breaks the link, and
# another subject pronoun may be the verb's own subject
SECOND_PERSON = set(TARGET_SWAP) | set(CUE_SWAP) | {"thee", "ye", "yours", "thyself", "yourself"}
SENTENCE_END = {".", ";", ":", "!", "?"}
SUBJECTS = {"i", "he", "she", "it", "we", "they", "who", "which", "that"}


class AgreementPair(NamedTuple):
    context: tuple   # the words before the target, as written (cue included)
    cue_index: int   # position of the cue in context
    gap: int         # words strictly between cue and target
    target: str      # the target word as written (it agrees with the cue)


def agreement_pairs(sentences, max_gap=7, left=8):
    """Every target in ``sentences`` (token lists) whose cue is at most ``max_gap`` words back.

    Only targets that agree with their cue as written are kept (the text is the oracle).
    ``left`` words before the cue are kept in the context as well, so that a model of any
    order up to ``left + 2`` reads the same words it would in the running text.
    """
    pairs = []
    for s in sentences:
        for i, target in enumerate(s):
            if target not in TARGET_SWAP:
                continue
            for j in range(i - 1, max(-1, i - max_gap - 2), -1):
                w = s[j]
                if w in CUE_SWAP:
                    if (w == "thou") == (target in THOU_FORMS):
                        start = max(0, j - left)
                        pairs.append(AgreementPair(tuple(s[start:i]), j - start, i - j - 1, target))
                    break
                if w in SECOND_PERSON or w in SENTENCE_END or (target in VERBS and w in SUBJECTS):
                    break
    return pairs


def swapped(pair):
    """The other half of the minimal pair: the context with the cue swapped, and the swapped target."""
    context = list(pair.context)
    context[pair.cue_index] = CUE_SWAP[context[pair.cue_index]]
    return tuple(context), TARGET_SWAP[pair.target]


def agreement_score(logprob, pair):
    """The 2 x 2 score s of the module docstring; ``logprob(word, context)`` is the model's
    :math:`\\log P(\\text{word} \\mid \\text{context})`."""
    other_context, other_target = swapped(pair)
    return ((logprob(pair.target, pair.context) + logprob(other_target, other_context))
            - (logprob(other_target, pair.context) + logprob(pair.target, other_context)))


def prefers_agreement(logprob, pair):
    """1 if the model prefers the agreeing pair, 0 if the other, 1/2 for an exact tie."""
    s = agreement_score(logprob, pair)
    return 1.0 if s > 0 else 0.0 if s < 0 else 0.5
