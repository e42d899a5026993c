"""The tagging experiments: rare words share their shape's id, per-tag accuracy counts by
hand, equal-parameter hidden sizes solve the LSTM's parameter formula, and a bidirectional
tagger learns a tag that only the next word decides, where a left-to-right one cannot."""

import math

import numpy as np
import torch

from course_rnn.data import UPOS_TAGS
from course_rnn.experiments.sequence_tasks import count_parameters
from course_rnn.experiments.taggers import (hidden_size_for_parameters, make_tagger, per_tag_accuracy,
                                            shape_encoder, tagger_runs)


def test_rare_and_unseen_words_of_one_shape_share_an_id_and_frequent_words_keep_theirs():
    train = [(["the", "Zanzibar", "the", "9", "x"], ["DET", "PROPN", "DET", "NUM", "X"])]
    _, encode, frequent = shape_encoder(train, min_count=2)
    assert frequent == {"the"}
    the, zanzibar, nine = encode(["the", "Zanzibar", "9"])
    assert encode(["Kowalczyk", "2027", "the"]) == [zanzibar, nine, the]
    assert len({the, zanzibar, nine}) == 3


def test_per_tag_accuracy_is_right_over_total_for_each_gold_tag():
    gold = [(["a", "b", "c"], ["NOUN", "NOUN", "VERB"]), (["d"], ["NOUN"])]
    predicted = [["NOUN", "VERB", "VERB"], ["ADJ"]]
    accuracy = per_tag_accuracy(gold, predicted)
    assert accuracy[UPOS_TAGS.index("NOUN")] == 1 / 3
    assert accuracy[UPOS_TAGS.index("VERB")] == 1.0
    assert math.isnan(accuracy[UPOS_TAGS.index("ADJ")])


def test_equal_parameter_hidden_size_solves_the_lstm_parameter_count():
    E, H = 64, 64
    two_layers = count_parameters(torch.nn.LSTM(E, H, num_layers=2))
    # torch.nn.LSTM: per layer 4H (D + H) weights and 2 * 4H biases
    assert two_layers == 4 * H * (E + H) + 8 * H + 4 * H * (H + H) + 8 * H
    found = hidden_size_for_parameters(two_layers, lambda h: count_parameters(torch.nn.LSTM(E, h)))
    root = (-(4 * E + 8) + math.sqrt((4 * E + 8) ** 2 + 16 * two_layers)) / 8  # 4h^2 + (4E + 8)h = target
    assert found in (math.floor(root), math.ceil(root))
    formula = lambda h: 4 * h * h + (4 * E + 8) * h
    assert abs(formula(found) - two_layers) <= min(abs(formula(h) - two_layers) for h in (found - 1, found + 1))
    model = make_tagger(100, "lstm", num_layers=1, hidden_size=found)
    assert count_parameters(model.rnn) == formula(found)


def test_only_the_bidirectional_tagger_learns_a_tag_set_by_the_next_word():
    rng = np.random.default_rng(0)
    letters = list("abcdef")
    classes = ("NOUN", "VERB", "ADJ")

    def sentences(n):
        out = []
        for _ in range(n):
            words = [letters[i] for i in rng.integers(0, len(letters), 8)]
            tags = [classes[letters.index(w) % 3] for w in words[1:]] + ["PUNCT"]
            out.append((words, tags))
        return out

    train, validation, test = sentences(300), sentences(50), sentences(100)
    results = tagger_runs(train, validation, test, {"uni": {"cell": "lstm", "hidden_size": 16},
                                                    "bi": {"cell": "lstm", "bidirectional": True,
                                                           "hidden_size": 16}},
                          seeds=(0,), batch_size=16, lr=3e-2, max_epochs=6)
    # the next word is uniform over 3 classes: from the left alone, at most 1/3 + the PUNCT at the end
    assert results["uni"]["accuracy"][0] < 1 / 3 * 7 / 8 + 1 / 8 + 0.05
    assert results["bi"]["accuracy"][0] > 0.95


def test_the_learning_rate_is_chosen_per_model_on_the_first_seeds_validation_loss():
    rng = np.random.default_rng(1)
    words = list("abcdef")

    def sentences(n):
        out = []
        for _ in range(n):
            sentence = [words[i] for i in rng.integers(0, len(words), 6)]
            out.append((sentence, ["NOUN" if w in "abc" else "VERB" for w in sentence]))
        return out

    train, validation, test = sentences(120), sentences(30), sentences(30)
    config = {"lstm": {"cell": "lstm", "hidden_size": 8}}
    rates = (1e-4, 3e-2)
    chosen = tagger_runs(train, validation, test, config, seeds=(0, 1), batch_size=16, max_epochs=2, lrs=rates)
    losses = chosen["lstm"]["lr_val_loss"]
    assert sorted(losses) == sorted(rates)
    assert chosen["lstm"]["lr"] == min(losses, key=losses.get) == 3e-2  # 1e-4 barely moves in 2 epochs
    # the first seed's run at the chosen rate is the one kept: the same as training at that rate alone
    alone = tagger_runs(train, validation, test, config, seeds=(0, 1), batch_size=16, max_epochs=2, lr=3e-2)
    np.testing.assert_array_equal(chosen["lstm"]["accuracy"], alone["lstm"]["accuracy"])
    np.testing.assert_array_equal(chosen["lstm"]["confusion"], alone["lstm"]["confusion"])
