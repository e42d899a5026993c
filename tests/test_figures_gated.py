"""Tests of the gated-unit diagrams (book/lstm.md, book/gru.md): the states, gates and
operations the equations name are all drawn, and the figures render."""

import io

from matplotlib.patches import FancyBboxPatch

from course_rnn.figures.gated import four_units, gru_unit, lstm_unit


def _texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def _boxes(fig):
    return [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]


def _renders(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n" and len(buffer.getvalue()) > 10_000


def test_lstm_unit_draws_three_sigmoid_gates_two_tanh_and_both_states():
    fig = lstm_unit()
    texts = _texts(fig)
    assert texts.count(r"$\sigma$") == 3                      # i, f, o
    assert texts.count("tanh") == 2                           # candidate g and tanh(c_t)
    for state in ("$c_{t-1}$", "$h_{t-1}$", "$x_t$", "$c_t$", "$h_t$"):
        assert state in texts
    assert texts.count(r"$\times$") == 3 and texts.count("$+$") == 1
    assert _renders(fig)


def test_gru_unit_draws_two_sigmoid_gates_one_tanh_and_no_cell_state():
    fig = gru_unit()
    texts = _texts(fig)
    assert texts.count(r"$\sigma$") == 2                      # r, z
    assert texts.count("tanh") == 1                           # candidate n
    assert not any("c_" in t for t in texts)
    assert "$1 -$" in texts and "$h_t$" in texts
    assert _renders(fig)


def test_four_units_has_four_titled_panels_and_every_units_boxes():
    fig = four_units()
    texts = _texts(fig)
    for title in ("(a) feed-forward", "(b) simple RNN", "(c) LSTM", "(d) GRU"):
        assert title in texts
    # the four units' boxes, each drawn once: 3 + 4 + 17 + 15
    assert len(_boxes(fig)) == len(_boxes(lstm_unit())) + len(_boxes(gru_unit())) + 3 + 4
    assert _renders(fig)
