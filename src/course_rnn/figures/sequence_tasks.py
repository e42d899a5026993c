"""Diagrams of the sequence-task chapters (book/tagging.md, book/classification.md,
book/stacked_bidirectional.md), after the figures of Jurafsky & Martin, SLP3 chapter 9, in
the course's notation.

- :func:`rnn_tagger` (SLP3 Fig. 9.8): one softmax over the tags at every word;
- :func:`rnn_classifier` (Fig. 9.9): the last hidden state into a feed-forward classifier;
- :func:`stacked_rnn` (Fig. 9.10): the states of one layer are the inputs of the next;
- :func:`bidirectional_rnn` (Fig. 9.11): a forward and a backward layer, states concatenated;
- :func:`bidirectional_classifier` (Fig. 9.12): the final forward state and the final
  backward state (which has read back to the first word) into the classifier;
- :func:`char_word_embedding` (Fig. 9.16): a word's embedding from a character BiLSTM.
"""

from course_rnn.diagrams import Diagram

FORWARD, BACKWARD = "#1f5f99", "#b4540a"  # the two directions of a bidirectional layer
SENTENCE = ("Janet", "will", "back", "the", "bill")
TAGS = ("PROPN", "AUX", "VERB", "DET", "NOUN")


def rnn_tagger(words=SENTENCE, tags=TAGS):
    """Words -> embeddings -> RNN states -> a softmax over the tags at each position."""
    T = len(words)
    d = Diagram(1.7 * T + 0.6, 5.6, scale=0.85)
    for t, (word, tag) in enumerate(zip(words, tags)):
        x = 1.1 + 1.7 * t
        d.text((x, 0.3), word, fontsize=10, style="italic")
        d.node(f"e{t}", (x, 1.1), f"$e_{t + 1}$", kind="input", w=0.8)
        d.node(f"h{t}", (x, 2.4), f"$h_{t + 1}$", w=0.8)
        d.node(f"s{t}", (x, 3.7), "softmax", kind="output", w=1.2, fontsize=9)
        d.text((x, 4.55), tag, fontsize=10, fontweight="bold")
        d.edge(f"e{t}", f"h{t}")
        d.edge(f"h{t}", f"s{t}", "$W$", label_offset=(0.22, 0.0))
        if t:
            d.edge(f"h{t - 1}", f"h{t}")
    d.text((1.7 * T / 2 + 0.3, 5.25), "one distribution over the 17 UPOS tags per word", fontsize=9,
           color="#555555")
    return d.figure


def rnn_classifier(words=("the", "film", "is", "a", "gem")):
    """Only the last state h_T is used: it goes through a feed-forward layer to a softmax."""
    T = len(words)
    d = Diagram(1.6 * T + 2.6, 5.2, scale=0.85)
    for t, word in enumerate(words):
        x = 1.0 + 1.6 * t
        d.text((x, 0.3), word, fontsize=10, style="italic")
        d.node(f"e{t}", (x, 1.1), f"$e_{t + 1}$", kind="input", w=0.8)
        d.node(f"h{t}", (x, 2.4), f"$h_{t + 1}$" if t < T - 1 else "$h_T$", w=0.8)
        d.edge(f"e{t}", f"h{t}")
        if t:
            d.edge(f"h{t - 1}", f"h{t}")
    right = 1.0 + 1.6 * T
    d.node("ff", (right, 2.4), "FFN", kind="plain", w=0.9)
    d.node("soft", (right, 3.7), "softmax", kind="output", w=1.2, fontsize=9)
    d.text((right, 4.55), "positive / negative", fontsize=9, fontweight="bold")
    d.edge(f"h{T - 1}", "ff")
    d.edge("ff", "soft")
    d.text((right - 1.6 * (T - 1) / 2 - 0.8, 3.2), "states before $h_T$ are not read by the classifier",
           fontsize=8, color="#555555")
    return d.figure


def stacked_rnn(T=4, L=3):
    """L layers: h^(l)_t = cell(h^(l-1)_t, h^(l)_{t-1}), with h^(0)_t = x_t; outputs from the top."""
    d = Diagram(1.7 * T + 1.6, 1.25 * L + 2.6, scale=0.85)
    for t in range(T):
        x = 1.5 + 1.7 * t
        d.node(f"x{t}", (x, 0.5), f"$x_{t + 1}$", kind="input", w=0.8)
        for layer in range(1, L + 1):
            y = 0.5 + 1.25 * layer
            d.node(f"h{layer}{t}", (x, y), f"$h^{{({layer})}}_{t + 1}$", w=0.9)
            below = f"x{t}" if layer == 1 else f"h{layer - 1}{t}"
            d.edge(below, f"h{layer}{t}")
            if t:
                d.edge(f"h{layer}{t - 1}", f"h{layer}{t}")
        d.node(f"y{t}", (x, 0.5 + 1.25 * (L + 1)), f"$\\hat y_{t + 1}$", kind="output", w=0.8)
        d.edge(f"h{L}{t}", f"y{t}")
    for layer in range(1, L + 1):
        d.text((0.45, 0.5 + 1.25 * layer), f"layer {layer}", fontsize=8, color="#555555", rotation=90)
    return d.figure


def bidirectional_rnn(words=SENTENCE[:4]):
    """A forward layer reads left to right, a backward layer right to left; y_t reads both."""
    T = len(words)
    d = Diagram(1.9 * T + 1.0, 5.6, scale=0.85)
    for t, word in enumerate(words):
        x = 1.3 + 1.9 * t
        d.text((x, 0.25), word, fontsize=10, style="italic")
        d.node(f"x{t}", (x, 0.9), f"$x_{t + 1}$", kind="input", w=0.8)
        d.node(f"f{t}", (x - 0.45, 2.1), f"$\\overrightarrow{{h}}_{t + 1}$", w=0.75, ec=FORWARD)
        d.node(f"b{t}", (x + 0.45, 3.2), f"$\\overleftarrow{{h}}_{t + 1}$", w=0.75, ec=BACKWARD)
        d.node(f"y{t}", (x, 4.6), f"$[\\overrightarrow{{h}}_{t + 1};\\overleftarrow{{h}}_{t + 1}]$",
               kind="output", w=1.5, fontsize=9)
        d.edge(f"x{t}", f"f{t}", color=FORWARD)
        d.edge(f"x{t}", f"b{t}", color=BACKWARD)
        d.edge(f"f{t}", f"y{t}", color=FORWARD)
        d.edge(f"b{t}", f"y{t}", color=BACKWARD)
    for t in range(1, T):
        d.edge(f"f{t - 1}", f"f{t}", color=FORWARD)
        d.edge(f"b{t}", f"b{t - 1}", color=BACKWARD)
    return d.figure


def bidirectional_classifier(words=("the", "film", "is", "a", "gem")):
    """The forward layer's last state and the backward layer's last state (at the first word)
    are concatenated and classified."""
    T = len(words)
    d = Diagram(1.7 * T + 2.8, 5.0, scale=0.85)
    for t, word in enumerate(words):
        x = 1.0 + 1.7 * t
        d.text((x, 0.25), word, fontsize=10, style="italic")
        d.node(f"x{t}", (x, 0.9), f"$x_{t + 1}$", kind="input", w=0.8)
        d.node(f"f{t}", (x - 0.4, 2.0), f"$\\overrightarrow{{h}}_{t + 1}$", w=0.75, ec=FORWARD)
        d.node(f"b{t}", (x + 0.4, 3.1), f"$\\overleftarrow{{h}}_{t + 1}$", w=0.75, ec=BACKWARD)
        d.edge(f"x{t}", f"f{t}", color=FORWARD)
        d.edge(f"x{t}", f"b{t}", color=BACKWARD)
    for t in range(1, T):
        d.edge(f"f{t - 1}", f"f{t}", color=FORWARD)
        d.edge(f"b{t}", f"b{t - 1}", color=BACKWARD)
    right = 1.0 + 1.7 * T + 0.2
    d.node("cat", (right, 2.55), "$[\\overrightarrow{h}_T ; \\overleftarrow{h}_1]$", kind="plain",
           w=1.4, fontsize=9)
    d.node("soft", (right, 4.1), "FFN + softmax", kind="output", w=2.0, fontsize=9)
    d.edge(f"f{T - 1}", "cat", color=FORWARD)
    d.edge("b0", "cat", color=BACKWARD, rad=-0.25)
    d.edge("cat", "soft")
    return d.figure


def char_word_embedding(word="bill"):
    """Characters of one word -> a character BiLSTM -> [last forward state ; last backward state]."""
    n = len(word)
    d = Diagram(1.5 * n + 3.6, 5.2, scale=0.85)
    for i, ch in enumerate(word):
        x = 1.0 + 1.5 * i
        d.node(f"c{i}", (x, 0.6), f"'{ch}'", kind="input", w=0.7)
        d.node(f"f{i}", (x - 0.35, 1.8), f"$\\overrightarrow{{s}}_{i + 1}$", w=0.65, ec=FORWARD)
        d.node(f"b{i}", (x + 0.35, 2.9), f"$\\overleftarrow{{s}}_{i + 1}$", w=0.65, ec=BACKWARD)
        d.edge(f"c{i}", f"f{i}", color=FORWARD)
        d.edge(f"c{i}", f"b{i}", color=BACKWARD)
    for i in range(1, n):
        d.edge(f"f{i - 1}", f"f{i}", color=FORWARD)
        d.edge(f"b{i}", f"b{i - 1}", color=BACKWARD)
    right = 1.0 + 1.5 * n + 0.5
    d.node("e", (right, 2.35), f"$e(\\mathrm{{{word}}}) = [\\overrightarrow{{s}}_{n} ; \\overleftarrow{{s}}_1]$",
           kind="output", w=2.4, fontsize=9)
    d.edge(f"f{n - 1}", "e", color=FORWARD)
    d.edge("b0", "e", color=BACKWARD, rad=-0.35)
    d.node("tagger", (right, 4.2), "word-level BiLSTM tagger", kind="plain", w=2.9, fontsize=9)
    d.edge("e", "tagger")
    return d.figure
