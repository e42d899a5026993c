"""Baselines: the most-frequent-tag tagger, bag of words, naive Bayes, logistic regression,
each against a count or a formula done by hand, or torch autograd."""

import math

import numpy as np
import pytest
import torch

from course_rnn.baselines import (LogisticRegression, MostFrequentTagTagger, NaiveBayes, bag_of_words,
                                  replace_rare_words, tagging_accuracy, word_shape)
from course_rnn.data import WordVocab

TRAIN = [(["the", "dog", "can", "run"], ["DET", "NOUN", "AUX", "VERB"]),
         (["a", "can", "of", "beans"], ["DET", "NOUN", "ADP", "NOUN"]),
         (["they", "can", "swim", "in", "Oslo"], ["PRON", "AUX", "VERB", "ADP", "PROPN"]),
         (["Bob", "ran", "3", "km"], ["PROPN", "VERB", "NUM", "NOUN"])]


def test_word_shape_classes():
    assert [word_shape(w) for w in ("Oslo", "dog", "3rd", "--", "iPhone")] == [
        "capitalised", "lower", "number", "punct", "lower"]


def test_most_frequent_tag_picks_the_majority_tag_of_a_known_word():
    tagger = MostFrequentTagTagger(TRAIN)
    assert tagger.predict(["can", "the", "beans"]) == ["AUX", "DET", "NOUN"]  # "can": AUX 2, NOUN 1
    assert tagger.known("can") and not tagger.known("Paris")


def test_unknown_words_get_the_tag_of_rare_training_words_of_their_shape():
    tagger = MostFrequentTagTagger(TRAIN)
    # seen once: capitalised Oslo, Bob -> PROPN; number 3 -> NUM; lower-case: dog, run, a,
    # of, beans, they, swim, in, ran, km -> NOUN 3 (dog, beans, km), VERB 3 (run, swim, ran):
    # a tie, broken alphabetically
    assert tagger.predict(["Paris", "42", "zebra"]) == ["PROPN", "NUM", "NOUN"]


def test_tagging_accuracy_splits_known_and_unknown_tokens():
    gold = [(["a", "b", "c", "d"], ["X", "Y", "X", "Y"])]
    result = tagging_accuracy(gold, [["X", "X", "X", "X"]], known=lambda w: w in {"a", "b"})
    assert result == {"accuracy": 0.5, "known_accuracy": 0.5, "unknown_accuracy": 0.5, "unknown_rate": 0.5}
    with pytest.raises(ValueError, match="predicted"):
        tagging_accuracy(gold, [], known=None)


def test_replace_rare_words_uses_the_shape_token():
    assert replace_rare_words([["the", "Zanzibar", "1984", "cat"]], {"the", "cat"}) == [
        ["the", "<unk-capitalised>", "<unk-number>", "cat"]]


def test_bag_of_words_counts_each_word_and_binary_clips_at_one():
    vocab = WordVocab([["good", "bad", "film"]])
    X = bag_of_words([["good", "good", "film"], ["bad", "unseen"]], vocab)
    dense = X.toarray()
    assert dense.shape == (2, len(vocab))
    assert dense[0, vocab.stoi["good"]] == 2 and dense[0, vocab.stoi["film"]] == 1
    assert dense[1, vocab.unk_id] == 1 and dense.sum() == 5
    assert bag_of_words([["good", "good"]], vocab, binary=True).toarray().max() == 1


def test_naive_bayes_matches_the_formula_computed_by_hand():
    X = np.array([[2, 0, 1], [0, 1, 1], [1, 0, 0]], dtype=float)
    y = np.array([1, 0, 1])
    nb = NaiveBayes(alpha=1.0).fit(X, y)
    # class 1 counts: [3, 0, 1] (total 4), class 0: [0, 1, 1] (total 2); V = 3
    theta1 = np.array([4, 1, 2]) / 7
    theta0 = np.array([1, 2, 2]) / 5
    x = np.array([[1.0, 1.0, 2.0]])
    expected = [math.log(1 / 3) + np.dot(x[0], np.log(theta0)), math.log(2 / 3) + np.dot(x[0], np.log(theta1))]
    np.testing.assert_allclose(nb.scores(x)[0], expected, rtol=1e-12)


def test_logistic_regression_gradient_matches_torch_autograd(rng):
    X = rng.poisson(0.5, size=(20, 7)).astype(float)
    y = rng.integers(0, 3, size=20)
    model = LogisticRegression(l2=0.1)
    model.W, model.b = rng.standard_normal((3, 7)), rng.standard_normal(3)
    W = torch.tensor(model.W, requires_grad=True)
    b = torch.tensor(model.b, requires_grad=True)
    loss = (torch.nn.functional.cross_entropy(torch.from_numpy(X) @ W.T + b, torch.from_numpy(y))
            + 0.05 * (W ** 2).sum())
    loss.backward()
    dW, db = model.gradients(X, y)
    assert model.loss(X, y) == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(dW, W.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(db, b.grad.numpy(), rtol=1e-10)


def test_logistic_regression_reaches_the_minimum_and_separates_separable_data(rng):
    X = np.abs(rng.standard_normal((60, 5)))
    y = (X[:, 0] > X[:, 1]).astype(int)
    model = LogisticRegression(l2=1e-2).fit(X, y)
    dW, db = model.gradients(X, y)
    assert np.abs(dW).max() < 1e-4 and np.abs(db).max() < 1e-4  # convex: zero gradient = the minimum
    assert (model.predict(X) == y).mean() > 0.9


def test_logistic_regression_started_from_another_l2_reaches_the_same_minimum(rng):
    X = np.abs(rng.standard_normal((80, 6)))
    y = (X[:, 0] + 0.3 * rng.standard_normal(80) > X[:, 1]).astype(int)
    cold = LogisticRegression(l2=1e-3).fit(X, y)
    warm = LogisticRegression(l2=1e-3).fit(X, y, start=LogisticRegression(l2=1e-2).fit(X, y))
    assert warm.loss(X, y) == pytest.approx(cold.loss(X, y), rel=1e-6)  # convex: one minimum
    dW, db = warm.gradients(X, y)
    assert np.abs(dW).max() < 1e-4 and np.abs(db).max() < 1e-4
    with pytest.raises(ValueError, match="weights"):
        LogisticRegression().fit(X[:, :3], y, start=cold)


def test_bad_labels_are_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="labels"):
        NaiveBayes().fit(np.ones((3, 2)), np.array([0.5, 1, 0]))
