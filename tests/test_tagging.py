"""Tagging glue: batches hold the right ids in the right places, predictions are the argmax
of the model's logits at real tokens, and the confusion matrix counts by hand."""

import numpy as np
import pytest
import torch

from course_rnn.tagging import confusion_matrix, predict_tags, tagging_batches

TAGSET = ("A", "B", "C")
SENTENCES = [(["x", "y"], ["A", "B"]), (["y"], ["C"]), (["x", "x", "y"], ["B", "B", "A"])]
IDS = {"x": 1, "y": 2}


def encode(words):
    return [IDS[w] for w in words]


def test_batches_are_time_major_with_lengths_and_tag_ids():
    batches = tagging_batches(SENTENCES, encode, batch_size=2, tagset=TAGSET)
    assert len(batches) == 2
    tokens, lengths, tags = batches[0]
    assert tokens.tolist() == [[1, 2], [2, 0]] and lengths.tolist() == [2, 1]
    assert tags[:, 0].tolist() == [0, 1] and tags[0, 1] == 2
    with pytest.raises(ValueError, match="tagset"):
        tagging_batches([(["x"], ["Z"])], encode, tagset=TAGSET)


class FixedTagger(torch.nn.Module):
    """Tags word id w with tag (w + position) mod 3, whatever the padding holds."""

    def forward(self, tokens, lengths):
        T, B = tokens.shape
        k = (tokens + torch.arange(T)[:, None]) % 3
        return torch.nn.functional.one_hot(k, 3).float()


def test_predict_tags_returns_the_argmax_at_real_tokens_only():
    predicted = predict_tags(FixedTagger(), SENTENCES, encode, tagset=TAGSET, batch_size=2)
    expected = [[TAGSET[(IDS[w] + t) % 3] for t, w in enumerate(words)] for words, _ in SENTENCES]
    assert predicted == expected


def test_confusion_matrix_counts_gold_rows_and_predicted_columns():
    predicted = [["A", "A"], ["C"], ["B", "C", "A"]]
    C = confusion_matrix(SENTENCES, predicted, TAGSET)
    expected = np.zeros((3, 3), dtype=int)
    for (_, tags), guess in zip(SENTENCES, predicted):
        for t, g in zip(tags, guess):
            expected[TAGSET.index(t), TAGSET.index(g)] += 1
    assert (C == expected).all() and C.sum() == 6 and np.trace(C) == 4
