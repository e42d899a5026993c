"""The PyTorch Tree-LSTMs against a plain recursive implementation of the paper's equations
written here (values and autograd gradients), against the numpy version, and against
torch.nn.LSTM on a chain."""

import numpy as np
import pytest
import torch

from course_rnn.data.listops import VOCAB, binarize, generate_listops, word_ids
from course_rnn.nn import ChildSumTreeLSTM, NaryTreeLSTM
from course_rnn.scratch import (child_sum_treelstm_backward, child_sum_treelstm_forward,
                                nary_treelstm_backward, nary_treelstm_forward)
from course_rnn.trees import parse_tree

D, H = 3, 4
F64 = torch.float64

TREES = [
    "(0 a)",
    "(0 (0 (0 (0 a))))",
    "(0 (0 (0 a) (0 b)) (0 c))",
    "(0 (0 a) (0 (0 b) (0 (0 c) (0 (0 d) (0 e)))))",
    "(0 (0 a) (0 (0 b) (0 c) (0 d)) (0 (0 e)))",
]
WIDE = "(0 (0 a) (0 b) (0 c) (0 d) (0 e) (0 f) (0 (0 g) (0 h)))"


def _arity(tree):
    return max(len(node.children) for node in tree.postorder())


# --- the reference: Tai et al. (2015) equations, one node at a time, by recursion ------------

def _gates(module):
    """Split the module's weights into the paper's per-gate matrices (rows i|f|u|o)."""
    W = dict(zip("ifuo", module.weight_ih.chunk(4, 0)))
    b = dict(zip("ifuo", (module.bias_ih + module.bias_hh).chunk(4, 0)))
    return W, b


def _reference_child_sum(module, x, tree):
    """Eqs. (2)-(8). Returns h, c (J, H) in post-order, the order the recursion finishes nodes."""
    W, b = _gates(module)
    U = dict(zip("ifuo", module.weight_hh.chunk(4, 0)))
    hs, cs = [], []

    def visit(node):
        states = [visit(child) for child in node.children]
        xj = x[len(hs)]
        h_tilde = sum((h for h, _ in states), torch.zeros(H, dtype=x.dtype))
        i = torch.sigmoid(W["i"] @ xj + U["i"] @ h_tilde + b["i"])
        f = [torch.sigmoid(W["f"] @ xj + U["f"] @ h_k + b["f"]) for h_k, _ in states]
        o = torch.sigmoid(W["o"] @ xj + U["o"] @ h_tilde + b["o"])
        u = torch.tanh(W["u"] @ xj + U["u"] @ h_tilde + b["u"])
        c = i * u + sum((f_k * c_k for f_k, (_, c_k) in zip(f, states)), torch.zeros(H, dtype=x.dtype))
        h = o * torch.tanh(c)
        hs.append(h)
        cs.append(c)
        return h, c

    visit(tree)
    return torch.stack(hs), torch.stack(cs)


def _reference_nary(module, x, tree):
    """Eqs. (9)-(14), with U^(gate)_l and U^(f)_kl cut from weight_hh as 4 H x H blocks each."""
    N = module.n_ary
    W, b = _gates(module)
    Whh = module.weight_hh
    block = lambda row, l: Whh[row * H:(row + 1) * H, l * H:(l + 1) * H]  # noqa: E731
    U = {"i": lambda l: block(0, l), "u": lambda l: block(N + 1, l), "o": lambda l: block(N + 2, l)}
    U_f = lambda k, l: block(1 + k, l)  # noqa: E731
    hs, cs = [], []

    def visit(node):
        states = [visit(child) for child in node.children]
        zero = torch.zeros(H, dtype=x.dtype)
        states += [(zero, zero)] * (N - len(states))
        xj = x[len(hs)]
        total = lambda gate: sum(U[gate](l) @ states[l][0] for l in range(N))  # noqa: E731
        i = torch.sigmoid(W["i"] @ xj + total("i") + b["i"])
        f = [torch.sigmoid(W["f"] @ xj + sum(U_f(k, l) @ states[l][0] for l in range(N)) + b["f"])
             for k in range(N)]
        o = torch.sigmoid(W["o"] @ xj + total("o") + b["o"])
        u = torch.tanh(W["u"] @ xj + total("u") + b["u"])
        c = i * u + sum(f[l] * states[l][1] for l in range(N))
        h = o * torch.tanh(c)
        hs.append(h)
        cs.append(c)
        return h, c

    visit(tree)
    return torch.stack(hs), torch.stack(cs)


def _module(N):
    return ChildSumTreeLSTM(D, H, dtype=F64) if N is None else NaryTreeLSTM(D, H, N, dtype=F64)


def _reference(N):
    return _reference_child_sum if N is None else _reference_nary


CASES = ([(None, t) for t in TREES + [WIDE]]
         + [(N, t) for N in (2, 3) for t in TREES if _arity(parse_tree(t)) <= N])


def _grads(module, x, h, c, dh, dc):
    loss = (h * dh).sum() + (c * dc).sum()
    return torch.autograd.grad(loss, [x] + list(module.parameters()))


@pytest.mark.parametrize("N, text", CASES)
def test_treelstm_module_matches_the_papers_equations_and_their_autograd_gradients(N, text):
    module = _module(N)
    tree = parse_tree(text)
    x = torch.randn(len(tree), D, dtype=F64, requires_grad=True)
    dh, dc = torch.randn(len(tree), H, dtype=F64), torch.randn(len(tree), H, dtype=F64)
    h, c = module(x, tree)
    h_ref, c_ref = _reference(N)(module, x, tree)
    torch.testing.assert_close(h, h_ref, rtol=0, atol=1e-12)
    torch.testing.assert_close(c, c_ref, rtol=0, atol=1e-12)
    for got, want in zip(_grads(module, x, h, c, dh, dc), _grads(module, x, h_ref, c_ref, dh, dc)):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("N", [None, 2])
def test_treelstm_module_batches_a_forest_like_each_tree_alone(N):
    module = _module(N)
    trees = [parse_tree(t) for t in TREES if N is None or _arity(parse_tree(t)) <= N]
    xs = [torch.randn(len(t), D, dtype=F64) for t in trees]
    h, c = module(torch.cat(xs), trees)
    alone = [module(x, t) for x, t in zip(xs, trees)]
    torch.testing.assert_close(h, torch.cat([a[0] for a in alone]), rtol=0, atol=1e-13)
    torch.testing.assert_close(c, torch.cat([a[1] for a in alone]), rtol=0, atol=1e-13)


@pytest.mark.parametrize("N", [None, 2, 3])
def test_scratch_and_module_agree_in_float64_after_copying_weights(N):
    module = _module(N)
    trees = [parse_tree(t) for t in TREES + [WIDE] if N is None or _arity(parse_tree(t)) <= N]
    J = sum(len(t) for t in trees)
    x = torch.randn(J, D, dtype=F64, requires_grad=True)
    dh, dc = torch.randn(J, H, dtype=F64), torch.randn(J, H, dtype=F64)
    h, c = module(x, trees)
    grads = _grads(module, x, h, c, dh, dc)

    params = {"W_ih": module.weight_ih, "W_hh": module.weight_hh, "b_ih": module.bias_ih,
              "b_hh": module.bias_hh}
    params = {k: v.detach().numpy().copy() for k, v in params.items()}
    forward, backward = ((child_sum_treelstm_forward, child_sum_treelstm_backward) if N is None
                         else (nary_treelstm_forward, nary_treelstm_backward))
    h_np, c_np, cache = forward(x.detach().numpy(), trees, params)
    np.testing.assert_allclose(h_np, h.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(c_np, c.detach().numpy(), rtol=0, atol=1e-10)
    dx, dparams = backward(dh.numpy(), cache, dc.numpy())
    np.testing.assert_allclose(dx, grads[0].numpy(), rtol=1e-8, atol=1e-10)
    for name, g in zip(["W_ih", "W_hh", "b_ih", "b_hh"], grads[1:]):
        np.testing.assert_allclose(dparams[name], g.numpy(), rtol=1e-8, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("N", [None, 1])
def test_treelstm_module_loads_an_lstm_cell_and_on_a_chain_equals_torch_lstm(N):
    cell = torch.nn.LSTMCell(D, H, dtype=F64)
    module = _module(N)
    module.load_state_dict(cell.state_dict())
    lstm = torch.nn.LSTM(D, H, dtype=F64)
    lstm.load_state_dict({f"{k}_l0": v for k, v in cell.state_dict().items()})
    tree = parse_tree("(0 (0 (0 (0 (0 x0)))))")  # a chain of 5: post-order is time order
    x = torch.randn(5, D, dtype=F64)
    h, c = module(x, tree)
    out, (_, c_n) = lstm(x.unsqueeze(1))
    torch.testing.assert_close(h, out[:, 0], rtol=0, atol=1e-12)
    torch.testing.assert_close(c[-1], c_n[0, 0], rtol=0, atol=1e-12)


def test_treelstm_parameters_have_the_documented_names_and_shapes():
    assert {k: tuple(v.shape) for k, v in ChildSumTreeLSTM(D, H).named_parameters()} == {
        "weight_ih": (4 * H, D), "weight_hh": (4 * H, H), "bias_ih": (4 * H,), "bias_hh": (4 * H,)}
    assert {k: tuple(v.shape) for k, v in NaryTreeLSTM(D, H, 3).named_parameters()} == {
        "weight_ih": (4 * H, D), "weight_hh": (6 * H, 3 * H), "bias_ih": (4 * H,), "bias_hh": (4 * H,)}


def test_nary_module_rejects_a_node_with_more_than_n_children():
    module = NaryTreeLSTM(D, H, 2)
    with pytest.raises(ValueError, match="3 children.*n_ary=2"):
        module(torch.randn(4, D), parse_tree("(0 (0 a) (0 b) (0 c))"))


def test_treelstm_module_rejects_bad_arguments():
    with pytest.raises(ValueError, match="one row per node"):
        ChildSumTreeLSTM(D, H)(torch.randn(2, D), parse_tree("(0 a)"))
    with pytest.raises(ValueError, match="one row per node"):
        ChildSumTreeLSTM(D, H)(torch.randn(1, D + 1), parse_tree("(0 a)"))
    with pytest.raises(ValueError, match="n_ary"):
        NaryTreeLSTM(D, H, 0)
    with pytest.raises(ValueError, match="hidden_size"):
        ChildSumTreeLSTM(D, 0)


def test_nary_module_runs_on_binarized_listops_in_float32_and_every_parameter_gets_a_gradient():
    rng = np.random.default_rng(0)
    trees = [binarize(t) for t in generate_listops(4, rng, max_depth=3, max_args=4, p_operator=0.5)]
    embedding = torch.nn.Embedding(len(VOCAB), D)
    module = NaryTreeLSTM(D, H, 2)
    h, c = module(embedding(torch.from_numpy(word_ids(trees))), trees)
    assert h.dtype == torch.float32 and h.shape == (sum(len(t) for t in trees), H)
    (h.sum() + c.sum()).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters())
