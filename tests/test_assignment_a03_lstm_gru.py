"""Assignment a03_lstm_gru: the instructor notebook, its release, and its hidden tests.

The fast tests run the notebook's cells in this process: the solution agrees with torch
(nn.LSTMCell, nn.LSTM and autograd, nn.GRUCell where the two GRU variants coincide) and with
finite differences; the untouched release fails every hidden test; a finite-difference answer
fails every gradient test while the solution passes with a wide margin.  The slow one runs
nbval.  nbgrader itself (release, validate, autograde of the solution, the release and the
catalogue of hand-written submissions, its timing) is tested for every assignment in
test_assignments_structure.py and test_submissions.py.

The generic notebook helpers here are shared with test_assignment_a05_tree_lstm.py.
"""

import ast
import builtins
import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from course_rnn.gradcheck import numerical_gradient, numerical_gradient_array, relative_error
from submission_cases import load_cases

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "a03_lstm_gru"
SOURCE = REPO / "solutions" / ASSIGNMENT / "lstm_gru.ipynb"
RELEASE = REPO / "exercises" / ASSIGNMENT / "lstm_gru.ipynb"
TOTAL_POINTS = 20
GRADIENT_TESTS = ("test_lstm_step_backward", "test_lstm_step_backward_with_dc", "test_lstm_backward_through_time",
                  "test_lstm_backward_final_cell_state", "test_gru_step_backward")
BY_HAND = ("lstm_step_forward", "lstm_step_backward", "lstm_forward", "gru_step_forward")


# ---------------------------------------------------------------- generic notebook helpers

def read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def source_of(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def cells_by_grade_id(nb):
    return {nbgrader_meta(c)["grade_id"]: c for c in nb["cells"] if "grade_id" in nbgrader_meta(c)}


def hidden_tests(nb):
    return [gid for gid, c in cells_by_grade_id(nb).items() if nbgrader_meta(c).get("grade")]


def regions(source, begin, end):
    """Lines strictly inside ``### BEGIN X`` / ``### END X`` regions."""
    inside, lines = False, []
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            lines.append(line)
    return lines


def outside_regions(source):
    """Lines outside every solution and hidden-test region (what the release shows as is)."""
    inside, lines = False, []
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line or "### BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "### END SOLUTION" in line or "### END HIDDEN TESTS" in line:
            inside = False
        elif not inside:
            lines.append(line)
    return lines


def solution_code(source_path, grade_id):
    """The instructor's code of a solution cell, markers removed (what a student would write)."""
    code = source_of(cells_by_grade_id(read(source_path))[grade_id])
    return "\n".join(line for line in code.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


def as_autograded(source_path, answers):
    """The instructor notebook (hidden tests in place) with ``answers`` {grade_id: code} in its
    solution cells; cells not in ``answers`` keep the instructor's solution."""
    nb = read(source_path)
    for cell in nb["cells"]:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and grade_id in answers:
            cell["source"] = answers[grade_id]
    return nb


def release_answers(release_path):
    return {nbgrader_meta(c)["grade_id"]: source_of(c) for c in read(release_path)["cells"]
            if nbgrader_meta(c).get("solution")}


def run_cells(nb, patch=None):
    """Execute the code cells of ``nb`` in one namespace, quietly; {grade_id: exception or None},
    with "free cell <n>" for the cells that have no grade_id (the "try it" cells).

    ``patch`` (a dict) is merged into the namespace after every non-test cell, so a test can
    replace a student's function by another answer.
    """
    namespace, outcome = {"__name__": "__main__"}, {}
    for number, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        meta = nbgrader_meta(cell)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source_of(cell), meta.get("grade_id", "<cell>"), "exec"), namespace)
            error = None
        except Exception as exc:  # a failing test cell is an outcome, not a test error
            error = exc
        if patch and not meta.get("grade"):
            namespace.update(patch)
        outcome[meta.get("grade_id", f"free cell {number}")] = error
    return namespace, outcome


def check_points_match_headings(source_path, total):
    points, part, declared = {}, None, {}
    for cell in read(source_path)["cells"]:
        heading = re.match(r"## Part (\w) \((\d+) points?\)", source_of(cell))
        if cell["cell_type"] == "markdown" and heading:
            part, declared[heading[1]] = heading[1], int(heading[2])
        elif nbgrader_meta(cell).get("grade"):
            points[part] = points.get(part, 0) + nbgrader_meta(cell)["points"]
    assert points == declared
    assert sum(points.values()) == total
    header = source_of(read(source_path)["cells"][0])
    assert f"{total} points in total" in header
    for part, n in declared.items():
        assert re.search(rf"\| {part} \|.*\| {n} \|", header), f"the header's table disagrees on Part {part}"


def check_cell_shapes(source_path):
    """Test and check cells open with a docstring; no locked cell ends with a bare expression."""
    for grade_id, cell in cells_by_grade_id(read(source_path)).items():
        if nbgrader_meta(cell)["solution"]:
            continue
        body = ast.parse(source_of(cell)).body
        if grade_id.startswith(("test_", "check_")):
            assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), grade_id
        last = body[-1]
        is_print = (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                    and getattr(last.value.func, "id", "") == "print")
        assert not isinstance(last, ast.Expr) or is_print, f"{grade_id} ends with an expression"


def check_hidden_cells(source_path, callable_names):
    """Every hidden test cell is graded, locked, hides its whole body after the docstring, and
    uses no name it does not define or import itself apart from the student's functions."""
    known = set(dir(builtins))
    for grade_id in hidden_tests(read(source_path)):
        cell = cells_by_grade_id(read(source_path))[grade_id]
        meta = nbgrader_meta(cell)
        assert meta["grade"] and meta["locked"] and meta["points"] > 0 and meta["schema_version"] == 3
        head, _, rest = source_of(cell).partition("### BEGIN HIDDEN TESTS")
        assert ast.parse(head).body[0].value.value.startswith("Hidden test"), grade_id
        assert len(ast.parse(head).body) == 1, f"{grade_id}: code outside the hidden region"
        assert source_of(cell).rstrip().endswith("### END HIDDEN TESTS")
        tree = ast.parse(rest.replace("### END HIDDEN TESTS", ""))
        defined = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
                defined |= {a.arg for a in node.args.args + node.args.kwonlyargs} if hasattr(node, "args") else set()
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, ast.arg):
                defined.add(node.arg)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                defined.add(node.name)
        used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
        foreign = used - defined - known - set(callable_names)
        assert not foreign, f"{grade_id} uses names from the student's namespace: {sorted(foreign)}"


def check_release_hides_solutions(source_path, release_path, stubs):
    release = "\n".join(source_of(c) for c in read(release_path)["cells"])
    secret = [line.strip() for c in read(source_path)["cells"] for line in
              regions(source_of(c), "### BEGIN SOLUTION", "### END SOLUTION")
              + regions(source_of(c), "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")]
    assert len(secret) > 100
    public = {line.strip() for c in read(source_path)["cells"] for line in outside_regions(source_of(c))}
    release_lines = {line.strip() for line in release.splitlines()}
    leaked = [line for line in secret if len(line) > 12 and line in release_lines and line not in public]
    assert leaked == []
    assert "BEGIN SOLUTION" not in release and "HIDDEN TESTS" not in release
    assert release.count("raise NotImplementedError()") == stubs
    for cell in read(release_path)["cells"]:
        if cell["cell_type"] == "code":
            assert "course_rnn" not in source_of(cell)
    for cell in read(source_path)["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def nbgrader_env():
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def check_nbval(assignment):
    done = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
                           str(REPO / "solutions" / assignment)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]


# ---------------------------------------------------------------- the solution against torch

@pytest.fixture(scope="module")
def solution():
    """The namespace of the instructor notebook after running it top to bottom."""
    namespace, outcome = run_cells(read(SOURCE))
    failed = {k: repr(v) for k, v in outcome.items() if v is not None}
    assert not failed, f"cells of the solution notebook failed: {failed}"
    return namespace


def lstm_problem(seed, T=5, B=3, D=4, H=6):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((T, B, D)), rng.standard_normal((B, H)), rng.standard_normal((B, H)),
            rng.standard_normal((4 * H, D)) / 2, rng.standard_normal((4 * H, H)) / 2,
            rng.standard_normal(4 * H), rng.standard_normal(4 * H))


def test_solution_lstm_step_matches_torch_lstm_cell(solution):
    x, h0, c0, W_ih, W_hh, b_ih, b_hh = lstm_problem(0)
    cell = torch.nn.LSTMCell(4, 6, dtype=torch.float64)
    cell.load_state_dict({"weight_ih": torch.from_numpy(W_ih), "weight_hh": torch.from_numpy(W_hh),
                          "bias_ih": torch.from_numpy(b_ih), "bias_hh": torch.from_numpy(b_hh)})
    h, c, gates = solution["lstm_step_forward"](x[0], h0, c0, W_ih, W_hh, b_ih, b_hh)
    want_h, want_c = cell(torch.from_numpy(x[0]), (torch.from_numpy(h0), torch.from_numpy(c0)))
    np.testing.assert_allclose(h, want_h.detach().numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(c, want_c.detach().numpy(), rtol=1e-13, atol=1e-14)
    assert gates.shape == (3, 24)


def test_solution_lstm_bptt_matches_torch_lstm_autograd(solution):
    x, h0, c0, W_ih, W_hh, b_ih, b_hh = lstm_problem(1)
    rng = np.random.default_rng(2)
    dhs, dc_last = rng.standard_normal((5, 3, 6)), rng.standard_normal((3, 6))
    hs, cs, gates = solution["lstm_forward"](x, h0, c0, W_ih, W_hh, b_ih, b_hh)
    got = solution["lstm_backward"](dhs, dc_last, x, h0, c0, hs, cs, gates, W_ih, W_hh)
    lstm = torch.nn.LSTM(4, 6, dtype=torch.float64)
    with torch.no_grad():
        for name, value in (("weight_ih_l0", W_ih), ("weight_hh_l0", W_hh), ("bias_ih_l0", b_ih), ("bias_hh_l0", b_hh)):
            getattr(lstm, name).copy_(torch.from_numpy(value))
    xt, h0t, c0t = (torch.tensor(v, requires_grad=True) for v in (x, h0[None], c0[None]))
    out, (_, c_T) = lstm(xt, (h0t, c0t))
    np.testing.assert_allclose(hs, out.detach().numpy(), rtol=1e-12, atol=1e-13)
    ((out * torch.from_numpy(dhs)).sum() + (c_T[0] * torch.from_numpy(dc_last)).sum()).backward()
    want = (xt.grad, h0t.grad[0], c0t.grad[0], lstm.weight_ih_l0.grad, lstm.weight_hh_l0.grad, lstm.bias_ih_l0.grad)
    for name, g, w in zip(("dx", "dh0", "dc0", "dW_ih", "dW_hh", "db"), got, want):
        assert relative_error(g, w.numpy()) < 1e-10, name
    assert relative_error(got[5], lstm.bias_hh_l0.grad.numpy()) < 1e-10


def test_solution_lstm_step_backward_matches_finite_differences(solution):
    x, h0, c0, W_ih, W_hh, b_ih, b_hh = lstm_problem(3, T=1, B=2, D=3, H=3)
    x = x[0]
    rng = np.random.default_rng(4)
    dh, dc = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    _, _, gates = solution["lstm_step_forward"](x, h0, c0, W_ih, W_hh, b_ih, b_hh)
    got = solution["lstm_step_backward"](dh, dc, x, h0, c0, gates, W_ih, W_hh)

    def loss():
        h, c, _ = solution["lstm_step_forward"](x, h0, c0, W_ih, W_hh, b_ih, b_hh)
        return float(np.sum(h * dh) + np.sum(c * dc))

    for value, grad in zip((x, h0, c0, W_ih, W_hh, b_hh), got):
        assert relative_error(grad, numerical_gradient(loss, value)) < 1e-7


def paper_gru(x, h, W_ih, W_hh, b_ih, b_hh):
    """Cho et al.'s GRU written out in torch, for autograd."""
    W_ir, W_iz, W_in = W_ih.chunk(3)
    W_hr, W_hz, W_hn = W_hh.chunk(3)
    b_r, b_z, b_n = (b_ih + b_hh).chunk(3)
    r = torch.sigmoid(x @ W_ir.T + h @ W_hr.T + b_r)
    z = torch.sigmoid(x @ W_iz.T + h @ W_hz.T + b_z)
    n = torch.tanh(x @ W_in.T + (r * h) @ W_hn.T + b_n)
    return (1 - z) * n + z * h


def test_solution_gru_equals_torch_gru_cell_where_the_variants_coincide(solution):
    """With W_hn = 0 and b_hn = 0 the reset gate acts on nothing in either variant."""
    rng = np.random.default_rng(5)
    x, h0 = rng.standard_normal((3, 4)), rng.standard_normal((3, 5))
    W_ih, W_hh, b_ih, b_hh = (rng.standard_normal(s) / 2 for s in ((15, 4), (15, 5), (15,), (15,)))
    W_hh[10:], b_hh[10:] = 0.0, 0.0
    cell = torch.nn.GRUCell(4, 5, dtype=torch.float64)
    cell.load_state_dict({"weight_ih": torch.from_numpy(W_ih), "weight_hh": torch.from_numpy(W_hh),
                          "bias_ih": torch.from_numpy(b_ih), "bias_hh": torch.from_numpy(b_hh)})
    h, _ = solution["gru_step_forward"](x, h0, W_ih, W_hh, b_ih, b_hh)
    np.testing.assert_allclose(h, cell(torch.from_numpy(x), torch.from_numpy(h0)).detach().numpy(), rtol=1e-13)


def test_solution_gru_is_the_papers_variant_and_its_backward_matches_autograd(solution):
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(s) / 2 for s in ((3, 4), (3, 5), (15, 4), (15, 5), (15,), (15,))]
    dh = rng.standard_normal((3, 5))
    h, gates = solution["gru_step_forward"](*arrays)
    leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
    want = paper_gru(*leaves)
    np.testing.assert_allclose(h, want.detach().numpy(), rtol=1e-13)
    (want * torch.from_numpy(dh)).sum().backward()
    got = solution["gru_step_backward"](dh, arrays[0], arrays[1], gates, arrays[2], arrays[3])
    for g, leaf in zip(got, leaves):
        assert relative_error(g, leaf.grad.numpy()) < 1e-10
    x, h0, W_ih, W_hh, b_ih, b_hh = arrays
    numeric = numerical_gradient_array(lambda: solution["gru_step_forward"](x, h0, W_ih, W_hh, b_ih, b_hh)[0], h0, dh)
    assert relative_error(got[1], numeric) < 1e-7


def test_solution_lstm_cell_module_is_a_drop_in_for_lstm_cell(solution):
    torch.manual_seed(0)
    reference = torch.nn.LSTMCell(3, 4, dtype=torch.float64)
    ours = solution["LSTMCellScratch"](3, 4).double()
    ours.load_state_dict(reference.state_dict())
    x = torch.randn(2, 3, dtype=torch.float64)
    for got, want in zip(ours(x), reference(x)):
        torch.testing.assert_close(got, want, rtol=1e-13, atol=1e-14)


# ---------------------------------------------------------------- the hidden tests

def test_reference_solution_passes_every_hidden_test():
    _, outcome = run_cells(read(SOURCE))
    tests = hidden_tests(read(SOURCE))
    assert len(tests) == 10
    assert {k: outcome[k] for k in tests} == dict.fromkeys(tests)


def test_untouched_release_fails_every_hidden_test():
    _, outcome = run_cells(as_autograded(SOURCE, release_answers(RELEASE)))
    assert all(isinstance(outcome[k], NotImplementedError) for k in hidden_tests(read(SOURCE)))


def logit(p):
    return np.log(p) - np.log1p(-p)


def finite_difference_answers(solution, step):
    """The backward functions a student could write from numerical_gradient and their own
    forward passes (the biases, which the backward functions do not get, recovered from the gates)."""
    forward, gru_forward, num = solution["lstm_step_forward"], solution["gru_step_forward"], solution["numerical_gradient"]

    def lstm_bias(x, h, gates, W_ih, W_hh):
        i, f, g, o = np.split(gates, 4, axis=1)
        return (np.concatenate([logit(i), logit(f), np.arctanh(g), logit(o)], axis=1) - x @ W_ih.T - h @ W_hh.T)[0]

    def lstm_step_backward(dh, dc, x, h_prev, c_prev, gates, W_ih, W_hh):
        x, h_prev, c_prev, W_ih, W_hh = (v.copy() for v in (x, h_prev, c_prev, W_ih, W_hh))
        b = lstm_bias(x, h_prev, gates, W_ih, W_hh)

        def loss():
            h, c, _ = forward(x, h_prev, c_prev, W_ih, W_hh, b, 0 * b)
            return np.sum(h * dh) + np.sum(c * dc)
        return tuple(num(loss, v, h=step) for v in (x, h_prev, c_prev, W_ih, W_hh, b))

    def lstm_backward(dhs, dc_last, x, h0, c0, hs, cs, gates, W_ih, W_hh):
        x, h0, c0, W_ih, W_hh = (v.copy() for v in (x, h0, c0, W_ih, W_hh))
        b = lstm_bias(x[0], h0, gates[0], W_ih, W_hh)

        def loss():
            hs, cs, _ = solution["lstm_forward"](x, h0, c0, W_ih, W_hh, b, 0 * b)
            return np.sum(hs * dhs) + np.sum(cs[-1] * dc_last)
        return tuple(num(loss, v, h=step) for v in (x, h0, c0, W_ih, W_hh, b))

    def gru_step_backward(dh, x, h_prev, gates, W_ih, W_hh):
        x, h_prev, W_ih, W_hh = (v.copy() for v in (x, h_prev, W_ih, W_hh))
        H = h_prev.shape[1]
        r, z, n = np.split(gates, 3, axis=1)
        b = np.concatenate([(logit(r) - x @ W_ih[:H].T - h_prev @ W_hh[:H].T)[0],
                            (logit(z) - x @ W_ih[H:2 * H].T - h_prev @ W_hh[H:2 * H].T)[0],
                            (np.arctanh(n) - x @ W_ih[2 * H:].T - (r * h_prev) @ W_hh[2 * H:].T)[0]])
        loss = lambda: np.sum(gru_forward(x, h_prev, W_ih, W_hh, b, 0 * b)[0] * dh)
        return tuple(num(loss, v, h=step) for v in (x, h_prev, W_ih, W_hh, b))

    return {"lstm_step_backward": lstm_step_backward, "lstm_backward": lstm_backward,
            "gru_step_backward": gru_step_backward}


@pytest.mark.parametrize("step", [1e-4, 1e-5, 1e-6])
def test_finite_difference_answers_fail_every_gradient_test(solution, step):
    _, outcome = run_cells(read(SOURCE), patch=finite_difference_answers(solution, step))
    for grade_id in GRADIENT_TESTS:
        assert isinstance(outcome[grade_id], AssertionError), (grade_id, outcome[grade_id])
        assert "wrong values" in str(outcome[grade_id])


def test_solution_passes_the_gradient_tests_with_a_wide_margin(monkeypatch):
    """At a hundredth of the hidden tests' tolerance the solution still passes every gradient test."""
    import course_rnn.grading.checks as checks

    strict = checks.check_array

    def check_array(name, got, want, rtol=checks.RTOL, atol=checks.ATOL, hint=""):
        strict(name, got, want, rtol=rtol / 100, atol=atol / 100, hint=hint)

    monkeypatch.setattr(checks, "check_array", check_array)
    _, outcome = run_cells(read(SOURCE))
    assert {k: outcome[k] for k in GRADIENT_TESTS} == dict.fromkeys(GRADIENT_TESTS)


def test_hidden_test_messages_name_the_property_and_never_print_values():
    case = next(c for c in load_cases(ASSIGNMENT) if c.name == "sigmoid_derivative_applied_twice")
    _, outcome = run_cells(as_autograded(SOURCE, case.cells))
    message = str(outcome["test_lstm_step_backward"])
    assert "wrong values" in message and "derivative" in message
    assert "[" not in message and "array(" not in message, message


@pytest.mark.parametrize("case_name, self_check", [
    ("gate_order_igfo", "check_lstm_step_forward"),
    ("sigmoid_derivative_applied_twice", "check_lstm_step_backward"),
    ("drops_the_direct_dc", "check_lstm_step_backward"),
    ("bptt_overwrites_weight_gradients", "check_lstm_forward"),
    ("bptt_ignores_dc_last", "check_lstm_forward"),
    ("gru_pytorch_variant", "check_gru_step"),
    ("gru_backward_misses_direct_path", "check_gru_step"),
    ("cell_reuses_numpy_step", "check_LSTMCellScratch"),
])
def test_visible_self_check_catches_the_mistake(case_name, self_check):
    case = next(c for c in load_cases(ASSIGNMENT) if c.name == case_name)
    nb = read(RELEASE)
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("solution"):
            cell["source"] = case.cells.get(nbgrader_meta(cell)["grade_id"],
                                            solution_code(SOURCE, nbgrader_meta(cell)["grade_id"]))
    _, outcome = run_cells(nb)
    assert isinstance(outcome[self_check], AssertionError), outcome[self_check]


def test_self_checks_pass_on_the_solution_in_the_release():
    nb = read(RELEASE)
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("solution"):
            cell["source"] = solution_code(SOURCE, nbgrader_meta(cell)["grade_id"])
    _, outcome = run_cells(nb)
    assert {k: v for k, v in outcome.items() if k.startswith("check_") and v is not None} == {}


# ---------------------------------------------------------------- the notebook's form

def test_points_add_up_to_twenty_and_match_each_part_heading():
    check_points_match_headings(SOURCE, TOTAL_POINTS)


def test_test_cells_start_with_a_docstring_and_never_end_with_a_value():
    check_cell_shapes(SOURCE)


def test_every_hidden_test_cell_hides_its_whole_body_and_uses_only_its_own_names():
    check_hidden_cells(SOURCE, ["lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
                                "gru_step_forward", "gru_step_backward", "run_lstm_cell"])


def test_parts_derived_by_hand_forbid_autograd_the_course_package_and_numerical_gradient():
    cells = cells_by_grade_id(read(SOURCE))
    for grade_id in BY_HAND:
        assert sorted(cells[grade_id]["metadata"]["course_rnn"]["forbid"]) == \
            ["course_rnn", "numerical_gradient", "torch", "torch.autograd"]
    assert "not allowed" in "".join(source_of(c) for c in read(SOURCE)["cells"] if c["cell_type"] == "markdown")


def test_release_contains_no_solution_no_hidden_test_line_and_no_reference_import():
    check_release_hides_solutions(SOURCE, RELEASE, stubs=8)


# ---------------------------------------------------------------- nbgrader itself


@pytest.mark.slow
def test_solution_notebook_runs_top_to_bottom_under_nbval():
    check_nbval(ASSIGNMENT)
