"""The numpy Tree-LSTMs: backward against centred finite differences for every parameter and
the inputs, on trees of every shape; a chain against torch.nn.LSTM; properties of the models."""

import numpy as np
import pytest
import torch

from course_rnn.gradcheck import numerical_gradient
from course_rnn.scratch import (child_sum_treelstm_backward, child_sum_treelstm_forward,
                                init_child_sum_treelstm_params, init_nary_treelstm_params,
                                nary_treelstm_backward, nary_treelstm_forward)
from course_rnn.trees import Tree, parse_tree

D, H = 3, 4

TREES = {  # at most 3 children per node, so that N = 3 runs on all of them
    "single node": "(0 a)",
    "chain": "(0 (0 (0 (0 a))))",
    "binary": "(0 (0 (0 a) (0 b)) (0 c))",
    "unbalanced": "(0 (0 a) (0 (0 b) (0 (0 c) (0 (0 d) (0 e)))))",
    "mixed": "(0 (0 a) (0 (0 b) (0 c) (0 d)) (0 (0 e)))",
}
WIDE = "(0 (0 a) (0 b) (0 c) (0 d) (0 e) (0 f) (0 (0 g) (0 h)))"  # 7 children: Child-Sum only


def _models(N):
    """(forward, backward, init params) of Child-Sum (N None) or N-ary."""
    if N is None:
        return (child_sum_treelstm_forward, child_sum_treelstm_backward,
                lambda rng: init_child_sum_treelstm_params(D, H, rng))
    return nary_treelstm_forward, nary_treelstm_backward, lambda rng: init_nary_treelstm_params(D, H, N, rng)


def _arity(tree):
    return max(len(node.children) for node in tree.postorder())


CASES = ([(None, name, text) for name, text in TREES.items()] + [(None, "wide", WIDE)]
         + [(N, name, text) for N in (2, 3) for name, text in TREES.items()
            if _arity(parse_tree(text)) <= N])


@pytest.mark.parametrize("N, name, text", CASES, ids=[f"{'child-sum' if N is None else f'N={N}'}-{name}"
                                                      for N, name, text in CASES])
def test_treelstm_backward_matches_finite_differences(N, name, text, rng):
    forward, backward, init = _models(N)
    tree = parse_tree(text)
    J = len(tree)
    params = init(rng)
    params = {k: v * 2.0 for k, v in params.items()}  # larger weights: gates away from 1/2
    x = rng.normal(size=(J, D))
    dh, dc = rng.normal(size=(J, H)), rng.normal(size=(J, H))

    def loss():
        h, c, _ = forward(x, tree, params)
        return float(np.sum(h * dh) + np.sum(c * dc))

    _, _, cache = forward(x, tree, params)
    dx, grads = backward(dh, cache, dc)
    np.testing.assert_allclose(dx, numerical_gradient(loss, x), rtol=1e-6, atol=1e-9)
    for key in ("W_ih", "W_hh", "b_ih", "b_hh"):
        np.testing.assert_allclose(grads[key], numerical_gradient(loss, params[key]),
                                   rtol=1e-6, atol=1e-9, err_msg=key)


@pytest.mark.parametrize("N", [None, 2])
def test_treelstm_backward_without_dc_matches_finite_differences_of_a_loss_on_h(N, rng):
    forward, backward, init = _models(N)
    tree = parse_tree(TREES["mixed"] if N is None else TREES["binary"])
    params, x = init(rng), rng.normal(size=(len(tree), D))
    dh = rng.normal(size=(len(tree), H))
    _, _, cache = forward(x, tree, params)
    dx, grads = backward(dh, cache)
    loss = lambda: float(np.sum(forward(x, tree, params)[0] * dh))  # noqa: E731
    np.testing.assert_allclose(dx, numerical_gradient(loss, x), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(grads["W_hh"], numerical_gradient(loss, params["W_hh"]), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("N", [None, 2])
def test_treelstm_backward_never_modifies_its_inputs(N, rng):
    forward, backward, init = _models(N)
    tree = parse_tree(TREES["unbalanced"])
    params, x = init(rng), rng.normal(size=(len(tree), D))
    dh, dc = rng.normal(size=(len(tree), H)), rng.normal(size=(len(tree), H))
    kept = ({k: v.copy() for k, v in params.items()}, x.copy(), dh.copy(), dc.copy())
    _, _, cache = forward(x, tree, params)
    backward(dh, cache, dc)
    for name, v in params.items():
        np.testing.assert_array_equal(v, kept[0][name])
    np.testing.assert_array_equal(x, kept[1])
    np.testing.assert_array_equal(dh, kept[2])
    np.testing.assert_array_equal(dc, kept[3])


@pytest.mark.parametrize("N", [None, 1])
def test_treelstm_on_a_chain_is_exactly_torch_lstm(N, rng):
    """Each node one child: both models reduce to the LSTM, with the same weight layout."""
    T = 5
    lstm = torch.nn.LSTM(D, H, dtype=torch.float64)
    params = {"W_ih": lstm.weight_ih_l0, "W_hh": lstm.weight_hh_l0, "b_ih": lstm.bias_ih_l0,
              "b_hh": lstm.bias_hh_l0}
    params = {k: v.detach().numpy().copy() for k, v in params.items()}
    tree = Tree(0, word="x0")
    for t in range(1, T):
        tree = Tree(0, [tree], word=f"x{t}")  # post-order visits x0 first: time order
    x = rng.normal(size=(T, D))
    forward = child_sum_treelstm_forward if N is None else nary_treelstm_forward
    h, c, _ = forward(x, tree, params)
    out, (h_n, c_n) = lstm(torch.from_numpy(x).unsqueeze(1))
    np.testing.assert_allclose(h, out[:, 0].detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(c[-1], c_n[0, 0].detach().numpy(), rtol=0, atol=1e-12)


def test_child_sum_root_does_not_depend_on_the_order_of_the_children(rng):
    params = init_child_sum_treelstm_params(D, H, rng)
    tree = parse_tree("(0 (0 a) (0 (0 b) (0 c)) (0 d))")
    reordered = Tree(0, [tree.children[2], tree.children[0], tree.children[1]])
    x_of = {word: rng.normal(size=D) for word in "abcd"}
    x_of[None] = np.zeros(D)  # internal nodes without a word get a zero input

    def root(t):
        x = np.stack([x_of[node.word] for node in t.postorder()])
        h, c, _ = child_sum_treelstm_forward(x, t, params)
        return h[-1], c[-1]

    np.testing.assert_allclose(root(tree), root(reordered), rtol=0, atol=1e-14)


def test_nary_root_depends_on_the_order_of_the_children(rng):
    params = init_nary_treelstm_params(D, H, 2, rng)
    x = rng.normal(size=(3, D))
    h, _, _ = nary_treelstm_forward(x, parse_tree("(0 (0 a) (0 b))"), params)
    h_swapped, _, _ = nary_treelstm_forward(x[[1, 0, 2]], parse_tree("(0 (0 b) (0 a))"), params)
    np.testing.assert_allclose(h[:2], h_swapped[[1, 0]], atol=1e-14)  # same leaves
    assert np.abs(h[2] - h_swapped[2]).max() > 1e-6                  # a different root


@pytest.mark.parametrize("N", [None, 3])
def test_a_forest_gives_each_tree_the_states_it_gets_alone(N, rng):
    forward, _, init = _models(N)
    params = init(rng)
    trees = [parse_tree(TREES[name]) for name in ("mixed", "single node", "unbalanced")]
    xs = [rng.normal(size=(len(t), D)) for t in trees]
    h, c, _ = forward(np.concatenate(xs), trees, params)
    alone = [forward(x, t, params) for x, t in zip(xs, trees)]
    np.testing.assert_allclose(h, np.concatenate([a[0] for a in alone]), rtol=0, atol=1e-14)
    np.testing.assert_allclose(c, np.concatenate([a[1] for a in alone]), rtol=0, atol=1e-14)


def test_nary_missing_children_count_as_zero_states(rng):
    """A node with one child in a 2-ary model equals the same node with an all-zero second child."""
    params = init_nary_treelstm_params(D, H, 2, rng)
    x = rng.normal(size=(2, D))
    h, c, _ = nary_treelstm_forward(x, parse_tree("(0 (0 a))"), params)
    W_i, W_f, W_u, W_o = np.split(params["W_ih"], 4)
    b = params["b_ih"] + params["b_hh"]
    U = params["W_hh"]
    h1, c1 = h[0], c[0]
    gate = lambda W, rows, bias: W @ x[1] + U[rows, :H] @ h1 + bias  # noqa: E731  child 2 is zero
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    i = sig(gate(W_i, slice(0, H), b[:H]))
    f1 = sig(gate(W_f, slice(H, 2 * H), b[H:2 * H]))
    u = np.tanh(gate(W_u, slice(3 * H, 4 * H), b[2 * H:3 * H]))
    o = sig(gate(W_o, slice(4 * H, 5 * H), b[3 * H:]))
    np.testing.assert_allclose(c[1], i * u + f1 * c1, atol=1e-14)
    np.testing.assert_allclose(h[1], o * np.tanh(i * u + f1 * c1), atol=1e-14)


def test_nary_rejects_a_node_with_more_than_n_children(rng):
    params = init_nary_treelstm_params(D, H, 2, rng)
    tree = parse_tree("(0 (0 a) (0 b) (0 c))")
    with pytest.raises(ValueError, match="3 children.*N=2"):
        nary_treelstm_forward(rng.normal(size=(4, D)), tree, params)


def test_treelstm_rejects_inputs_of_the_wrong_shape(rng):
    params = init_child_sum_treelstm_params(D, H, rng)
    tree = parse_tree(TREES["binary"])
    with pytest.raises(ValueError, match="one row per node"):
        child_sum_treelstm_forward(rng.normal(size=(len(tree) + 1, D)), tree, params)
    with pytest.raises(ValueError, match="W_ih"):
        child_sum_treelstm_forward(rng.normal(size=(len(tree), D + 1)), tree, params)
    with pytest.raises(ValueError, match=r"\(3\+N\)\*H"):
        nary_treelstm_forward(rng.normal(size=(len(tree), D)), tree, params | {"W_hh": np.zeros((4 * H, 2 * H))})
    with pytest.raises(KeyError, match="b_hh"):
        child_sum_treelstm_forward(rng.normal(size=(len(tree), D)), tree,
                                   {k: v for k, v in params.items() if k != "b_hh"})
    with pytest.raises(ValueError, match="N=0"):
        init_nary_treelstm_params(D, H, 0, rng)
