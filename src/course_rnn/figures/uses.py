"""Diagrams of book/uses.md: the three ways an RNN is used (after Goldberg 2017)."""

from course_rnn.diagrams import Diagram

FEEDBACK = "#1f6fb2"


def _chain(d, x0, T, prefix, inputs, dx=1.1):
    """x_t -> h_t for t = 1..T at horizontal offset x0, with h_{t-1} -> h_t."""
    for t in range(1, T + 1):
        d.node(f"{prefix}x{t}", (x0 + dx * t, 0.5), inputs[t - 1], kind="input", w=0.85, fontsize=9)
        d.node(f"{prefix}h{t}", (x0 + dx * t, 1.6), f"$h_{t}$", w=0.75, fontsize=10)
        d.edge(f"{prefix}x{t}", f"{prefix}h{t}")
        if t > 1:
            d.edge(f"{prefix}h{t - 1}", f"{prefix}h{t}")


def rnn_roles(T=4):
    """Acceptor (one output after the last input), transducer (one output per input) and
    generator (each output fed back as the next input), side by side."""
    width = 3 * (1.1 * T + 1.0) + 0.4
    d = Diagram(width, 3.9, scale=0.75)
    panels = (("acceptor", "a"), ("transducer", "t"), ("generator", "g"))
    for i, (title, p) in enumerate(panels):
        x0 = i * (1.1 * T + 1.0)
        inputs = ["<s>"] + [f"$y_{t}$" for t in range(1, T)] if p == "g" else [f"$x_{t}$" for t in range(1, T + 1)]
        _chain(d, x0, T, p, inputs)
        d.text((x0 + 1.1 * (T + 1) / 2, 3.75), title, fontsize=11, fontweight="bold")
        for t in range(1, T + 1):
            if p == "a" and t < T:
                continue
            label = "class" if p == "a" else f"$y_{t}$"
            d.node(f"{p}y{t}", (x0 + 1.1 * t, 2.8), label, kind="output", w=1.0 if p == "a" else 0.75, fontsize=9)
            d.edge(f"{p}h{t}", f"{p}y{t}")
            if p == "g" and t < T:
                d.edge(f"{p}y{t}", f"{p}x{t + 1}", color=FEEDBACK, ls="--", rad=-0.2, lw=1.1)
    return d.figure
