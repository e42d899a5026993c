"""Diagrams of the first chapters (book/elman.md, book/bptt.md), after the figures of
Jurafsky & Martin, SLP3 chapter 9, in the course's notation.

- :func:`srn_as_feedforward` (SLP3 Fig. 9.4): one step of the simple recurrent network
  drawn as a feed-forward network whose hidden layer also reads h_{t-1};
- :func:`unrolled_rnn` (Fig. 9.5): the same network unrolled over T steps, one copy of the
  weights per step;
- :func:`bptt_flow` (Fig. 9.6): the backward pass, errors from every loss flowing back and
  summing at each hidden state.
"""

from course_rnn.diagrams import Diagram

BACKWARD = "#c0392b"  # colour of gradients flowing back


def srn_as_feedforward():
    """One step of the Elman network: x_t -> h_t -> y_t, with h_{t-1} as a second input."""
    d = Diagram(5.2, 4.2, scale=0.85)
    d.node("x", (2.9, 0.5), "$x_t$", kind="input")
    d.node("hp", (0.8, 2.1), "$h_{t-1}$", ls="--")
    d.node("h", (2.9, 2.1), "$h_t$")
    d.node("y", (2.9, 3.6), "$\\hat y_t$", kind="output")
    d.edge("x", "h", "$W$  ($W_{ih}$)", label_offset=(0.75, 0.0))
    d.edge("hp", "h", "$U$  ($W_{hh}$)", label_offset=(0.0, 0.22))
    d.edge("h", "y", "$V$  ($W_{ho}$)", label_offset=(0.75, 0.0))
    d.text((0.8, 1.35), "copied from\nthe last step", fontsize=8, color="#555555")
    d.text((4.5, 2.1), "tanh", fontsize=9, color="#555555")
    d.text((4.5, 3.6), "softmax", fontsize=9, color="#555555")
    return d.figure


def _unrolled(d, T, dx=1.8, x0=2.0):
    """Draw x_t, h_t, y_hat_t, L_t for t = 1..T and h_0, with the forward edges; returns the
    x position of step t."""
    def at(t):
        return x0 + dx * (t - 1)
    d.node("h0", (at(0) + 0.5, 1.6), "$h_0$", w=0.7)
    for t in range(1, T + 1):
        d.node(f"x{t}", (at(t), 0.4), f"$x_{t}$", kind="input", w=0.7)
        d.node(f"h{t}", (at(t), 1.6), f"$h_{t}$", w=0.7)
        d.node(f"y{t}", (at(t), 2.8), f"$\\hat y_{t}$", kind="output", w=0.7)
        d.node(f"L{t}", (at(t), 4.0), f"$L_{t}$", kind="loss", w=0.7)
        d.edge(f"x{t}", f"h{t}", "$W$", label_offset=(0.22, 0.0))
        d.edge(f"h{t - 1}", f"h{t}", "$U$", label_offset=(0.0, 0.16))
        d.edge(f"h{t}", f"y{t}", "$V$", label_offset=(0.22, 0.0))
        d.edge(f"y{t}", f"L{t}", label_offset=(0.22, 0.0))
    return at


def unrolled_rnn(T=3):
    """The network unrolled over T steps: the same W, U, V at every step."""
    d = Diagram(1.8 * T + 1.6, 4.6, scale=0.85)
    _unrolled(d, T)
    return d.figure


def bptt_flow(T=3):
    """Backpropagation through time: each h_t receives the error of its own loss (through
    V) and the error of h_{t+1} (through U), and the two are summed."""
    d = Diagram(1.8 * T + 1.6, 4.6, scale=0.85)
    at = _unrolled(d, T)
    for t in range(1, T + 1):
        d.edge(f"L{t}", f"y{t}", color=BACKWARD, rad=0.45, ls="--", lw=1.2)
        d.edge(f"y{t}", f"h{t}", color=BACKWARD, rad=0.45, ls="--", lw=1.2)
        d.edge(f"h{t}", f"h{t - 1}", color=BACKWARD, rad=0.55, ls="--", lw=1.2)
        if t < T:
            d.text((at(t) - 0.47, 2.05), "+", fontsize=14, color=BACKWARD, fontweight="bold")
    d.text((at(1) + 0.9 * (T - 1), -0.05), "dashed: gradients flowing back;  +: two errors summed at $h_t$",
           fontsize=8, color=BACKWARD)
    return d.figure
