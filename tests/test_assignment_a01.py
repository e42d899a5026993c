"""Assignment a01_rnn_forward_bptt: the instructor notebook, its release, and its hidden tests.

The fast tests run the notebook's cells in this process: the solution must agree with
torch autograd and finite differences, and each classic mistake must fail exactly the
hidden tests meant to catch it.  The slow one runs nbval; nbgrader itself (release,
validate, autograde and its timing) is tested for every assignment in
test_assignments_structure.py and test_submissions.py.
"""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from course_rnn.gradcheck import numerical_gradient_array, relative_error

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "a01_rnn_forward_bptt"
SOURCE = REPO / "solutions" / ASSIGNMENT / "rnn_forward_bptt.ipynb"
RELEASE = REPO / "exercises" / ASSIGNMENT / "rnn_forward_bptt.ipynb"
HIDDEN_TESTS = ("test_rnn_step_forward", "test_rnn_forward", "test_rnn_backward_one_step",
                "test_rnn_backward_through_time", "test_output_forward", "test_output_backward",
                "test_loss_and_gradients", "test_gradient_check", "test_clip_gradients")
SOLUTION_CELLS = ("rnn_step_forward", "rnn_forward", "rnn_backward", "output_forward",
                  "loss_and_gradients", "gradient_check", "clip_gradients")
TOTAL_POINTS = 20

# Classic mistakes, written into the solution cell they belong to as a student would:
# name -> (grade_id of the solution cell, correct code, wrong code, hidden tests it fails).
# (The full catalogue of hand-written submissions is tests/submissions/a01_rnn_forward_bptt/.)
BUGS = {
    "no_gradient_accumulation_across_time": (
        "rnn_backward", "(dhs[t] + dh_next)", "dhs[t]", {"test_rnn_backward_through_time"}),
    "wrong_tanh_derivative": (
        "rnn_backward", "(1 - hs[t] ** 2)", "(1 - hs[t])",
        {"test_rnn_backward_one_step", "test_rnn_backward_through_time"}),
    "off_by_one_in_time": (
        "rnn_backward", "h_prev = hs[t - 1] if t > 0 else h0", "h_prev = hs[t]",
        {"test_rnn_backward_one_step", "test_rnn_backward_through_time"}),
}


def read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def source_of(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def cells_by_grade_id(nb):
    return {nbgrader_meta(c)["grade_id"]: c for c in nb["cells"] if "grade_id" in nbgrader_meta(c)}


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


def student_code(grade_id, bug=None):
    """The solution cell ``grade_id`` as a student would write it: markers gone, maybe a bug."""
    code = source_of(cells_by_grade_id(read(SOURCE))[grade_id])
    code = "\n".join(line for line in code.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)
    if bug is not None and BUGS[bug][0] == grade_id:
        _, right, wrong, _ = BUGS[bug]
        assert code.count(right) == 1, f"the solution no longer contains {right!r}; update BUGS"
        code = code.replace(right, wrong)
    return code


def student_notebook(bug=None):
    """The released notebook with every solution cell filled in (with ``bug`` if given)."""
    nb = read(RELEASE)
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            cell["source"] = student_code(meta["grade_id"], bug)
    return nb


def as_autograded(submission):
    """What autograde runs: the instructor notebook (hidden tests restored) with the
    submission's solution cells."""
    answers = {nbgrader_meta(c)["grade_id"]: source_of(c) for c in submission["cells"]
               if nbgrader_meta(c).get("solution")}
    nb = read(SOURCE)
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("solution"):
            cell["source"] = answers[nbgrader_meta(cell)["grade_id"]]
    return nb


def run_cells(nb):
    """Execute the code cells of ``nb`` in one namespace; {grade_id: exception or None}."""
    namespace, outcome = {"__name__": "__main__"}, {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        try:
            exec(compile(source_of(cell), "<cell>", "exec"), namespace)
            error = None
        except Exception as exc:  # a failing test cell is an outcome, not a test error
            error = exc
        if "grade_id" in nbgrader_meta(cell):
            outcome[nbgrader_meta(cell)["grade_id"]] = error
    return namespace, outcome


@pytest.fixture(scope="module")
def solution():
    """The namespace of the instructor notebook after running it top to bottom."""
    namespace, outcome = run_cells(read(SOURCE))
    failed = {k: repr(v) for k, v in outcome.items() if v is not None}
    assert not failed, f"cells of the solution notebook failed: {failed}"
    return namespace


def torch_rnn(x, h0, W_ih, W_hh, b_ih, b_hh):
    """torch.nn.RNN in float64 with the given weights: hs and the module (for its grads)."""
    T, B, D = x.shape
    rnn = torch.nn.RNN(D, W_hh.shape[0], dtype=torch.float64)
    with torch.no_grad():
        for name, value in (("weight_ih_l0", W_ih), ("weight_hh_l0", W_hh),
                            ("bias_ih_l0", b_ih), ("bias_hh_l0", b_hh)):
            getattr(rnn, name).copy_(torch.from_numpy(value))
    xt = torch.from_numpy(x).requires_grad_()
    h0t = torch.from_numpy(h0)[None].clone().requires_grad_()
    hs, _ = rnn(xt, h0t)
    return hs, rnn, xt, h0t


def random_problem(seed, T=5, B=3, D=4, H=6):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((T, B, D)), rng.standard_normal((B, H)),
            rng.standard_normal((H, D)) / 2, rng.standard_normal((H, H)) / 2,
            rng.standard_normal(H), rng.standard_normal(H))


def test_solution_forward_matches_torch_nn_rnn(solution):
    args = random_problem(0)
    hs = solution["rnn_forward"](*args)
    want, *_ = torch_rnn(*args)
    np.testing.assert_allclose(hs, want.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_solution_backward_matches_torch_autograd(solution):
    x, h0, W_ih, W_hh, b_ih, b_hh = random_problem(1)
    hs = solution["rnn_forward"](x, h0, W_ih, W_hh, b_ih, b_hh)
    dhs = np.random.default_rng(2).standard_normal(hs.shape)
    got = solution["rnn_backward"](dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh)
    hs_t, rnn, xt, h0t = torch_rnn(x, h0, W_ih, W_hh, b_ih, b_hh)
    (hs_t * torch.from_numpy(dhs)).sum().backward()
    want = (xt.grad, h0t.grad[0], rnn.weight_ih_l0.grad, rnn.weight_hh_l0.grad,
            rnn.bias_ih_l0.grad, rnn.bias_hh_l0.grad)
    for name, g, w in zip(("dx", "dh0", "dW_ih", "dW_hh", "db_ih", "db_hh"), got, want):
        assert relative_error(g, w.numpy()) < 1e-10, name


def test_solution_backward_matches_finite_differences(solution):
    x, h0, W_ih, W_hh, b_ih, b_hh = args = random_problem(3, T=3, B=2, D=2, H=3)
    hs = solution["rnn_forward"](*args)
    dhs = np.random.default_rng(4).standard_normal(hs.shape)
    got = solution["rnn_backward"](dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh)
    for array, grad in zip(args, got):
        numeric = numerical_gradient_array(lambda: solution["rnn_forward"](*args), array, dhs)
        assert relative_error(grad, numeric) < 1e-7


def test_reference_solution_passes_every_hidden_test():
    _, outcome = run_cells(as_autograded(student_notebook()))
    assert {k: outcome[k] for k in HIDDEN_TESTS} == dict.fromkeys(HIDDEN_TESTS)


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_each_classic_mistake_fails_exactly_the_hidden_tests_meant_to_catch_it(bug):
    _, outcome = run_cells(as_autograded(student_notebook(bug)))
    failed = {k for k in HIDDEN_TESTS if outcome[k] is not None}
    assert failed == BUGS[bug][3]
    for k in failed:
        assert isinstance(outcome[k], AssertionError), (k, outcome[k])


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_visible_self_check_catches_each_classic_mistake(bug):
    _, outcome = run_cells(student_notebook(bug))
    assert isinstance(outcome["check_rnn_backward"], AssertionError)


def test_hidden_test_messages_do_not_print_expected_values():
    _, outcome = run_cells(as_autograded(student_notebook("wrong_tanh_derivative")))
    message = str(outcome["test_rnn_backward_one_step"])
    assert "wrong values" in message and "[" not in message, message


def test_untouched_release_fails_every_hidden_test():
    _, outcome = run_cells(as_autograded(read(RELEASE)))
    assert all(outcome[k] is not None for k in HIDDEN_TESTS), outcome


def test_points_add_up_to_twenty_and_match_each_part_heading():
    nb = read(SOURCE)
    points, part, declared = {}, None, {}
    for cell in nb["cells"]:
        heading = re.match(r"## Part (\w) \((\d+) points?\)", source_of(cell))
        if cell["cell_type"] == "markdown" and heading:
            part, declared[heading[1]] = heading[1], int(heading[2])
        elif nbgrader_meta(cell).get("grade"):
            points[part] = points.get(part, 0) + nbgrader_meta(cell)["points"]
    assert points == declared
    assert sum(points.values()) == TOTAL_POINTS


def test_test_cells_start_with_a_docstring_and_never_end_with_a_value():
    for grade_id, cell in cells_by_grade_id(read(SOURCE)).items():
        if nbgrader_meta(cell)["solution"]:
            continue
        body = ast.parse(source_of(cell)).body
        if grade_id.startswith(("test_", "check_")):
            assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), grade_id
        last = body[-1]
        is_print = (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                    and getattr(last.value.func, "id", "") == "print")
        assert not isinstance(last, ast.Expr) or is_print, f"{grade_id} ends with an expression"


def test_every_hidden_test_cell_hides_its_whole_body_and_is_graded():
    for grade_id in HIDDEN_TESTS:
        cell = cells_by_grade_id(read(SOURCE))[grade_id]
        meta = nbgrader_meta(cell)
        assert meta["grade"] and meta["locked"] and meta["points"] > 0 and meta["schema_version"] == 3
        code = [l for l in source_of(cell).split("### BEGIN HIDDEN TESTS")[0].splitlines() if l]
        assert ast.parse("\n".join(code)).body[0].value.value.startswith("Hidden test")
        assert source_of(cell).rstrip().endswith("### END HIDDEN TESTS")


def test_student_facing_code_does_not_import_the_reference_package():
    for cell in read(RELEASE)["cells"]:
        if cell["cell_type"] == "code":
            assert "course_rnn" not in source_of(cell)


def test_source_notebook_has_no_outputs():
    for cell in read(SOURCE)["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_release_contains_no_solution_and_no_hidden_test_line():
    release = "\n".join(source_of(c) for c in read(RELEASE)["cells"])
    source = [source_of(c) for c in read(SOURCE)["cells"]]
    secret = [line.strip() for s in source for line in
              regions(s, "### BEGIN SOLUTION", "### END SOLUTION")
              + regions(s, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")]
    assert len(secret) > 200
    visible = {line.strip() for s in source for line in
               re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END (SOLUTION|HIDDEN TESTS)", "", s,
                      flags=re.S).splitlines()}
    leaked = [line for line in secret if len(line) > 8 and line not in visible and line in release]
    assert leaked == []
    assert "BEGIN SOLUTION" not in release and "HIDDEN TESTS" not in release
    assert release.count("raise NotImplementedError()") == 8  # output_forward's cell holds two functions


@pytest.mark.slow
def test_solution_notebooks_run_top_to_bottom_under_nbval():
    done = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
                           str(REPO / "solutions" / ASSIGNMENT)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]


# ---------------------------------------------------------------- the extended parts (D to G)

def torch_model(x, targets, h0, p):
    """The whole language model in torch float64: the loss summed over time, averaged over
    the batch, and autograd's gradients of h0 and every weight."""
    t = {k: torch.tensor(v, requires_grad=True) for k, v in {"h0": h0, **p}.items()}
    h, loss = t["h0"], 0.0
    for step in range(x.shape[0]):
        h = torch.tanh(torch.from_numpy(x[step]) @ t["W_ih"].T + t["b_ih"] + h @ t["W_hh"].T + t["b_hh"])
        logits = h @ t["W_ho"].T + t["b_o"]
        loss = loss + torch.nn.functional.cross_entropy(logits, torch.from_numpy(targets[step]),
                                                        reduction="sum") / x.shape[1]
    loss.backward()
    return loss.item(), {k: v.grad.numpy() for k, v in t.items()}


def random_model_problem(seed, T=6, B=3, D=4, H=5, V=7):
    rng = np.random.default_rng(seed)
    p = {"W_ih": rng.standard_normal((H, D)) / 2, "W_hh": rng.standard_normal((H, H)) / 2,
         "b_ih": rng.standard_normal(H), "b_hh": rng.standard_normal(H),
         "W_ho": rng.standard_normal((V, H)), "b_o": rng.standard_normal(V)}
    return rng.standard_normal((T, B, D)), rng.integers(0, V, (T, B)), rng.standard_normal((B, H)), p


def test_solution_loss_and_gradients_match_torch_autograd(solution):
    x, targets, h0, p = random_model_problem(10)
    loss, grads = solution["loss_and_gradients"](x, targets, h0, p)
    want_loss, want = torch_model(x, targets, h0, p)
    assert abs(loss - want_loss) < 1e-12 * abs(want_loss)
    assert set(grads) == set(want)
    for name in want:
        assert relative_error(grads[name], want[name]) < 1e-10, name


def test_solution_output_probabilities_are_torch_softmax_even_for_huge_logits(solution):
    x, targets, h0, p = random_model_problem(11)
    hs = solution["rnn_forward"](x, h0, *(p[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")))
    probs, _ = solution["output_forward"](hs, targets, p["W_ho"], p["b_o"] + 1000.0)
    want = torch.softmax(torch.from_numpy(hs @ p["W_ho"].T + p["b_o"] + 1000.0), dim=-1).numpy()
    np.testing.assert_allclose(probs, want, rtol=1e-12, atol=1e-15)


def test_solution_gradient_check_reports_small_and_large_errors(solution):
    x, targets, h0, p = random_model_problem(12, T=3, B=2, D=3, H=4, V=5)
    _, want = torch_model(x, targets, h0, p)
    for name in ("h0", "W_hh", "b_o"):
        assert solution["gradient_check"](x, targets, h0, p, name, want[name]) < 1e-6
        assert abs(solution["gradient_check"](x, targets, h0, p, name, 2 * want[name]) - 1 / 3) < 1e-5


def test_solution_clipping_matches_torch_clip_grad_norm(solution):
    rng = np.random.default_rng(13)
    grads = {"W_hh": 50 * rng.standard_normal((4, 4)), "b_o": rng.standard_normal(3)}
    clipped, norm = solution["clip_gradients"](grads, 2.0)
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.from_numpy(g.copy())
    torch_norm = torch.nn.utils.clip_grad_norm_(tensors, 2.0)
    assert abs(norm - torch_norm.item()) < 1e-12 * norm
    for t, name in zip(tensors, grads):  # torch divides by norm + 1e-6
        np.testing.assert_allclose(clipped[name], t.grad.numpy(), rtol=1e-6)


# ---------------------------------------------------------------- tolerance margins

FD_BACKWARDS = {
    "rnn_backward": """
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    arrays = [a.copy() for a in (x, h0, W_ih, W_hh, b_ih, b_hh)]
    return tuple(numerical_gradient(lambda: np.sum(rnn_forward(*arrays) * dhs), a) for a in arrays)
""",
    "loss_and_gradients": """
def loss_and_gradients(x, targets, h0, params):
    h0, params = h0.copy(), {k: v.copy() for k, v in params.items()}
    def loss():
        hs = rnn_forward(x, h0, params["W_ih"], params["W_hh"], params["b_ih"], params["b_hh"])
        return output_forward(hs, targets, params["W_ho"], params["b_o"])[1]
    grads = {name: numerical_gradient(loss, value) for name, value in params.items()}
    grads["h0"] = numerical_gradient(loss, h0)
    return loss(), grads
""",
}
FD_TESTS = {"rnn_backward": ("test_rnn_backward_one_step", "test_rnn_backward_through_time"),
            "loss_and_gradients": ("test_loss_and_gradients",)}
# (output_backward is not given b_o, so it cannot be obtained by differencing output_forward)


def tolerance_ratios(cells, monkeypatch):
    """Run the hidden tests with the solution cells ``{grade_id: code}`` replaced, with
    check_array recording instead of failing (so every case of a cell is seen); return, per
    test cell, the largest ratio |got - want| / (atol + rtol |want|) over its comparisons
    (above 1 fails the cell)."""
    import course_rnn.grading.checks as checks

    seen, current = {}, [None]
    original = checks.check_array

    def recording(name, got, want, rtol=checks.RTOL, atol=checks.ATOL, hint=""):
        if isinstance(got, np.ndarray) and got.shape == want.shape and current[0]:
            ratio = float(np.max(np.abs(got - want) / (atol + rtol * np.abs(want))))
            case = name.split(" for ", 1)[-1]
            if "given" not in case:  # states or probabilities not from the forward pass: not a
                cases = seen.setdefault(current[0], {})  # measure of numerical error
                cases[case] = max(cases.get(case, 0.0), ratio)
            return None
        return original(name, got, want, rtol, atol, hint)

    monkeypatch.setattr(checks, "check_array", recording)
    nb = as_autograded(student_notebook())
    for grade_id, code in cells.items():
        nb = _with_cell(nb, grade_id, code)
    namespace = {"__name__": "__main__"}
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        if cell["cell_type"] != "code" or meta.get("grade_id", "").startswith("check_"):
            continue
        source = source_of(cell)
        current[0] = meta.get("grade_id") if meta.get("grade") else None
        try:
            exec(compile(source, "<cell>", "exec"), namespace)
        except AssertionError:
            pass
    monkeypatch.undo()
    return {test: (min(cases.values()), max(cases.values())) for test, cases in seen.items()}


def test_exact_answers_pass_the_hidden_tolerance_by_a_wide_margin(monkeypatch):
    ratios = tolerance_ratios({}, monkeypatch)
    print({k: f"{v[1]:.1e}" for k, v in ratios.items()})
    # (test_loss_and_gradients accepts the composition of the student's own parts first)
    assert set(ratios) >= {t for tests in FD_TESTS.values() for t in tests} - {"test_loss_and_gradients"}
    assert max(worst for _, worst in ratios.values()) < 1e-2  # at least 100x inside the tolerance


def correct_catalogue_cases():
    from submission_cases import load_cases
    return [case for case in load_cases(ASSIGNMENT) if not case.lose]


@pytest.mark.parametrize("case", correct_catalogue_cases(), ids=lambda case: case.name)
def test_correct_solutions_in_other_styles_stay_far_inside_the_hidden_tolerance(case, monkeypatch):
    ratios = tolerance_ratios(case.cells, monkeypatch)
    print(case.name, {k: f"{v[1]:.1e}" for k, v in ratios.items()})
    assert max(worst for _, worst in ratios.values()) < 1e-2


@pytest.mark.parametrize("grade_id", sorted(FD_TESTS))
def test_numerical_differentiation_fails_the_hidden_tolerance_by_a_wide_margin(grade_id, monkeypatch):
    code = FD_BACKWARDS[grade_id]
    ratios = tolerance_ratios({grade_id: code}, monkeypatch)
    print(grade_id, {k: f"least {ratios[k][0]:.1f}x, worst {ratios[k][1]:.0f}x the tolerance"
                     for k in FD_TESTS[grade_id]})
    for test in FD_TESTS[grade_id]:
        least, worst = ratios[test]
        assert worst > 10, test  # the cell fails, by at least an order of magnitude
    _, outcome = run_cells(as_autograded(_with_cell(student_notebook(), grade_id, code)))
    assert all(isinstance(outcome[t], AssertionError) for t in FD_TESTS[grade_id])


def _with_cell(nb, grade_id, code):
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            cell["source"] = code
    return nb


# ---------------------------------------------------------------- self-checks say where the bug is

@pytest.mark.parametrize("grade_id, wrong", [
    ("rnn_step_forward", "h_prev @ W_hh + b_hh"),
    ("rnn_forward", "h = rnn_step_forward(x[t], h0, W_ih, W_hh, b_ih, b_hh)"),
])
def test_self_check_c_blames_the_forward_pass_when_the_bug_is_there(grade_id, wrong):
    right = {"rnn_step_forward": "h_prev @ W_hh.T + b_hh",
             "rnn_forward": "h = rnn_step_forward(x[t], h, W_ih, W_hh, b_ih, b_hh)"}[grade_id]
    nb = student_notebook()
    code = student_code(grade_id)
    assert code.count(right) == 1
    _, outcome = run_cells(_with_cell(nb, grade_id, code.replace(right, wrong)))
    message = str(outcome["check_rnn_backward"])
    assert isinstance(outcome["check_rnn_backward"], AssertionError) and "Parts A and B" in message


def test_one_tolerance_story_in_the_notebook():
    text = "\n".join(source_of(c) for c in read(SOURCE)["cells"])
    assert "rtol=1e-10, atol=1e-12" in text and "rel_error < 1e-6" in text
    hidden_tols = re.findall(r'TOL = \{"rtol": ([0-9e.-]+), "atol": ([0-9e.-]+)\}', text)
    assert hidden_tols and set(hidden_tols) == {("1e-10", "1e-12")}
    checks = re.findall(r"error < ([0-9e.-]+)", text)
    assert checks and set(checks) == {"1e-6"}


def test_hand_derived_parts_carry_the_forbid_metadata():
    for grade_id, cell in cells_by_grade_id(read(SOURCE)).items():
        if grade_id in ("rnn_backward", "output_forward", "loss_and_gradients"):
            assert set(cell["metadata"]["course_rnn"]["forbid"]) == {"course_rnn", "torch", "torch.autograd",
                                                                      "numerical_gradient"}
        elif nbgrader_meta(cell).get("solution"):
            assert "course_rnn" in cell["metadata"]["course_rnn"]["forbid"], grade_id
