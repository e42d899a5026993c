"""Tests of course_rnn.automata: true Reber states by hand, k-means on separated blobs,
and automaton extraction that, fed the true states, gives back the Reber grammar itself
(checked against course_rnn.data.is_reber on grammatical and corrupted strings)."""

import numpy as np
import pytest

from course_rnn.automata import accepts, contingency, extract_automaton, kmeans, purity, reber_states
from course_rnn.data import is_reber, reber_strings
from course_rnn.data.reber import END, REBER


def test_reber_states_by_hand():
    assert reber_states("BTXSE") == [0, 1, 3, 5, END]
    assert reber_states("BPVVEBTSXSE") == [0, 2, 4, 5, END, 0, 1, 1, 3, 5, END]
    with pytest.raises(ValueError, match="position 2"):
        reber_states("BTT")


def test_kmeans_recovers_separated_blobs(rng):
    centres = np.array([[0, 0], [5, 5], [0, 8]])
    truth = rng.integers(0, 3, 300)
    X = centres[truth] + rng.normal(0, 0.3, (300, 2))
    labels, found = kmeans(X, 3, np.random.default_rng(1))
    assert purity(labels, truth) == 1.0 and purity(truth, labels) == 1.0
    assert np.allclose(np.sort(found[:, 0]), [0, 0, 5], atol=0.2)


def test_contingency_counts_pairs():
    table, a, b = contingency([0, 0, 1, 1, 1], ["x", "y", "y", "y", "x"])
    assert a == [0, 1] and b == ["x", "y"]
    assert table.tolist() == [[1, 1], [1, 2]]
    assert purity([0, 0, 1, 1, 1], ["x", "y", "y", "y", "x"]) == pytest.approx(3 / 5)


def test_extraction_from_the_true_states_gives_back_the_grammar(rng):
    stream = "".join(reber_strings(300, rng, embedded=False))
    automaton = extract_automaton(reber_states(stream), stream)
    expected = {(state, symbol): nxt for state, moves in REBER.items() if state != "start"
                for symbol, nxt in moves.items()}
    expected.update({(END, "B"): 0})
    assert automaton == expected


def test_extracted_automaton_accepts_exactly_the_grammatical_strings(rng):
    stream = "".join(reber_strings(300, rng, embedded=False))
    automaton = extract_automaton(reber_states(stream), stream)
    tests = reber_strings(50, rng, embedded=False)
    corrupted = []
    for s in tests:
        t = rng.integers(1, len(s) - 1)
        corrupted.append(s[:t] + rng.choice([c for c in "TPSXV" if c != s[t]]) + s[t + 1:])
    for s in tests + corrupted + ["BTSSE", "BPTVVEE", "B", ""]:
        assert accepts(automaton, END, s, final={END}) == is_reber(s, embedded=False), s


def test_rare_transitions_are_left_out():
    # transitions: (0, b) -> 1 twice; (1, a) -> 0 and (1, c) -> 2 once each
    automaton = extract_automaton([0, 1, 0, 1, 2], "ababc", min_count=2)
    assert automaton == {(0, "b"): 1}
    assert len(extract_automaton([0, 1, 0, 1, 2], "ababc", min_count=1)) == 3


def test_bad_inputs_raise(rng):
    with pytest.raises(ValueError, match="N >= k"):
        kmeans(np.zeros((2, 3)), 3, rng)
    with pytest.raises(ValueError, match="same items"):
        contingency([1, 2], [1])
    with pytest.raises(ValueError, match="one entry per symbol"):
        extract_automaton([0, 1], "abc")
