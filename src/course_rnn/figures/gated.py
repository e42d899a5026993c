r"""Diagrams of the gated units (book/lstm.md, book/gru.md), after Jurafsky & Martin, SLP3
chapter 9, in the course's notation.

- :func:`lstm_unit` (SLP3 Fig. 9.13): one LSTM step; the cell state :math:`c` runs along
  the top, touched only by a product (forget) and a sum (write);
- :func:`gru_unit`: one GRU step, PyTorch's variant (the reset gate scales
  :math:`W_{hn} h_{t-1} + b_{hn}`);
- :func:`four_units` (Fig. 9.14): feed-forward, simple recurrent, LSTM and GRU units, each
  with its inputs below and its outputs to the right, in three rows (a figure no wider than
  one unit, so its labels stay readable at the width of a text column).

Every function returns a matplotlib Figure.  The ``draw_*`` functions draw one unit into a
:class:`~course_rnn.diagrams.Diagram` at horizontal offset ``ox`` with node names prefixed
by ``p``, so units can share a drawing.
"""

from course_rnn.diagrams import Diagram

GATE = dict(kind="gate", w=0.62, h=0.5)
OP = dict(kind="op", w=0.42, h=0.42)
STATE = dict(w=0.85)
WIDTH = {"ff": 2.6, "srn": 3.2, "lstm": 8.2, "gru": 8.2}
#: inches per unit of drawing: a unit 8.2 wide is 5.1 in, so that shown at the width of the
#: book's text column (676 px at a 1280 px window) its smallest labels, 7.5 pt, read at 10 pt
SCALE = 0.62


def draw_feedforward_unit(d, ox=0.0, p="ff:"):
    """x -> a nonlinearity -> h: a unit with no memory."""
    d.node(p + "x", (ox + 1.3, 0.5), "$x$", kind="input", **STATE)
    d.node(p + "g", (ox + 1.3, 2.3), "$g$", **GATE)
    d.node(p + "h", (ox + 1.3, 4.1), "$h$", **STATE)
    d.edge(p + "x", p + "g", "$W x + b$", label_offset=(0.55, 0.0))
    d.edge(p + "g", p + "h")


def draw_simple_rnn_unit(d, ox=0.0, p="srn:"):
    """h_{t-1} and x_t -> tanh -> h_t: the Elman unit."""
    d.node(p + "hp", (ox + 0.55, 2.3), "$h_{t-1}$", ls="--", **STATE)
    d.node(p + "x", (ox + 1.7, 0.5), "$x_t$", kind="input", **STATE)
    d.node(p + "g", (ox + 1.7, 2.3), "tanh", **GATE)
    d.node(p + "h", (ox + 1.7, 4.1), "$h_t$", **STATE)
    d.edge(p + "hp", p + "g")
    d.edge(p + "x", p + "g")
    d.edge(p + "g", p + "h")
    d.text((ox + 2.45, 3.2), "$h_t$ to\nthe next step", fontsize=8, color="#555555")


def draw_lstm_unit(d, ox=0.0, p="lstm:"):
    r"""c_{t-1}, h_{t-1}, x_t -> gates f, i, g, o -> c_t, h_t (rows i|f|g|o of W_ih, W_hh)."""
    def at(x, y):
        return ox + x, y
    d.node(p + "cp", at(0.55, 4.2), "$c_{t-1}$", ls="--", **STATE)
    d.node(p + "hp", at(0.55, 1.05), "$h_{t-1}$", ls="--", **STATE)
    d.node(p + "x", at(3.9, 0.3), "$x_t$", kind="input", **STATE)
    d.node(p + "in", at(3.9, 1.05), "$[h_{t-1}, x_t]$", kind="plain", w=1.5, h=0.45, fontsize=10)
    for name, x, label, role in (("f", 2.2, r"$\sigma$", "forget $f_t$"), ("i", 3.2, r"$\sigma$", "input $i_t$"),
                                 ("g", 4.3, "tanh", "candidate $g_t$"), ("o", 5.5, r"$\sigma$", "output $o_t$")):
        d.node(p + name, at(x, 2.25), label, **GATE)
        d.edge(p + "in", p + name)
        d.text(at(x, 1.78 if name in "fo" else 2.78), role, fontsize=7.5, color="#555555")
    d.node(p + "mf", at(2.2, 4.2), r"$\times$", **OP)
    d.node(p + "mi", at(3.75, 3.35), r"$\times$", **OP)
    d.node(p + "add", at(3.75, 4.2), "$+$", **OP)
    d.node(p + "tc", at(6.4, 3.35), "tanh", **GATE)
    d.node(p + "mo", at(6.4, 2.25), r"$\times$", **OP)
    d.node(p + "c", at(7.6, 4.2), "$c_t$", **STATE)
    d.node(p + "h", at(7.6, 1.05), "$h_t$", **STATE)
    d.edge(p + "hp", p + "in")
    d.edge(p + "x", p + "in")
    d.edge(p + "cp", p + "mf")
    d.edge(p + "f", p + "mf")
    d.edge(p + "mf", p + "add")
    d.edge(p + "i", p + "mi")
    d.edge(p + "g", p + "mi")
    d.edge(p + "mi", p + "add")
    d.edge(p + "add", p + "c")
    d.edge(p + "add", p + "tc", rad=-0.3)
    d.edge(p + "tc", p + "mo")
    d.edge(p + "o", p + "mo")
    d.edge(p + "mo", p + "h")
    d.text(at(5.3, 4.45), r"cell state: $c_t = f_t \odot c_{t-1} + i_t \odot g_t$", fontsize=8, color="#555555")
    d.text(at(7.0, 0.45), r"$h_t = o_t \odot \tanh(c_t)$", fontsize=8, color="#555555")


def draw_gru_unit(d, ox=0.0, p="gru:"):
    r"""h_{t-1}, x_t -> reset r, update z, candidate n -> h_t = (1 - z) n + z h_{t-1}."""
    def at(x, y):
        return ox + x, y
    d.node(p + "hp", at(0.55, 4.2), "$h_{t-1}$", ls="--", **STATE)
    d.node(p + "x", at(2.6, 0.3), "$x_t$", kind="input", **STATE)
    d.node(p + "in", at(2.6, 1.05), "$[h_{t-1}, x_t]$", kind="plain", w=1.5, h=0.45, fontsize=10)
    d.node(p + "r", at(1.9, 2.25), r"$\sigma$", **GATE)
    d.node(p + "z", at(3.3, 2.25), r"$\sigma$", **GATE)
    d.text(at(1.35, 2.75), "reset $r_t$", fontsize=7.5, color="#555555")
    d.text(at(3.85, 2.75), "update $z_t$", fontsize=7.5, color="#555555")
    d.node(p + "mr", at(1.9, 3.35), r"$\times$", **OP)
    d.node(p + "n", at(4.9, 3.35), "tanh", **GATE)
    d.text(at(4.9, 3.85), "candidate $n_t$", fontsize=7.5, color="#555555")
    d.node(p + "one", at(6.0, 2.25), "$1 -$", **OP)
    d.node(p + "mz", at(3.3, 4.2), r"$\times$", **OP)
    d.node(p + "mn", at(6.0, 3.35), r"$\times$", **OP)
    d.node(p + "add", at(6.0, 4.2), "$+$", **OP)
    d.node(p + "h", at(7.6, 4.2), "$h_t$", **STATE)
    d.edge(p + "hp", p + "in", rad=0.25)
    d.edge(p + "x", p + "in")
    d.edge(p + "in", p + "r")
    d.edge(p + "in", p + "z")
    d.edge(p + "r", p + "mr")
    d.edge(p + "hp", p + "mr", "$W_{hn} h_{t-1}$", label_offset=(0.35, 0.1), fontsize=7.5)
    d.edge(p + "mr", p + "n")
    d.edge(p + "x", p + "n", "$W_{in} x_t$", rad=0.3, label_at=0.5, label_offset=(0.75, -0.1), fontsize=7.5)
    d.edge(p + "hp", p + "mz")
    d.edge(p + "z", p + "mz")
    d.edge(p + "z", p + "one")
    d.edge(p + "one", p + "mn")
    d.edge(p + "n", p + "mn")
    d.edge(p + "mz", p + "add")
    d.edge(p + "mn", p + "add")
    d.edge(p + "add", p + "h")
    d.text(at(6.2, 1.3), "$h_t = (1 - z_t) \\odot n_t$\n$\\qquad + z_t \\odot h_{t-1}$", fontsize=8, color="#555555")


def lstm_unit():
    """One LSTM step (after SLP3 Fig. 9.13)."""
    d = Diagram(WIDTH["lstm"], 4.8, scale=SCALE)
    draw_lstm_unit(d)
    return d.figure


def gru_unit():
    """One GRU step, PyTorch's variant."""
    d = Diagram(WIDTH["gru"], 4.8, scale=SCALE)
    draw_gru_unit(d)
    return d.figure


class _Raised:
    """A :class:`~course_rnn.diagrams.Diagram` seen ``dy`` higher: ``node`` and ``text``
    positions are shifted up, edges join the nodes wherever they are."""

    def __init__(self, d, dy):
        self.d, self.dy = d, dy

    def node(self, name, xy, *args, **kwargs):
        return self.d.node(name, (xy[0], xy[1] + self.dy), *args, **kwargs)

    def text(self, xy, *args, **kwargs):
        return self.d.text((xy[0], xy[1] + self.dy), *args, **kwargs)

    def edge(self, *args, **kwargs):
        return self.d.edge(*args, **kwargs)


def four_units():
    """Feed-forward, simple RNN, LSTM and GRU units (after SLP3 Fig. 9.14), in three rows so
    that the figure is no wider than one unit and its labels stay readable in a text column:
    (a) and (b) side by side, then (c), then (d)."""
    rows = ((("ff", draw_feedforward_unit, "(a) feed-forward"),
             ("srn", draw_simple_rnn_unit, "(b) simple RNN")),
            (("lstm", draw_lstm_unit, "(c) LSTM"),),
            (("gru", draw_gru_unit, "(d) GRU"),))
    row_height = 5.5
    d = Diagram(max(WIDTH.values()), row_height * len(rows), scale=SCALE)
    for k, row in enumerate(rows):
        raised, ox = _Raised(d, row_height * (len(rows) - 1 - k)), 0.0
        for key, draw, title in row:
            draw(raised, ox, key + ":")
            raised.text((ox + WIDTH[key] / 2, 5.15), title, fontsize=11)
            ox += WIDTH[key] + 0.6
    return d.figure
