"""Probing hidden units against np.corrcoef, and the line positions against counting by hand."""

import numpy as np
import pytest

from course_rnn.units import best_unit, in_speaker_name, position_in_line, unit_correlations


def test_position_in_line_counts_the_characters_before_each_one_on_its_line():
    text = "ab\ncde\n\nf"
    by_hand = [0, 1, 2, 0, 1, 2, 3, 0, 0]   # each newline sits at the end of its own line
    assert position_in_line(text).tolist() == by_hand


def test_unit_correlations_match_numpy_corrcoef_and_a_constant_unit_scores_zero():
    rng = np.random.default_rng(0)
    signal = rng.normal(size=200)
    hs = rng.normal(size=(200, 5)) + np.outer(signal, [0, 2, -1, 0, 0.5])
    hs[:, 3] = 0.7                                                     # never changes
    expected = [np.corrcoef(hs[:, j], signal)[0, 1] for j in (0, 1, 2, 4)]
    r = unit_correlations(hs, signal)
    assert r[[0, 1, 2, 4]] == pytest.approx(expected, abs=1e-12)
    assert r[3] == 0


def test_best_unit_finds_the_planted_unit_whichever_its_sign():
    rng = np.random.default_rng(1)
    signal = rng.normal(size=500)
    hs = rng.normal(size=(500, 8))
    hs[:, 6] = -np.tanh(signal) + 0.1 * rng.normal(size=500)
    unit, r = best_unit(hs, signal)
    assert unit == 6 and r < -0.9
    with pytest.raises(ValueError):
        unit_correlations(hs, signal[:-1])


def test_in_speaker_name_marks_lines_ending_in_a_colon_after_an_empty_line():
    text = "ROMEO:\nI will:\n\nFirst Citizen:\nno"
    by_hand = [1.0] * 7 + [0.0] * 8 + [0.0] + [1.0] * 15 + [0.0] * 2
    assert in_speaker_name(text).tolist() == by_hand
