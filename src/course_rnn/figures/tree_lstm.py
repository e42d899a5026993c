"""Figures of the Tree-LSTM chapter (book/tree_lstm.md), drawn with course_rnn.diagrams.

- :func:`tree_levels_figure`: a tree with every node at the height of its level, so that
  one row of boxes is one batched step of :class:`course_rnn.nn.ChildSumTreeLSTM`;
- :func:`child_sum_node_figure`: one Child-Sum node reading K children, with a forget gate
  for each child.
"""

import numpy as np

from course_rnn.diagrams import Diagram
from course_rnn.trees import Forest

#: box colours of levels 0, 1, 2, ... (cycled), from the diagram palette
_LEVEL_KINDS = ("input", "hidden", "output", "gate", "loss", "plain")


def tree_layout(tree):
    """Positions of the nodes of ``tree`` in post-order: x of a leaf is its rank among the
    leaves (left to right), x of a parent the mean of its children's; y is the node's
    height (level).  Returns the :class:`~course_rnn.trees.Forest` and an array (J, 2)."""
    forest = Forest(tree)
    xy = np.zeros((len(forest), 2))
    leaf = 0
    for j, kids in enumerate(forest.children):  # post-order: children first
        if kids:
            xy[j, 0] = xy[kids, 0].mean()
        else:
            xy[j, 0], leaf = leaf, leaf + 1
        xy[j, 1] = forest.height[j]
    return forest, xy


def _node_text(node):
    if node.word is not None and node.label is not None:
        return f"{node.word}\n= {node.label}" if not node.is_leaf else str(node.word)
    return str(node.word if node.word is not None else node.label)


def tree_levels_figure(tree, dx=1.25, dy=1.2, title=None):
    """The tree drawn level by level (leaves at the bottom), each level in its own colour
    and named on the left with the number of nodes it batches."""
    forest, xy = tree_layout(tree)
    width = dx * (xy[:, 0].max() + 1) + 2.2
    height = dy * (xy[:, 1].max() + 1) + 0.4
    d = Diagram(width=width, height=height, scale=0.85, title=title)
    for j, node in enumerate(forest.nodes):
        x, y = 2.2 + dx * xy[j, 0] + dx / 2, 0.2 + dy * xy[j, 1] + dy / 2
        d.node(j, (x, y), _node_text(node), kind=_LEVEL_KINDS[forest.height[j] % len(_LEVEL_KINDS)],
               w=1.05, h=0.7, fontsize=9)
    for j, kids in enumerate(forest.children):
        for k in kids:
            d.edge(k, j)
    for level, nodes in enumerate(forest.levels):
        name = "leaves" if level == 0 else f"level {level}"
        d.text((1.0, 0.2 + dy * level + dy / 2), f"{name}\n{len(nodes)} node{'s' * (len(nodes) > 1)}",
               fontsize=9, color="#444444")
    return d.figure


def child_sum_node_figure(K=3):
    """One Child-Sum Tree-LSTM node j with K children: the children's hidden states are
    summed into h~ (read by the gates i, o and the update u), each child's memory cell c_k
    passes through its own forget gate f_jk, and x_j enters every gate."""
    if isinstance(K, bool) or not isinstance(K, int) or not 1 <= K <= 4:
        raise ValueError(f"K={K!r} must be an integer from 1 to 4 (the children drawn)")
    width = 2.2 * K + 4.4
    d = Diagram(width=width, height=6.6, scale=0.8)
    for k in range(K):
        x = 1.0 + 2.2 * k
        d.node(f"h{k}", (x, 0.5), f"$h_{{{k + 1}}}$", kind="hidden", w=0.8)
        d.node(f"c{k}", (x + 0.95, 0.5), f"$c_{{{k + 1}}}$", kind="hidden", w=0.8)
        d.node(f"f{k}", (x + 0.95, 2.0), f"$f_{{j{k + 1}}}$", kind="gate", w=0.8)
        d.edge(f"c{k}", f"f{k}")
        d.edge(f"h{k}", f"f{k}")
    xs = 1.0 + 2.2 * (K - 1) / 2
    right = 2.2 * K + 1.9
    d.node("sum", (xs, 3.3), r"$\tilde h_j=\sum_k h_k$", kind="op", w=2.0)
    for k in range(K):
        d.edge(f"h{k}", "sum")
    d.node("x", (right + 1.0, 0.5), "$x_j$", kind="input", w=0.8)
    d.node("gates", (xs, 4.6), "$i_j,\\ o_j,\\ u_j$", kind="gate", w=2.0)
    d.edge("sum", "gates")
    d.edge("x", "gates", rad=0.12)
    for k in range(K):
        d.edge("x", f"f{k}", rad=0.0, color="#999999", lw=0.8)
    d.node("c", (right - 0.3, 4.6), r"$c_j = i_j u_j + \sum_k f_{jk} c_k$", kind="hidden", w=3.0)
    d.edge("gates", "c")
    for k in range(K):
        d.edge(f"f{k}", "c")
    d.node("h", (right - 0.3, 6.0), r"$h_j = o_j \tanh(c_j)$", kind="hidden", w=2.4)
    d.edge("c", "h")
    d.edge("gates", "h", rad=-0.2)
    return d.figure
