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
