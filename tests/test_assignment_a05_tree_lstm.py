"""Assignment a05_tree_lstm: the instructor notebook, its release, and its hidden tests.

The fast tests run the notebook's cells in this process: the solution agrees with the PyTorch
Tree-LSTMs of course_rnn.nn (computed level by level, an implementation independent of the
scratch reference the hidden tests use) and with torch's cross_entropy and autograd; the
untouched release fails every hidden test; a finite-difference gradient fails the gradient
test while the solution passes with a wide margin.  The slow one runs nbval; nbgrader itself
and the catalogue of hand-written submissions are tested in test_assignments_structure.py and
test_submissions.py.
"""

import numpy as np
import pytest
import torch

from course_rnn.nn import ChildSumTreeLSTM, NaryTreeLSTM
from course_rnn.trees import Forest, Tree
from submission_cases import load_cases
from test_assignment_a03_lstm_gru import (as_autograded, cells_by_grade_id, check_cell_shapes,
                                          check_hidden_cells, check_nbval, check_points_match_headings,
                                          check_release_hides_solutions,
                                          hidden_tests, nbgrader_meta, read, release_answers, run_cells, solution_code,
                                          source_of)
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "a05_tree_lstm"
SOURCE = REPO / "solutions" / ASSIGNMENT / "tree_lstm.ipynb"
RELEASE = REPO / "exercises" / ASSIGNMENT / "tree_lstm.ipynb"
TOTAL_POINTS = 15


@pytest.fixture(scope="module")
def solution():
    namespace, outcome = run_cells(read(SOURCE))
    failed = {k: repr(v) for k, v in outcome.items() if v is not None}
    assert not failed, f"cells of the solution notebook failed: {failed}"
    return namespace


def shuffled_forest(seed, sizes, max_children):
    """Random Trees, and the same forest as children lists under a random numbering
    (perm[k] is the new index of the k-th node of Forest's post-order)."""
    rng = np.random.default_rng(seed)
    trees = []
    for J in sizes:
        nodes = [Tree() for _ in range(J)]
        for k in range(1, J):
            free = [p for p in range(k) if len(nodes[p].children) < max_children]
            nodes[free[rng.integers(len(free))]].children.append(nodes[k])
        trees.append(nodes[0])
    forest = Forest(trees)
    perm = rng.permutation(len(forest))
    children = [None] * len(forest)
    for k, kids in enumerate(forest.children):
        children[perm[k]] = [int(perm[c]) for c in kids]
    return forest, perm, children


def torch_states(module, x_post, forest):
    with torch.no_grad():
        h, c = module(torch.from_numpy(x_post), forest)
    return h.numpy(), c.numpy()


@pytest.mark.parametrize("kind", ["child_sum", "nary"])
def test_solution_matches_the_level_by_level_torch_tree_lstm_in_any_numbering(solution, kind):
    D, H, N = 3, 4, 3
    forest, perm, children = shuffled_forest(0, (9, 1, 14), max_children=N)
    torch.manual_seed(0)
    module = (ChildSumTreeLSTM(D, H) if kind == "child_sum" else NaryTreeLSTM(D, H, N)).double()
    params = [getattr(module, name).detach().numpy() for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    x_post = np.random.default_rng(1).standard_normal((len(forest), D))
    x = np.empty_like(x_post)
    x[perm] = x_post
    order = solution["bottom_up_order"](children)
    h, c = solution[f"{kind}_forward"](x, children, order, *params)
    want_h, want_c = torch_states(module, x_post, forest)
    np.testing.assert_allclose(h[perm], want_h, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(c[perm], want_c, rtol=1e-12, atol=1e-13)


def test_solution_bottom_up_order_handles_a_deep_chain_and_forests(solution):
    J = 50_000
    chain = [[j + 1] for j in range(J - 1)] + [[]]
    assert solution["bottom_up_order"](chain) == list(reversed(range(J)))
    _, _, children = shuffled_forest(2, (6, 6, 1), max_children=3)
    assert solution["is_bottom_up"](solution["bottom_up_order"](children), children)


def test_solution_loss_matches_torch_cross_entropy_and_autograd(solution):
    rng = np.random.default_rng(3)
    h, W_out, b_out = rng.standard_normal((8, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    labels = np.array([0, -1, 4, 2, -1, -1, 1, 3])
    loss, *grads = solution["node_softmax_loss"](h, labels, W_out, b_out)
    leaves = [torch.tensor(v, requires_grad=True) for v in (h, W_out, b_out)]
    want = torch.nn.functional.cross_entropy(leaves[0] @ leaves[1].T + leaves[2], torch.from_numpy(labels),
                                             ignore_index=-1)
    want.backward()
    assert abs(loss - want.item()) < 1e-13
    for got, leaf in zip(grads, leaves):
        np.testing.assert_allclose(got, leaf.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_reference_solution_passes_every_hidden_test():
    _, outcome = run_cells(read(SOURCE))
    tests = hidden_tests(read(SOURCE))
    assert len(tests) == 7
    assert {k: outcome[k] for k in tests} == dict.fromkeys(tests)


def test_untouched_release_fails_every_hidden_test():
    _, outcome = run_cells(as_autograded(SOURCE, release_answers(RELEASE)))
    assert all(isinstance(outcome[k], NotImplementedError) for k in hidden_tests(read(SOURCE)))


@pytest.mark.parametrize("step", [1e-4, 1e-5, 1e-6])
def test_a_finite_difference_gradient_fails_the_gradient_test(solution, step):
    def node_softmax_loss(h, labels, W_out, b_out):
        h, W_out, b_out = h.copy(), W_out.copy(), b_out.copy()
        loss = lambda: solution["node_softmax_loss"](h, labels, W_out, b_out)[0]
        return (loss(), *(solution["numerical_gradient"](loss, v, h=step) for v in (h, W_out, b_out)))

    _, outcome = run_cells(read(SOURCE), patch={"node_softmax_loss": node_softmax_loss})
    assert outcome["test_node_softmax_loss_value"] is None
    assert isinstance(outcome["test_node_softmax_loss_gradients"], AssertionError)


def test_solution_passes_the_gradient_test_with_a_wide_margin(monkeypatch):
    import course_rnn.grading.checks as checks

    strict = checks.check_array

    def check_array(name, got, want, rtol=checks.RTOL, atol=checks.ATOL, hint=""):
        strict(name, got, want, rtol=rtol / 100, atol=atol / 100, hint=hint)

    monkeypatch.setattr(checks, "check_array", check_array)
    _, outcome = run_cells(read(SOURCE))
    assert outcome["test_node_softmax_loss_gradients"] is None


def test_hidden_test_messages_name_the_property_and_never_print_values():
    case = next(c for c in load_cases(ASSIGNMENT) if c.name == "child_sum_one_forget_gate")
    _, outcome = run_cells(as_autograded(SOURCE, case.cells))
    message = str(outcome["test_child_sum_forward"])
    assert "wrong values" in message and "forget gate per child" in message
    assert "[" not in message and "array(" not in message, message


@pytest.mark.parametrize("case_name, self_check", [
    ("order_recursive_postorder", "check_bottom_up_order"),
    ("order_sorted_by_depth", "check_bottom_up_order"),
    ("child_sum_forgets_b_hh", "check_child_sum_forward"),
    ("child_sum_ignores_the_order", "check_child_sum_forward"),
    ("child_sum_gate_order_of_the_paper", "check_child_sum_forward"),
    ("nary_missing_children_padded_first", "check_nary_forward"),
    ("nary_drops_extra_children", "check_nary_forward"),
    ("loss_mask_ignored", "check_node_softmax_loss"),
    ("loss_softmax_overflows", "check_node_softmax_loss"),
])
def test_visible_self_check_catches_the_mistake(case_name, self_check):
    case = next(c for c in load_cases(ASSIGNMENT) if c.name == case_name)
    nb = read(RELEASE)
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("solution"):
            cell["source"] = case.cells.get(nbgrader_meta(cell)["grade_id"],
                                            solution_code(SOURCE, nbgrader_meta(cell)["grade_id"]))
    _, outcome = run_cells(nb)
    assert outcome[self_check] is not None  # an AssertionError, or the RecursionError of a deep tree


def test_self_checks_pass_on_the_solution_in_the_release():
    nb = read(RELEASE)
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("solution"):
            cell["source"] = solution_code(SOURCE, nbgrader_meta(cell)["grade_id"])
    _, outcome = run_cells(nb)
    assert {k: v for k, v in outcome.items() if k.startswith("check_") and v is not None} == {}


def test_points_add_up_to_fifteen_and_match_each_part_heading():
    check_points_match_headings(SOURCE, TOTAL_POINTS)


def test_test_cells_start_with_a_docstring_and_never_end_with_a_value():
    check_cell_shapes(SOURCE)


def test_every_hidden_test_cell_hides_its_whole_body_and_uses_only_its_own_names():
    check_hidden_cells(SOURCE, ["bottom_up_order", "child_sum_forward", "nary_forward", "node_softmax_loss"])


def test_trees_cross_as_plain_lists_and_the_loss_is_derived_by_hand():
    cells = cells_by_grade_id(read(SOURCE))
    assert cells["node_softmax_loss"]["metadata"]["course_rnn"]["forbid"] == \
        ["course_rnn", "torch", "torch.autograd", "numerical_gradient"]
    for grade_id in ("bottom_up_order", "child_sum_forward", "nary_forward"):
        assert cells[grade_id]["metadata"]["course_rnn"]["forbid"] == ["course_rnn", "torch"]
    for grade_id in hidden_tests(read(SOURCE)):
        assert "Tree(" not in source_of(cells[grade_id]).split("def reference_forward")[0].split("### BEGIN")[0]


def test_release_contains_no_solution_no_hidden_test_line_and_no_reference_import():
    check_release_hides_solutions(SOURCE, RELEASE, stubs=4)


@pytest.mark.slow
def test_solution_notebook_runs_top_to_bottom_under_nbval():
    check_nbval(ASSIGNMENT)
