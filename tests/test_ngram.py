"""The n-gram language model against probabilities counted by hand on a two-sentence corpus,
and the properties every language model must have (each distribution sums to one; an
order-n model reads only the last n - 1 words)."""

import math
from collections import Counter

import numpy as np
import pytest

from course_rnn.ngram import EOS, UNK, NGramLM, stream_ngram_nats, tokenize

# Corpus "a b" and "a a".  Padded for a bigram model: <s> a b </s> and <s> a a </s>.
#   bigram counts        <s>: {a: 2}   a: {b: 1, a: 1, </s>: 1}   b: {</s>: 1}
#   continuation counts  N1+(. a) = 2 (<s>, a)   N1+(. b) = 1 (a)   N1+(. </s>) = 2 (a, b)
#   vocabulary {a, b, </s>, <unk>}: V = 4
CORPUS = [["a", "b"], ["a", "a"]]
D = 0.75
P_UNI = {"a": (2 - D) / 5 + D * 3 / 5 / 4, "b": (1 - D) / 5 + D * 3 / 5 / 4,
         EOS: (2 - D) / 5 + D * 3 / 5 / 4, UNK: D * 3 / 5 / 4}


def test_kneser_ney_bigram_matches_hand_counted_probabilities():
    lm = NGramLM(2, discount=D).fit(CORPUS)
    assert lm.prob("b", ["a"]) == pytest.approx((1 - D) / 3 + D * 3 / 3 * P_UNI["b"])
    assert lm.prob("a", []) == pytest.approx((2 - D) / 2 + D * 1 / 2 * P_UNI["a"])  # context <s>
    assert lm.prob("b", ["b"]) == pytest.approx(D * 1 / 1 * P_UNI["b"])  # b never followed b
    assert lm.prob(EOS, ["b"]) == pytest.approx((1 - D) / 1 + D * P_UNI[EOS])


def test_kneser_ney_unseen_context_falls_back_to_the_continuation_unigram():
    lm = NGramLM(2, discount=D).fit(CORPUS)
    for w in ("a", "b", EOS):
        assert lm.prob(w, ["never-seen"]) == pytest.approx(P_UNI[w])
    assert lm.prob("zebra", ["a"]) == pytest.approx(lm.prob(UNK, ["a"]))
    assert lm.prob(UNK, ["never-seen"]) == pytest.approx(P_UNI[UNK])


def test_add_k_matches_hand_counted_probabilities():
    lm = NGramLM(2, smoothing="add-k", k=1.0).fit(CORPUS)
    assert lm.prob("b", ["a"]) == pytest.approx(2 / 7)      # (1 + 1) / (3 + 4)
    assert lm.prob("a", []) == pytest.approx(3 / 6)         # (2 + 1) / (2 + 4)
    assert lm.prob("a", ["unseen"]) == pytest.approx(1 / 4)  # no counts: uniform
    unigram = NGramLM(1, smoothing="add-k", k=0.5).fit(CORPUS)
    assert unigram.prob("a", ["b"]) == pytest.approx((3 + 0.5) / (6 + 0.5 * 4))


def test_sentence_logprob_is_the_sum_of_the_chain_rule_factors():
    lm = NGramLM(2, discount=D).fit(CORPUS)
    expected = math.log(lm.prob("a", [])) + math.log(lm.prob("b", ["a"])) + math.log(lm.prob(EOS, ["b"]))
    assert lm.logprob(["a", "b"]) == pytest.approx(expected)
    assert lm.perplexity([["a", "b"]]) == pytest.approx(math.exp(-expected / 3))


@pytest.mark.parametrize("smoothing", ["kneser-ney", "add-k"])
@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_every_conditional_distribution_sums_to_one(order, smoothing, rng):
    words = list("abcdefg")
    corpus = [list(rng.choice(words, size=rng.integers(1, 12))) for _ in range(40)]
    lm = NGramLM(order, smoothing=smoothing).fit(corpus)
    contexts = [[], ["a"], ["a", "b", "c"], corpus[0], ["q", "a"], ["z", "z", "z", "z"]]
    for context in contexts:
        total = sum(lm.prob(w, context) for w in lm.vocab)
        assert total == pytest.approx(1.0, abs=1e-12), (order, smoothing, context)


def test_an_order_n_model_reads_only_the_last_n_minus_1_words(rng):
    words = list("abcde")
    corpus = [list(rng.choice(words, size=20)) for _ in range(50)]
    lm = NGramLM(3).fit(corpus)
    for w in words:
        assert lm.prob(w, ["a", "b", "c", "d"]) == lm.prob(w, ["e", "e", "c", "d"])
        assert lm.prob(w, ["c", "d"]) == lm.prob(w, ["a", "c", "d"])
    # but the last two words do matter: the model is not a unigram
    assert any(lm.prob(w, ["a", "b"]) != lm.prob(w, ["c", "d"]) for w in words)


def test_higher_order_fits_its_training_text_better():
    text = ("the cat sat on the mat . the dog sat on the log . "
            "the cat ate the fish . the dog ate the bone .").split(" . ")
    corpus = [s.split() for s in text]
    ppl = [NGramLM(n).fit(corpus).perplexity(corpus) for n in (1, 2, 3)]
    assert ppl[0] > ppl[1] > ppl[2] > 1


def test_tokenize_keeps_inner_apostrophes_and_splits_punctuation():
    assert tokenize("O'er the hills, Thou art!") == ["o'er", "the", "hills", ",", "thou", "art", "!"]


@pytest.mark.parametrize("kwargs, match", [({"order": 0}, "order"), ({"order": 2.0}, "order"),
                                          ({"order": 2, "smoothing": "good-turing"}, "smoothing"),
                                          ({"order": 2, "discount": 1.5}, "discount"),
                                          ({"order": 2, "smoothing": "add-k", "k": 0}, "k=")])
def test_bad_arguments_are_named_in_the_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NGramLM(**kwargs)


def test_unfitted_model_and_empty_corpus_raise_clear_errors():
    with pytest.raises(RuntimeError, match="fit"):
        NGramLM(2).prob("a", [])
    with pytest.raises(ValueError, match="empty"):
        NGramLM(2).fit([])


def test_auto_discount_is_neys_estimate_per_order():
    """Bigram counts: <s>->a 2, a->b, a->a, a-></s>, b-></s> 1 each: n1 = 4, n2 = 1, so
    d = 4 / (4 + 2) for the bigrams; continuation counts a 2, b 1, </s> 2: d = 1 / (1 + 4)."""
    lm = NGramLM(2, discount="auto").fit(CORPUS)
    assert lm.discounts == pytest.approx([1 / 5, 4 / 6])
    d1, d2 = 1 / 5, 4 / 6
    p_uni_b = (1 - d1) / 5 + d1 * 3 / 5 / 4
    assert lm.prob("b", ["a"]) == pytest.approx((1 - d2) / 3 + d2 * 3 / 3 * p_uni_b)
    assert sum(lm.prob(w, ["a"]) for w in lm.vocab) == pytest.approx(1.0)


def _counted_nats(train, held_out, V, order, k):
    """The add-k n-gram cross-entropy written out with Python dictionaries."""
    grams = Counter(tuple(train[i:i + order]) for i in range(len(train) - order + 1))
    contexts = Counter(tuple(train[i:i + order - 1]) for i in range(len(train) - order + 1))
    logs = [math.log((grams[tuple(held_out[i:i + order])] + k)
                     / (contexts[tuple(held_out[i:i + order - 1])] + k * V))
            for i in range(len(held_out) - order + 1)]
    return -sum(logs) / len(logs)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_stream_ngram_nats_matches_counting_with_dictionaries(order):
    rng = np.random.default_rng(order)
    V = 7
    train = rng.choice(V, size=3000, p=rng.dirichlet(np.ones(V))).tolist()
    held_out = rng.choice(V, size=500).tolist()
    for k in (0.1, 1.0):
        assert stream_ngram_nats(train, held_out, V, order, k) == pytest.approx(
            _counted_nats(train, held_out, V, order, k), rel=1e-12)


def test_stream_ngram_nats_is_ln_v_with_overwhelming_smoothing_and_the_bigram_learns_a_cycle():
    V = 5
    cycle = [0, 1, 2, 3, 4] * 200
    assert stream_ngram_nats(cycle, cycle, V, 1, k=1e9) == pytest.approx(math.log(V))
    assert stream_ngram_nats(cycle, cycle, V, 1, k=1.0) == pytest.approx(math.log(V), rel=1e-6)
    assert stream_ngram_nats(cycle, cycle, V, 2, k=1e-6) < 1e-6   # the next id is determined
    with pytest.raises(ValueError):
        stream_ngram_nats(cycle, [5], V, 1)
