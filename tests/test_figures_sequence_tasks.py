"""Diagrams of the sequence-task chapters: each draws the boxes its figure needs (counted
from the architecture), one arrow per connection, and renders to a PNG."""

import io

import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course_rnn.figures import sequence_tasks as st


def _count(fig, kind):
    return sum(isinstance(p, kind) for p in fig.axes[0].patches)


@pytest.mark.parametrize("T, L", [(3, 2), (4, 3)])
def test_stacked_rnn_has_inputs_states_and_outputs_for_every_layer_and_step(T, L):
    fig = st.stacked_rnn(T=T, L=L)
    assert _count(fig, FancyBboxPatch) == T * (L + 2)            # x_t, L states, y_t per step
    assert _count(fig, FancyArrowPatch) == T * (L + 1) + L * (T - 1)  # upward + recurrent arrows


def test_tagger_has_one_softmax_per_word_and_classifier_one_in_total():
    words = ("a", "b", "c", "d")
    tagger = st.rnn_tagger(words, ("X",) * 4)
    texts = [t.get_text() for t in tagger.axes[0].texts]
    assert texts.count("softmax") == 4
    classifier = st.rnn_classifier(words)
    assert [t.get_text() for t in classifier.axes[0].texts].count("softmax") == 1


def test_bidirectional_diagrams_have_two_state_rows_with_opposite_recurrences():
    T = 4
    fig = st.bidirectional_rnn(("w",) * T)
    assert _count(fig, FancyBboxPatch) == 4 * T  # x, forward h, backward h, output
    # per step: x->f, x->b, f->y, b->y; between steps: one forward and one backward arrow
    assert _count(fig, FancyArrowPatch) == 4 * T + 2 * (T - 1)


@pytest.mark.parametrize("draw", [st.rnn_tagger, st.rnn_classifier, st.stacked_rnn, st.bidirectional_rnn,
                                  st.bidirectional_classifier, st.char_word_embedding])
def test_every_diagram_renders_to_a_png(draw):
    fig = draw()
    assert isinstance(fig, Figure)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=60)
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n" and len(buffer.getvalue()) > 5_000


def test_char_embedding_spells_the_word_one_box_per_character():
    fig = st.char_word_embedding("tags")
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert [label for label in labels if label.startswith("'")] == ["'t'", "'a'", "'g'", "'s'"]
