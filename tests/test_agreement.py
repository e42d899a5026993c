"""Agreement minimal pairs: the extraction against pairs found by hand, and the score against
what an n-gram model can and cannot see (an oracle by construction)."""

import math

import pytest

from course_rnn.agreement import AgreementPair, agreement_pairs, agreement_score, prefers_agreement, swapped
from course_rnn.ngram import NGramLM


def test_pairs_found_by_hand():
    sentence = "o thou , my good friend , lend me thy hand .".split()
    pairs = agreement_pairs([sentence], max_gap=7, left=8)
    assert pairs == [AgreementPair(tuple(sentence[:9]), 1, 7, "thy")]
    assert swapped(pairs[0]) == (("o", "you", ",", "my", "good", "friend", ",", "lend", "me"), "your")
    # "that" may be the subject of "art", and "art" is itself second person: neither pairs
    assert agreement_pairs(["thou that art my friend , lend me thy hand".split()]) == []


def test_pairs_stop_at_sentence_ends_other_second_person_words_and_disagreement():
    sentences = ["thou art .".split(), "thou go . thy".split(), "you know thee , your".split(),
                 "thou and your".split(), "you will".split()]
    found = [(p.gap, p.target) for p in agreement_pairs(sentences)]
    assert found == [(0, "art"), (0, "will")]


def test_max_gap_is_respected():
    sentence = "thou a b c d thy".split()
    assert [p.gap for p in agreement_pairs([sentence], max_gap=4)] == [4]
    assert agreement_pairs([sentence], max_gap=3) == []


@pytest.mark.parametrize("order, expected", [(2, 0.5), (3, 0.5), (4, 1.0), (5, 1.0)])
def test_an_ngram_model_sees_a_cue_two_words_back_only_from_order_four(order, expected):
    """Training text where thy/your always follows thou/you after two filler words: the
    cue is 3 words before the target, so an order-n model reads it iff n - 1 >= 3."""
    fillers = [("a", "b"), ("c", "d"), ("e", "f")]
    corpus = [[cue, x, y, target] for x, y in fillers for cue, target in (("thou", "thy"), ("you", "your"))]
    lm = NGramLM(order).fit(corpus)
    pairs = agreement_pairs(corpus)
    assert len(pairs) == 6 and {p.gap for p in pairs} == {2}
    logprob = lambda w, context: math.log(lm.prob(w, context))
    assert [prefers_agreement(logprob, p) for p in pairs] == [expected] * 6
    if expected == 0.5:
        assert all(agreement_score(logprob, p) == 0.0 for p in pairs)  # an exact tie, not a near one


def test_the_score_is_positive_for_a_model_that_knows_the_rule():
    def rule(w, context):
        thou = [c for c in context if c in ("thou", "you")][-1] == "thou"
        return math.log(0.9 if (w in ("thy", "art")) == thou else 0.1)
    pair = agreement_pairs([["you", "x", "y", "z", "your"]])[0]
    assert agreement_score(rule, pair) == pytest.approx(2 * math.log(0.9 / 0.1))
    assert prefers_agreement(rule, pair) == 1.0
