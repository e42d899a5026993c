"""Elman's prediction experiments: the helpers against hand-made oracles (means, purities and
neighbours computed by hand) and training against what the task makes learnable."""

import numpy as np
import pytest
import torch

from course_rnn.elman_tasks import (NextItemPredictor, cluster_purity, hidden_states, mean_by_item,
                                    nearest_neighbour_agreement, prediction_error, train_next_item)


def test_mean_by_item_averages_the_rows_of_each_id():
    hs = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 4.0], [0.0, 1.0]])
    means = mean_by_item(hs, [0, 1, 0, 1], 3)
    assert np.allclose(means[0], [3.0, 2.0]) and np.allclose(means[1], [1.5, 1.5])
    assert np.all(np.isnan(means[2]))  # item 2 never occurs


def test_cluster_purity_of_two_clean_blobs_is_one_and_of_mixed_labels_is_the_majority():
    vectors = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0], [5.1, 5.0], [5.0, 5.1]])
    assert cluster_purity(vectors, ["a", "a", "a", "b", "b", "b"], 2) == 1.0
    # labels crossing the blobs: each cluster's majority covers 2 of its 3 rows
    assert cluster_purity(vectors, ["a", "a", "b", "b", "b", "a"], 2) == pytest.approx(4 / 6)
    assert cluster_purity(vectors, list("aaabbb"), 1) == pytest.approx(3 / 6)


def test_nearest_neighbour_agreement_by_hand():
    vectors = np.array([[0.0], [1.0], [10.0], [11.5]])
    # neighbours: 0->1, 1->0, 2->3, 3->2
    assert nearest_neighbour_agreement(vectors, list("aabb")) == 1.0
    assert nearest_neighbour_agreement(vectors, list("abab")) == 0.0
    assert nearest_neighbour_agreement(vectors, list("aaab")) == 0.5


def test_prediction_error_is_the_rms_over_bits_of_the_sigmoid_outputs():
    torch.manual_seed(0)
    model = NextItemPredictor(D=3, H=4, V=2)
    x = np.random.default_rng(0).integers(0, 2, size=(6, 3)).astype(float)
    targets = np.array([[0, 1], [1, 1], [0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)
    with torch.no_grad():
        logits, hs = model(torch.tensor(x, dtype=torch.float32)[:, None])
    p = torch.sigmoid(logits[:, 0]).numpy()
    err, squared = prediction_error(model, x, targets)
    assert np.allclose(err, np.sqrt(((p - targets) ** 2).mean(axis=1)), atol=1e-6)
    assert squared.shape == (6, 2)
    assert np.allclose(hidden_states(model, x), hs[:, 0].numpy())


def test_training_learns_a_deterministic_cycle_but_not_a_random_stream():
    """A cycle a b c a b c ... is fully predictable from the last item; a stream of
    independent fair bits is not: the error must fall on the first and stay at ~0.5 on the
    second."""
    cycle = np.tile(np.eye(3), (200, 1))                       # (600, 3) one-hot a b c ...
    model, losses = train_next_item(cycle[:-1], cycle[1:], H=8, passes=150, seed=0)
    err, _ = prediction_error(model, cycle[:-1], cycle[1:])
    assert losses[-1] < 0.1 * losses[0] and err[10:].mean() < 0.1
    coin = np.random.default_rng(1).integers(0, 2, size=(600, 1)).astype(float)
    model, _ = train_next_item(coin[:-1], coin[1:], H=8, passes=150, seed=0)
    err, _ = prediction_error(model, coin[:-1], coin[1:])
    assert err.mean() > 0.45


def test_classes_kind_trains_on_ids_with_cross_entropy():
    ids = np.tile([0, 1, 2], 200)
    x = np.eye(3)[ids]
    model, losses = train_next_item(x[:-1], ids[1:], H=8, kind="classes", passes=100, seed=0)
    assert losses[-1] < 0.1 and losses[0] > 0.8   # from about log 3 to almost 0


@pytest.mark.parametrize("kwargs, match", [({"kind": "words"}, "kind"), ({"streams": 500}, "streams")])
def test_bad_arguments_are_named(kwargs, match):
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match=match):
        train_next_item(x, x, H=2, **kwargs)


def test_progress_bar_prints_a_few_lines_ending_at_the_total(capsys):
    x = np.tile(np.eye(2), (20, 1))
    train_next_item(x[:-1], x[1:], H=2, passes=50, streams=2, progress="demo")
    out = capsys.readouterr().out
    assert "demo" in out and "50/50" in out
    assert out.count("demo") <= 8, "the bar redraws in blocks, not at every pass"
    train_next_item(x[:-1], x[1:], H=2, passes=5, streams=2)
    assert capsys.readouterr().out == ""
