"""Diagram of book/generation.md, after SLP3 Fig. 9.7 (Jurafsky & Martin), in the course's
notation: autoregressive generation with an RNN language model."""

from course_rnn.diagrams import Diagram

FEEDBACK = "#1f6fb2"  # colour of the sampled token going back in as the next input


def autoregressive_generation(words=("<s>", "To", "be", "or", "not")):
    """Generation step by step: the first input is the start symbol; at each step the RNN
    state h_t gives a softmax over the vocabulary, one word is sampled from it, and that word
    is the next step's input (dashed arrows).  ``words``: the start symbol, then the words
    sampled at each step."""
    if len(words) < 3:
        raise ValueError(f"words={words!r} needs the start symbol and at least two sampled words")
    T = len(words) - 1
    dx = 2.0
    d = Diagram(dx * T + 1.2, 5.4, scale=0.8)
    for t in range(1, T + 1):
        x = dx * (t - 1) + 1.6
        d.node(f"in{t}", (x, 0.4), words[t - 1], kind="input", w=1.0, fontsize=10)
        d.node(f"e{t}", (x, 1.4), f"$E\\,x_{t}$", kind="plain", w=0.8)
        d.node(f"h{t}", (x, 2.4), f"$h_{t}$", w=0.8)
        d.node(f"p{t}", (x, 3.4), "softmax", kind="output", w=1.1, fontsize=9)
        d.node(f"out{t}", (x, 4.6), words[t], kind="input", w=1.0, fontsize=10)
    d.node("h0", (0.45, 2.4), "$h_0$", w=0.6)
    for t in range(1, T + 1):
        d.edge(f"in{t}", f"e{t}")
        d.edge(f"e{t}", f"h{t}")
        d.edge(f"h{t}", f"p{t}")
        d.edge(f"p{t}", f"out{t}", "sample", label_offset=(0.45, 0.0), fontsize=8)
        d.edge(f"h{t - 1}", f"h{t}")
        if t < T:
            d.edge(f"out{t}", f"in{t + 1}", color=FEEDBACK, ls="--", rad=-0.15, lw=1.2)
    d.text((dx * T / 2 + 0.9, -0.15), "dashed: the sampled word is the next input", fontsize=8,
           color=FEEDBACK)
    return d.figure
