"""The diagrams of the foundations chapters show what their captions say: every node of the
figure they redraw, and in the BPTT figure one backward arrow per forward dependency."""

import matplotlib.colors as mcolors
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from course_rnn.figures.foundations import BACKWARD, bptt_flow, srn_as_feedforward, unrolled_rnn


def _texts(fig):
    return {t.get_text() for t in fig.axes[0].texts}


def _arrows(fig, colour=None):
    arrows = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]
    if colour is not None:
        arrows = [a for a in arrows if mcolors.same_color(a.get_edgecolor(), colour)]
    return arrows


def test_srn_step_has_input_hidden_previous_hidden_and_output_with_the_three_weights():
    fig = srn_as_feedforward()
    assert isinstance(fig, Figure)
    texts = _texts(fig)
    assert {"$x_t$", "$h_t$", "$h_{t-1}$", "$\\hat y_t$"} <= texts
    assert {"$W$  ($W_{ih}$)", "$U$  ($W_{hh}$)", "$V$  ($W_{ho}$)"} <= texts
    assert len(_arrows(fig)) == 3


@pytest.mark.parametrize("T", [2, 3, 5])
def test_unrolled_network_has_T_columns_and_shared_weight_labels(T):
    fig = unrolled_rnn(T)
    texts = _texts(fig)
    for t in range(1, T + 1):
        assert {f"$x_{t}$", f"$h_{t}$", f"$\\hat y_{t}$", f"$L_{t}$"} <= texts
    assert "$h_0$" in texts
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels.count("$U$") == T and labels.count("$W$") == T and labels.count("$V$") == T
    assert len(_arrows(fig)) == 4 * T   # x->h, h_prev->h, h->y, y->L per step


@pytest.mark.parametrize("T", [2, 3, 4])
def test_bptt_figure_sends_one_error_back_along_every_forward_edge_but_the_input(T):
    fig = bptt_flow(T)
    assert len(_arrows(fig, BACKWARD)) == 3 * T       # L->y, y->h, h->h_prev per step
    plus = [t for t in fig.axes[0].texts if t.get_text() == "+"]
    assert len(plus) == T - 1                          # h_T receives only its own error
