r"""ListOps (Nangia & Bowman, 2018): nested list operations on digits, a tree task with known labels.

An expression such as ``[MAX 2 9 [MIN 4 7 ] 0 ]`` is a tree: each operator node applies
to its arguments, which are digits 0-9 or nested operations.  The operators:

- ``MAX``, ``MIN``: the largest / smallest argument;
- ``MED``: the median, rounded down when there are an even number of arguments
  (``int(np.median(args))`` in the original generator);
- ``SUM_MOD``: the sum of the arguments modulo 10.

Every value is again a digit, so every node, not only the root, has a known label: the
value of its sub-expression.  As a :class:`~course_rnn.trees.Tree`, an operator node has
the operator as its ``word`` and its arguments as children; a digit is a leaf whose word is
the digit.  ``[MAX 2 9 ]`` is ``(9 MAX (2 2) (9 9))``.

An N-ary Tree-LSTM needs at most N children per node; :func:`binarize` rewrites each
operator node with more than two arguments as a right-branching chain of binary nodes.
"""

import numpy as np

from course_rnn.trees import Forest, Tree

OPERATORS = ("MAX", "MIN", "MED", "SUM_MOD")
VOCAB = tuple(str(d) for d in range(10)) + OPERATORS
"""The 14 words of ListOps trees: the digits, then the operators; a word's id is its index."""


def apply_operator(op, args):
    """The value of ``op`` (one of OPERATORS) applied to a list of digits."""
    if op == "MAX":
        return max(args)
    if op == "MIN":
        return min(args)
    if op == "MED":
        s = sorted(args)
        mid = len(s) // 2
        return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) // 2
    if op == "SUM_MOD":
        return sum(args) % 10
    raise ValueError(f"op={op!r} is not a ListOps operator; use one of {OPERATORS}")


def generate_listops(n_trees, rng, max_depth=3, max_args=4, p_operator=0.25, operators=OPERATORS):
    r"""``n_trees`` random ListOps expressions as Trees labelled with their value at every node.

    The root is an operator; each operator takes between 2 and ``max_args`` arguments, each
    of which is a nested operator with probability ``p_operator`` (if the depth allows it) or
    else a uniform digit.  ``max_depth`` counts operator levels (1: a flat ``[OP d d ...]``),
    so a tree has height at most ``max_depth``.  rng: ``numpy.random.Generator``.
    """
    if isinstance(n_trees, bool) or not isinstance(n_trees, (int, np.integer)) or n_trees < 1:
        raise ValueError(f"n_trees={n_trees!r} must be a positive integer")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)); "
                        f"got {type(rng).__name__}")
    for name, value, low in (("max_depth", max_depth, 1), ("max_args", max_args, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name}={value!r} must be an integer >= {low}")
    if not 0.0 <= p_operator <= 1.0:
        raise ValueError(f"p_operator={p_operator!r} must be a probability in [0, 1]")
    unknown = [op for op in operators if op not in OPERATORS]
    if unknown or not operators:
        raise ValueError(f"operators={operators!r} must be a non-empty subset of {OPERATORS}")
    return [_random_operation(rng, max_depth, max_args, p_operator, list(operators))
            for _ in range(n_trees)]


def _random_operation(rng, depth_left, max_args, p_operator, operators):
    op = operators[rng.integers(len(operators))]
    children = []
    for _ in range(rng.integers(2, max_args + 1)):
        if depth_left > 1 and rng.random() < p_operator:
            children.append(_random_operation(rng, depth_left - 1, max_args, p_operator, operators))
        else:
            digit = int(rng.integers(10))
            children.append(Tree(digit, word=str(digit)))
    return Tree(apply_operator(op, [child.label for child in children]), children, word=op)


def to_listops_string(tree):
    """The original notation: ``(9 MAX (2 2) (9 9))`` becomes ``[MAX 2 9 ]``."""
    if tree.is_leaf:
        return str(tree.word)
    return "[" + " ".join([str(tree.word)] + [to_listops_string(child) for child in tree.children]) + " ]"


def binarize(tree):
    """A copy of a ListOps tree in which every node has at most two children.

    ``OP(a1, a2, ..., an)`` with n > 2 becomes ``OP(a1, OP(a2, ... OP(a_{n-1}, a_n)))``: every
    new node has the operator as its word, so the model still sees which operation it is
    inside, and label None, because a partial MED (unlike MAX, MIN and SUM_MOD) is not the
    value of any sub-expression.  Original nodes keep their labels; train on the labelled
    nodes only.  The input is not modified.
    """
    children = [binarize(child) for child in tree.children]
    while len(children) > 2:
        children = children[:-2] + [Tree(None, children[-2:], word=tree.word)]
    return Tree(tree.label, children, word=tree.word)


def word_ids(trees):
    """The word id (index in VOCAB) of every node, in post-order: (J,) int64, for an embedding."""
    index = {word: k for k, word in enumerate(VOCAB)}
    words = Forest(trees).words
    bad = [w for w in words if w not in index]
    if bad:
        raise ValueError(f"word {bad[0]!r} is not in the ListOps vocabulary {VOCAB}")
    return np.array([index[w] for w in words], dtype=np.int64)
