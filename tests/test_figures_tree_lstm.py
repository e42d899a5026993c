"""The Tree-LSTM chapter's figures: the layout puts every node on the row of its level,
parents above and between their children, leaves left to right; the figures render as PNG
even without pyplot (as they must in the executed book)."""

import numpy as np
import pytest

from course_rnn.figures.tree_lstm import child_sum_node_figure, tree_layout, tree_levels_figure
from course_rnn.trees import parse_tree

TREE = parse_tree("(5 MAX (2 2) (5 MIN (9 9) (5 5) (7 7)) (0 0))")


def test_layout_rows_are_levels_and_parents_sit_above_the_middle_of_their_children():
    forest, xy = tree_layout(TREE)
    assert np.array_equal(xy[:, 1], forest.height)
    leaves = [j for j, kids in enumerate(forest.children) if not kids]
    assert [forest.nodes[j].word for j in leaves] == ["2", "9", "5", "7", "0"]
    assert np.array_equal(xy[leaves, 0], np.arange(5))
    for j, kids in enumerate(forest.children):
        for k in kids:
            assert xy[j, 1] > xy[k, 1]
        if kids:
            assert xy[j, 0] == pytest.approx(xy[kids, 0].mean())


def test_figures_draw_one_box_per_node_and_render_as_png_without_pyplot():
    figure = tree_levels_figure(TREE)
    assert len(figure.axes[0].patches) >= len(TREE) + (len(TREE) - 1)  # boxes + one arrow per edge
    for fig in (figure, child_sum_node_figure(2)):
        png = fig._repr_png_()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000


def test_child_sum_figure_refuses_a_number_of_children_it_cannot_draw():
    with pytest.raises(ValueError, match="K=5"):
        child_sum_node_figure(5)
