"""Trees, bracket parsing, level ordering, and the ListOps data: checked against independent
recursive code and an evaluator written here from the task's definition."""

import math
import statistics

import numpy as np
import pytest

from course_rnn.data.listops import OPERATORS, VOCAB, binarize, generate_listops, to_listops_string, word_ids
from course_rnn.trees import Forest, Tree, parse_tree

CANONICAL = [
    "(3 (2 not) (4 good))",
    "(1 word)",
    "(0 (1 (2 (3 a))))",
    "(9 MAX (2 2) (9 9))",
    "(_ (1 a) (_ b) (2 (3 c) (4 d) (5 e) (6 f)))",
    "(positive (neutral the) (positive (positive very) (positive good)))",
]


def _random_tree(rng, depth=3):
    """A random tree built without the parser (for round trips)."""
    n_children = 0 if depth == 0 else int(rng.integers(0, 4))
    children = [_random_tree(rng, depth - 1) for _ in range(n_children)]
    word = None if children and rng.random() < 0.5 else f"w{rng.integers(100)}"
    label = None if rng.random() < 0.2 else int(rng.integers(-5, 5))
    return Tree(label, children, word)


def _recursive_postorder(tree):
    return [node for child in tree.children for node in _recursive_postorder(child)] + [tree]


def _recursive_height(tree):
    return 0 if tree.is_leaf else 1 + max(_recursive_height(child) for child in tree.children)


@pytest.mark.parametrize("text", CANONICAL)
def test_parse_then_print_gives_back_the_same_string(text):
    assert parse_tree(text).to_string() == text


def test_print_then_parse_gives_back_an_equal_tree(rng):
    for _ in range(30):
        tree = _random_tree(rng)
        assert parse_tree(tree.to_string()) == tree


def test_parse_reads_labels_words_and_children():
    tree = parse_tree("  (3 (2 not)\n   (4 good) ) ")
    assert tree.label == 3 and tree.word is None
    assert [child.label for child in tree.children] == [2, 4]
    assert [child.word for child in tree.children] == ["not", "good"]
    assert all(child.is_leaf for child in tree.children)
    assert parse_tree("(9 MAX (2 2) (9 9))").word == "MAX"
    assert parse_tree("(_ x)").label is None


@pytest.mark.parametrize("text", ["(3 (2 not) (4 good)", "(3 (2 not)) (4 good))", ")(", "", "   ",
                                  "(3 (2 not) (4 good)))", "3 (2 not)"])
def test_parse_rejects_unbalanced_or_missing_brackets(text):
    with pytest.raises(ValueError, match="unbalanced|expected '\\('|empty|after the tree"):
        parse_tree(text)


@pytest.mark.parametrize("text", ["(3 a b)", "(3 (2 a) b)", "()", "((2 a))"])
def test_parse_rejects_misplaced_words_and_missing_labels(text):
    with pytest.raises(ValueError, match="word|label"):
        parse_tree(text)


def test_tree_rejects_children_that_are_not_trees():
    with pytest.raises(TypeError, match="children"):
        Tree(1, ["not a tree"])


def test_postorder_height_and_leaves_match_recursive_definitions(rng):
    for _ in range(20):
        tree = _random_tree(rng, depth=4)
        assert [id(n) for n in tree.postorder()] == [id(n) for n in _recursive_postorder(tree)]
        assert tree.height() == _recursive_height(tree)
        assert len(tree) == len(_recursive_postorder(tree))
        assert [id(n) for n in tree.leaves()] == [id(n) for n in _recursive_postorder(tree) if n.is_leaf]


def test_postorder_handles_a_chain_deeper_than_the_recursion_limit():
    tree = Tree(0, word="leaf")
    for _ in range(3000):
        tree = Tree(0, [tree])
    assert len(tree.postorder()) == 3001


def test_forest_numbers_nodes_tree_after_tree_and_groups_them_by_height(rng):
    trees = [_random_tree(rng, depth=3) for _ in range(4)]
    forest = Forest(trees)
    expected = [node for tree in trees for node in _recursive_postorder(tree)]
    assert [id(n) for n in forest.nodes] == [id(n) for n in expected]
    index = {id(node): j for j, node in enumerate(expected)}
    for j, node in enumerate(expected):
        assert forest.children[j] == [index[id(child)] for child in node.children]
        assert forest.height[j] == _recursive_height(node)
        for k in forest.children[j]:
            assert forest.parent[k] == j
    sizes = np.cumsum([len(_recursive_postorder(t)) for t in trees])
    assert forest.roots.tolist() == (sizes - 1).tolist()
    assert (forest.parent[forest.roots] == -1).all()
    # the levels partition the nodes, and every child lies in a lower level than its parent
    assert sorted(np.concatenate(forest.levels).tolist()) == list(range(len(forest)))
    level_of = {j: l for l, nodes in enumerate(forest.levels) for j in nodes}
    for j, kids in enumerate(forest.children):
        assert all(level_of[k] < level_of[j] for k in kids)


def test_forest_rejects_bad_input():
    with pytest.raises(ValueError, match="empty"):
        Forest([])
    with pytest.raises(TypeError, match=r"trees\[1\]"):
        Forest([Tree(1, word="a"), "(1 a)"])
    leaf = Tree(1, word="a")
    with pytest.raises(ValueError, match="twice"):
        Forest(Tree(0, [leaf, leaf]))


# --- ListOps -----------------------------------------------------------------------------

def _evaluate_listops(text):
    """Evaluate ``[MAX 2 9 [MIN 4 7 ] 0 ]`` by turning it into a Python expression."""
    functions = {
        "MAX": lambda *a: max(a),
        "MIN": lambda *a: min(a),
        "MED": lambda *a: math.floor(statistics.median(a)),
        "SUM_MOD": lambda *a: sum(a) % 10,
    }
    expression = []
    for token in text.split():
        if token.startswith("["):
            expression.append(token[1:] + "(")
        elif token == "]":
            expression.append("),")
        else:
            expression.append(str(int(token)) + ",")
    return eval("".join(expression).rstrip(","), {"__builtins__": {}}, functions)


def test_listops_evaluator_in_this_test_agrees_with_hand_computed_examples():
    assert _evaluate_listops("[MAX 2 9 [MIN 4 7 ] 0 ]") == 9
    assert _evaluate_listops("[MED 1 4 ]") == 2
    assert _evaluate_listops("[SUM_MOD 7 8 [MED 3 1 2 ] ]") == 7


def test_listops_labels_every_node_with_the_value_of_its_subexpression(rng):
    trees = generate_listops(40, rng, max_depth=4, max_args=5, p_operator=0.4)
    for tree in trees:
        for node in tree.postorder():
            if node.is_leaf:
                assert node.label == int(node.word) and 0 <= node.label <= 9
            else:
                assert node.word in OPERATORS
                assert node.label == _evaluate_listops(to_listops_string(node))


def test_listops_respects_max_depth_and_max_args_and_uses_every_operator(rng):
    trees = generate_listops(200, rng, max_depth=3, max_args=4, p_operator=0.5)
    assert max(tree.height() for tree in trees) == 3
    widths = {len(node.children) for tree in trees for node in tree.postorder() if not node.is_leaf}
    assert widths == {2, 3, 4}
    assert {node.word for tree in trees for node in tree.postorder() if not node.is_leaf} == set(OPERATORS)


def test_listops_is_reproducible_from_the_seed():
    a = generate_listops(5, np.random.default_rng(7))
    b = generate_listops(5, np.random.default_rng(7))
    assert a == b


def test_listops_rejects_bad_arguments(rng):
    with pytest.raises(TypeError, match="Generator"):
        generate_listops(3, 7)
    with pytest.raises(ValueError, match="max_args"):
        generate_listops(3, rng, max_args=1)
    with pytest.raises(ValueError, match="operators"):
        generate_listops(3, rng, operators=("PLUS",))


def test_binarize_keeps_leaves_and_labelled_values_and_leaves_the_input_alone(rng):
    for tree in generate_listops(30, rng, max_depth=3, max_args=5, p_operator=0.4):
        before = tree.to_string()
        binary = binarize(tree)
        assert tree.to_string() == before
        assert all(len(node.children) <= 2 for node in binary.postorder())
        assert [leaf.word for leaf in binary.leaves()] == [leaf.word for leaf in tree.leaves()]
        # the new nodes are unlabelled; the original nodes appear in the same post-order
        labelled = [(n.label, n.word) for n in binary.postorder() if n.label is not None]
        assert labelled == [(n.label, n.word) for n in tree.postorder()]
        # every new node sits under a node with the same operator
        for node in binary.postorder():
            for child in node.children:
                if child.label is None:
                    assert child.word == node.word


def test_word_ids_index_the_vocabulary_in_postorder(rng):
    trees = generate_listops(3, rng)
    ids = word_ids(trees)
    assert [VOCAB[k] for k in ids] == [node.word for tree in trees for node in _recursive_postorder(tree)]
    with pytest.raises(ValueError, match="vocabulary"):
        word_ids(parse_tree("(1 PLUS (1 1))"))
