r"""Trees for tree-structured networks: a node class, a bracket parser, and level ordering.

A :class:`Tree` node has a ``label`` (the target at that node, e.g. a sentiment class or
the value of a ListOps sub-expression), an optional ``word`` (the token whose embedding is
the node's input :math:`x_j`) and a list of ``children``.  Trees read and print in the
bracketed format of the Stanford Sentiment Treebank::

    (3 (2 not) (4 good))            leaves "not" and "good", labels 2 and 4; root label 3
    (9 MAX (2 2) (9 9))             an internal node may carry a word too (here "MAX")

A Tree-LSTM reads a node only after all its children, so the models number the nodes of a
tree, or of a forest (a list of trees batched together), in **post-order**: children
before parents, tree after tree.  That numbering is the row order of the inputs ``x
(J, D)`` and of the outputs ``h, c (J, H)``, with J the number of nodes (the paper's
index j).  :class:`Forest` also groups the nodes by **height** (leaves 0, a parent one more
than its highest child): every child of a node of height l has height below l, so all
nodes of one level can be computed together once the levels below are done.
"""

import re

import numpy as np

_TOKEN = re.compile(r"\(|\)|[^\s()]+")


class Tree:
    """One node of a tree, and through its children the whole subtree below it.

    ``Tree(label=None, children=(), word=None)``: ``label`` is the node's target (an int
    or a string, or None for an unlabelled node); ``children`` a sequence of Trees in
    order (order matters to the N-ary Tree-LSTM: child l uses the weights U_l);
    ``word`` the node's token (a string or None).
    """

    def __init__(self, label=None, children=(), word=None):
        children = list(children)
        for k, child in enumerate(children):
            if not isinstance(child, Tree):
                raise TypeError(f"children[{k}] is a {type(child).__name__}; every child must be a Tree")
        self.label = label
        self.children = children
        self.word = word

    @property
    def is_leaf(self):
        return not self.children

    def postorder(self):
        """Every node of the subtree, children before their parent (left to right)."""
        order, stack = [], [(self, False)]
        while stack:  # iterative, so that deep chains do not hit Python's recursion limit
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            else:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node.children))
        return order

    def __len__(self):
        """The number of nodes J of the subtree."""
        return len(self.postorder())

    def height(self):
        """0 for a leaf, else 1 + the largest height of a child."""
        heights = {}
        for node in self.postorder():
            heights[id(node)] = 1 + max((heights[id(c)] for c in node.children), default=-1)
        return heights[id(self)]

    def leaves(self):
        """The leaves, left to right."""
        return [node for node in self.postorder() if node.is_leaf]

    def to_string(self):
        """The bracketed form ``(label [word] child ...)`` that :func:`parse_tree` reads back."""
        parts = ["(" + _format_label(self.label)]
        if self.word is not None:
            parts.append(str(self.word))
        parts.extend(child.to_string() for child in self.children)
        return " ".join(parts) + ")"

    __str__ = to_string

    def __repr__(self):
        return f"Tree.parse({self.to_string()!r})"

    def __eq__(self, other):
        if not isinstance(other, Tree):
            return NotImplemented
        return (self.label == other.label and self.word == other.word
                and self.children == other.children)

    __hash__ = None  # mutable and compared by value

    @staticmethod
    def parse(text):
        """Same as :func:`parse_tree`."""
        return parse_tree(text)


def parse_tree(text):
    """Read one tree from its bracketed form ``(label [word] child child ...)``.

    The first token after ``(`` is the label (an int if it reads as one; ``_`` means no
    label), then at most one bare token, the word, then the children in brackets.
    ``(2 not)`` is a leaf, ``(3 (2 not) (4 good))`` a node with two children.  Raises
    ValueError, with the position, on unbalanced brackets or anything else malformed.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string such as '(3 (2 not) (4 good))'; got {type(text).__name__}")
    tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(text)]
    if not tokens:
        raise ValueError("text is empty; expected a bracketed tree such as '(3 (2 not) (4 good))'")
    tree, end = _parse_node(tokens, 0, text)
    if end != len(tokens):
        raise ValueError(f"unexpected {tokens[end][0]!r} at position {tokens[end][1]} after the tree "
                         f"ended (unbalanced brackets?) in {text!r}")
    return tree


def _parse_node(tokens, k, text):
    """Parse the node starting at tokens[k] (which must be '('); return it and the next k."""
    token, pos = tokens[k]
    if token != "(":
        raise ValueError(f"expected '(' at position {pos} but found {token!r} in {text!r}")
    if k + 1 >= len(tokens) or tokens[k + 1][0] in "()":
        raise ValueError(f"the node opened at position {pos} has no label; write '(label ...)' in {text!r}")
    label, word, children = _read_label(tokens[k + 1][0]), None, []
    k += 2
    while True:
        if k >= len(tokens):
            raise ValueError(f"unbalanced brackets: the '(' at position {pos} is never closed in {text!r}")
        token, tpos = tokens[k]
        if token == ")":
            return Tree(label, children, word), k + 1
        if token == "(":
            child, k = _parse_node(tokens, k, text)
            children.append(child)
        elif word is None and not children:
            word, k = token, k + 1
        else:
            raise ValueError(f"unexpected word {token!r} at position {tpos} in {text!r}: a node has at "
                             f"most one word, right after its label and before its children")


def _read_label(token):
    if token == "_":
        return None
    try:
        return int(token)
    except ValueError:
        return token


def _format_label(label):
    return "_" if label is None else str(label)


class Forest:
    """A tree or a list of trees, numbered in post-order and grouped by height.

    Attributes (J nodes in all, numbered tree after tree, post-order inside each tree):

    - ``trees``: the list of trees; ``nodes``: the J Tree nodes in that numbering;
    - ``children``: list of J lists of child indices, in the children's order;
    - ``parent`` (J,) int: index of each node's parent, -1 for a root;
    - ``roots`` (number of trees,) int: index of each tree's root (the last node of each tree);
    - ``height`` (J,) int; ``levels``: list, for l = 0, 1, ..., of the node indices of
      height l (ascending), so all nodes of ``levels[l]`` can be computed together.
    """

    def __init__(self, trees):
        if isinstance(trees, Tree):
            trees = [trees]
        trees = list(trees)
        if not trees:
            raise ValueError("trees is empty; pass a Tree or a non-empty list of Trees")
        for k, tree in enumerate(trees):
            if not isinstance(tree, Tree):
                raise TypeError(f"trees[{k}] is a {type(tree).__name__}; expected a Tree "
                                f"(build one with Tree(...) or parse_tree('(...)'))")
        self.trees = trees
        self.nodes, self.children, roots = [], [], []
        for tree in trees:
            index = {}
            for node in tree.postorder():
                if id(node) in index:
                    raise ValueError("a node appears twice in the same tree; trees must not share subtrees")
                index[id(node)] = len(self.nodes)
                self.nodes.append(node)
                self.children.append([index[id(child)] for child in node.children])
            roots.append(len(self.nodes) - 1)
        J = len(self.nodes)
        self.roots = np.array(roots, dtype=np.int64)
        self.parent = np.full(J, -1, dtype=np.int64)
        self.height = np.zeros(J, dtype=np.int64)
        for j, kids in enumerate(self.children):  # post-order: every child is seen before j
            for k in kids:
                self.parent[k] = j
            self.height[j] = 1 + max((self.height[k] for k in kids), default=-1)
        self.levels = [np.flatnonzero(self.height == level) for level in range(self.height.max() + 1)]

    def __len__(self):
        """J, the number of nodes in all trees."""
        return len(self.nodes)

    @property
    def labels(self):
        """The J node labels in post-order (None where a node has no label)."""
        return [node.label for node in self.nodes]

    @property
    def words(self):
        """The J node words in post-order (None where a node has no word)."""
        return [node.word for node in self.nodes]

    @property
    def max_children(self):
        """The largest number of children of any node (0 for a forest of single leaves)."""
        return max(len(kids) for kids in self.children)
