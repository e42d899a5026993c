"""Tests of the diagrams of book/generation.md and book/uses.md: the boxes and arrows the
captions describe are there."""

import pytest
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course_rnn.figures.generation import autoregressive_generation
from course_rnn.figures.uses import rnn_roles


def _patches(fig, kind):
    return [p for p in fig.axes[0].patches if isinstance(p, kind)]


def test_generation_diagram_feeds_every_sampled_word_back_but_the_last():
    words = ("<s>", "To", "be", "or", "not")
    fig = autoregressive_generation(words)
    T = len(words) - 1
    assert len(_patches(fig, FancyBboxPatch)) == 5 * T + 1   # in, E x, h, softmax, out per step; h0
    dashed = [a for a in _patches(fig, FancyArrowPatch) if a.get_linestyle() == "--"]
    assert len(dashed) == T - 1
    texts = [t.get_text() for t in fig.axes[0].texts]
    for w in words:
        assert w in texts


def test_generation_diagram_needs_a_start_symbol_and_two_words():
    with pytest.raises(ValueError, match="at least two"):
        autoregressive_generation(("<s>", "To"))


def test_roles_diagram_has_one_acceptor_output_and_t_outputs_for_the_others():
    T = 4
    fig = rnn_roles(T)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("class") == 1
    assert {"acceptor", "transducer", "generator"} <= set(texts)
    # 3 panels x (T inputs + T states) + 1 + T + T outputs
    assert len(_patches(fig, FancyBboxPatch)) == 3 * 2 * T + 1 + 2 * T
