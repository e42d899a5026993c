"""The diagram primitives: arrows start and end on the borders of the boxes they join."""

import numpy as np
import pytest
from matplotlib.path import Path

from course_rnn.diagrams import Diagram


def test_edge_runs_from_border_to_border_not_centre_to_centre():
    d = Diagram(4, 2)
    d.node("x", (1, 1), "$x$", kind="input", w=1.0, h=0.6)
    d.node("h", (3, 1), "$h$", w=1.0, h=0.6)
    arrow = d.edge("x", "h", "$W$")
    d.figure.canvas.draw()
    path = arrow.get_path()  # data units: the shaft, then the head
    data = path.vertices[path.codes != Path.CLOSEPOLY]
    xs = data[:, 0]
    assert xs.min() >= 1.5 - 0.05, "the arrow starts inside the first box"
    assert xs.max() <= 2.5 + 0.05, "the arrow ends inside the second box"
    assert np.allclose(data[:, 1], 1.0, atol=0.1), "a straight edge between aligned boxes is horizontal"


def test_unknown_node_names_the_nodes_that_exist():
    d = Diagram(2, 2)
    d.node("h", (1, 1), "$h$")
    with pytest.raises(KeyError, match="no node called 'y'.*nodes so far: h"):
        d.edge("h", "y")


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind='layer'"):
        Diagram(2, 2).node("h", (1, 1), "$h$", kind="layer")


def test_every_label_of_every_drawing_of_the_book_is_at_least_10_pt_as_the_book_shows_it():
    """The book shows a drawing at the width of its column (MAX_INCHES): a label set in
    points on a narrower figure is enlarged with it, one on a figure of that width is not.
    Issue 14: readers found 7-9 pt labels; every text of every drawing is 10 pt or more."""
    from course_rnn.diagrams import MAX_INCHES, MIN_POINTS
    from course_rnn.figures import foundations, gated, generation, sequence_tasks, tree_lstm, uses

    drawings = [foundations.srn_as_feedforward, foundations.unrolled_rnn, foundations.bptt_flow, gated.lstm_unit,
                gated.gru_unit, gated.four_units, generation.autoregressive_generation, sequence_tasks.rnn_tagger,
                sequence_tasks.rnn_classifier, sequence_tasks.stacked_rnn, sequence_tasks.bidirectional_rnn,
                sequence_tasks.bidirectional_classifier, sequence_tasks.char_word_embedding,
                tree_lstm.child_sum_node_figure, uses.rnn_roles]
    small = []
    for draw in drawings:
        fig = draw()
        shown = MAX_INCHES / fig.get_figwidth()
        for text in fig.findobj(lambda artist: hasattr(artist, "get_fontsize") and hasattr(artist, "get_text")):
            if text.get_text().strip() and text.get_fontsize() * shown < MIN_POINTS - 1e-6:
                small.append(f"{draw.__name__}: {text.get_text()[:30]!r} at {text.get_fontsize() * shown:.1f} pt")
    assert MIN_POINTS >= 10 and not small, small
