r"""Network diagrams drawn at build time: boxes for layers or vectors, arrows for weights.

The book's architecture figures (an RNN unrolled in time, BPTT, stacked and bidirectional
networks, LSTM and GRU units) are drawn by code with these few primitives, so that every
figure is made when the book is built and nothing is copied from a textbook::

    d = Diagram(width=6, height=3)
    for t in range(3):
        d.node(f"x{t}", (1 + 2 * t, 0.5), f"$x_{t + 1}$", kind="input")
        d.node(f"h{t}", (1 + 2 * t, 1.5), f"$h_{t + 1}$")
        d.edge(f"x{t}", f"h{t}", "$W_{ih}$")
        if t:
            d.edge(f"h{t - 1}", f"h{t}", "$W_{hh}$")
    fig = d.figure

Coordinates are in data units of an equal-aspect Axes without frame; a node is a rounded
box centred on its position, and an edge runs from the border of one box to the border of
the other.
"""

import io

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

#: fill colours by role, shared by every diagram of the book
COLOURS = {
    "input": "#dbe9f6",   # x_t, tokens
    "hidden": "#fde3c8",  # h_t, c_t
    "output": "#d9f0d3",  # y_t, softmax
    "loss": "#f4cccc",    # L, errors flowing back
    "gate": "#e6dcf2",    # sigma and tanh units inside LSTM/GRU cells
    "op": "#ffffff",      # elementwise operations (+, x)
    "plain": "#f2f2f2",   # anything else
}


#: the widest drawing, in inches (96 px per inch fill the book's 676 px column)
MAX_INCHES = 7.0
#: the smallest text, in points, as the book shows a drawing (scaled to its column's width)
MIN_POINTS = 10.0


class DiagramFigure(Figure):
    """A Figure that displays itself as a PNG in Jupyter (and in the executed book) even
    when pyplot was never imported, so no inline backend is there to render it."""

    def _repr_png_(self):
        buffer = io.BytesIO()
        # 150 dpi: sharp when the book shows the drawing at the full width of its column
        self.savefig(buffer, format="png", dpi=150)
        return buffer.getvalue()


class Diagram:
    """A drawing of named boxes joined by arrows; ``figure`` is the matplotlib Figure."""

    def __init__(self, width, height, scale=1.0, title=None):
        # at most MAX_INCHES wide: the book shows a drawing at the width of its text column
        # (676 px at a 1280 px window), where a wider one would shrink its labels below their size
        scale = min(scale, MAX_INCHES / width)
        self.figure = DiagramFigure(figsize=(width * scale, height * scale), layout="constrained")
        self.ax = self.figure.add_subplot()
        self.ax.set_xlim(0, width)
        self.ax.set_ylim(0, height)
        self.ax.set_aspect("equal")
        self.ax.axis("off")
        if title:
            self.ax.set_title(title)
        self.boxes = {}

    def node(self, name, xy, label, kind="hidden", w=0.9, h=0.55, fontsize=11, **style):
        """A box called ``name`` centred at ``xy`` showing ``label`` (mathtext allowed).

        ``kind`` picks the fill colour from :data:`COLOURS`; ``style`` is passed on to the
        patch (for example ``ls="--"`` for a box that is not computed).
        """
        if kind not in COLOURS:
            raise ValueError(f"kind={kind!r} is not one of {sorted(COLOURS)}")
        x, y = xy
        box = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                             fc=COLOURS[kind], ec=style.pop("ec", "#333333"), lw=style.pop("lw", 1.2),
                             **style)
        self.ax.add_patch(box)
        self.ax.text(x, y, label, ha="center", va="center", fontsize=self.points(fontsize))
        self.boxes[name] = box
        return box

    def _box(self, name):
        if name not in self.boxes:
            raise KeyError(f"no node called {name!r}; draw it with node() first "
                           f"(nodes so far: {', '.join(self.boxes) or 'none'})")
        return self.boxes[name]

    @staticmethod
    def _centre(box):
        return box.get_x() + box.get_width() / 2, box.get_y() + box.get_height() / 2

    def edge(self, a, b, label=None, color="#333333", rad=0.0, ls="-", lw=1.3, label_at=0.5,
             label_offset=(0.0, 0.12), fontsize=9):
        """An arrow from node ``a`` to node ``b`` (``rad`` bends it), with an optional label
        placed at ``label_at`` of the way, shifted by ``label_offset``."""
        box_a, box_b = self._box(a), self._box(b)
        arrow = FancyArrowPatch(self._centre(box_a), self._centre(box_b), patchA=box_a, patchB=box_b,
                                arrowstyle="-|>", mutation_scale=12, color=color, lw=lw, ls=ls,
                                connectionstyle=f"arc3,rad={rad}", shrinkA=1, shrinkB=1)
        self.ax.add_patch(arrow)
        if label:
            (xa, ya), (xb, yb) = self._centre(box_a), self._centre(box_b)
            x = xa + label_at * (xb - xa) + label_offset[0]
            y = ya + label_at * (yb - ya) + label_offset[1]
            self.ax.text(x, y, label, ha="center", va="center", fontsize=self.points(fontsize), color=color)
        return arrow

    def loop(self, name, label=None, side="right", color="#333333", fontsize=9):
        """A recurrent arrow from a node back into itself, drawn on ``side`` (right or top)."""
        box = self._box(name)
        x, y = self._centre(box)
        w, h = box.get_width(), box.get_height()
        if side == "right":
            start, end, text_at = (x + w / 2, y - h / 4), (x + w / 2, y + h / 4), (x + w / 2 + 0.45, y)
        elif side == "top":
            start, end, text_at = (x + w / 4, y + h / 2), (x - w / 4, y + h / 2), (x, y + h / 2 + 0.4)
        else:
            raise ValueError(f"side={side!r} must be 'right' or 'top'")
        arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color, lw=1.3,
                                connectionstyle="arc3,rad=1.6")
        self.ax.add_patch(arrow)
        if label:
            self.ax.text(*text_at, label, ha="center", va="center", fontsize=self.points(fontsize), color=color)
        return arrow

    def text(self, xy, s, **kwargs):
        """Free text at ``xy`` (centred), for captions inside the drawing."""
        kwargs.setdefault("ha", "center")
        kwargs.setdefault("va", "center")
        kwargs["fontsize"] = self.points(kwargs.get("fontsize", 10))
        return self.ax.text(*xy, s, **kwargs)

    def points(self, size):
        """``size`` in points, raised so that the book, which shows the drawing at the width
        of its column (``MAX_INCHES``), shows it at ``MIN_POINTS`` or more."""
        return max(float(size), MIN_POINTS * self.figure.get_figwidth() / MAX_INCHES)
