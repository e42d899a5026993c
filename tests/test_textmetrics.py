"""Tests of course_rnn.textmetrics against hand counts, and of perplexity against a model
whose probabilities are known in closed form and against torch's cross-entropy."""

import math

import numpy as np
import pytest
import torch

from course_rnn.models import CharLM
from course_rnn.sampling import TorchStepper
from course_rnn.textmetrics import (distinct_n, known_word_rate, ngrams, perplexity, seq_rep_n,
                                   sequence_log_prob)


def test_ngrams_in_order():
    assert ngrams("abcd", 2) == [("a", "b"), ("b", "c"), ("c", "d")]
    assert ngrams([1, 2], 3) == []


def test_distinct_n_counts_over_all_sequences():
    # bigrams: (a b) (b a) (a b) | (a b) (b c): 3 distinct of 5
    assert distinct_n([["a", "b", "a", "b"], ["a", "b", "c"]], 2) == pytest.approx(3 / 5)
    assert distinct_n([list("abcdef")], 1) == 1.0


def test_seq_rep_n_is_zero_without_repeats_and_near_one_in_a_loop():
    assert seq_rep_n(list("abcdefg"), 2) == 0.0
    loop = list("ab" * 50)                     # 99 bigrams, 2 distinct
    assert seq_rep_n(loop, 2) == pytest.approx(1 - 2 / 99)
    words = "the cat and the cat and the dog".split()
    # (the cat and the) (cat and the cat) (and the cat and) (the cat and the) (cat and the dog)
    assert seq_rep_n(words, 4) == pytest.approx(1 - 4 / 5)


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    V = 13
    step = lambda token, state: (np.zeros(V), state)  # noqa: E731
    assert perplexity(step, [0], [3, 1, 4, 1, 5]) == pytest.approx(V)


def test_sequence_log_prob_matches_torch_cross_entropy_of_one_forward_pass():
    torch.manual_seed(0)
    model = CharLM(11, 16).eval()
    prime, tokens = [1, 2, 3], [4, 5, 6, 7, 0]
    logp = sequence_log_prob(TorchStepper(model), prime, tokens)
    ids = torch.tensor(prime + tokens)[:, None]             # (T, 1)
    with torch.no_grad():
        logits, _ = model(ids[:-1])
    expected = -torch.nn.functional.cross_entropy(logits[len(prime) - 1:, 0], ids[len(prime):, 0],
                                                  reduction="none")
    np.testing.assert_allclose(logp, expected.numpy(), rtol=1e-5, atol=1e-6)
    assert perplexity(TorchStepper(model), prime, tokens) == pytest.approx(
        math.exp(-expected.mean().item()), rel=1e-5)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="positive integer"):
        ngrams("abc", 0)
    with pytest.raises(TypeError, match="bare string"):
        distinct_n("abc", 1)
    with pytest.raises(ValueError, match="no 3-grams"):
        distinct_n([["a"], ["b", "c"]], 3)
    with pytest.raises(ValueError, match="empty"):
        perplexity(lambda t, s: (np.zeros(3), s), [0], [])


def test_known_word_rate_counts_words_by_hand():
    known = {"to", "be", "or", "not", "o'er"}
    assert known_word_rate("To be, or nott tobe:\nO'er", known) == pytest.approx(4 / 6)
    assert known_word_rate("...\n!", known) == 0.0
