"""Assignment a02_generation: the instructor notebook, its release, its hidden tests, and the
small character model shipped with it (trained by course_rnn.pretrained.train_a02_char_model).

The fast tests run the notebook's cells in this process; the slow one runs nbval (nbgrader
itself is tested for every assignment in test_assignments_structure.py and test_submissions.py).
"""

import ast
import itertools
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

import course_rnn.sampling as sampling
from course_rnn.pretrained import train_a02_char_model as trainer

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "a02_generation"
SOURCE = REPO / "solutions" / ASSIGNMENT / "generation.ipynb"
RELEASE = REPO / "exercises" / ASSIGNMENT / "generation.ipynb"
WEIGHTS = REPO / "solutions" / ASSIGNMENT / "char_rnn.npz"
HIDDEN_TESTS = ("test_next_char_distribution", "test_greedy", "test_sample", "test_top_k_filter",
                "test_top_p_filter", "test_beam_search", "test_perplexity")
TOTAL_POINTS = 16
NAMES = ("W_ih", "W_hh", "b_ih", "b_hh", "W_ho", "b_o")


def read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def source_of(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def cells_by_grade_id(nb):
    return {nbgrader_meta(c)["grade_id"]: c for c in nb["cells"] if "grade_id" in nbgrader_meta(c)}


def as_autograded(submission):
    """The instructor notebook with the submission's solution cells (what autograde runs)."""
    answers = {nbgrader_meta(c)["grade_id"]: source_of(c) for c in submission["cells"]
               if nbgrader_meta(c).get("solution")}
    nb = read(SOURCE)
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("solution"):
            cell["source"] = answers[nbgrader_meta(cell)["grade_id"]]
    return nb


def run_cells(nb, monkeypatch):
    """Execute the code cells of ``nb`` in one namespace, in the assignment folder (the setup
    cell loads char_rnn.npz); {grade_id: exception or None}."""
    monkeypatch.chdir(SOURCE.parent)
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
    with pytest.MonkeyPatch.context() as mp:
        namespace, outcome = run_cells(read(SOURCE), mp)
    failed = {k: repr(v) for k, v in outcome.items() if v is not None}
    assert not failed, f"cells of the solution notebook failed: {failed}"
    return namespace


def load_weights():
    saved = np.load(WEIGHTS)
    return {k: saved[k].astype(np.float64) for k in NAMES}, str(saved["chars"]), saved


# ---------------------------------------------------------------- the shipped model

def test_shipped_weights_load_small_with_the_documented_shapes():
    weights, chars, saved = load_weights()
    V, H = len(chars), weights["W_hh"].shape[0]
    assert WEIGHTS.stat().st_size < 1_000_000
    assert chars == "".join(sorted(set(chars))) and V == 65
    assert {k: weights[k].shape for k in NAMES} == {"W_ih": (H, V), "W_hh": (H, H), "b_ih": (H,), "b_hh": (H,),
                                                    "W_ho": (V, H), "b_o": (V,)}
    assert (REPO / "exercises" / ASSIGNMENT / "char_rnn.npz").read_bytes() == WEIGHTS.read_bytes()


def test_shipped_model_beats_the_unigram_baseline_on_held_out_text():
    from course_rnn.data import load_tinyshakespeare

    weights, chars, saved = load_weights()
    validation = trainer.encode(load_tinyshakespeare("validation")[:20_000], list(chars))
    train_ids = trainer.encode(load_tinyshakespeare("train"), list(chars))
    loss = trainer.numpy_loss(weights, validation)
    baseline = trainer.unigram_loss(train_ids, validation, len(chars))
    print(f"validation {loss:.3f} nats/char, unigram {baseline:.3f}")
    assert loss < baseline - 1.2  # 1.76 vs 3.35 nats/char when trained with the defaults
    assert abs(loss - float(saved["validation_loss"])) < 1e-9  # the recorded number is this file's


def test_numpy_forward_of_the_shipped_model_matches_torch_nn_rnn():
    weights, chars, _ = load_weights()
    V, H = len(chars), weights["W_hh"].shape[0]
    rnn, out = torch.nn.RNN(V, H, dtype=torch.float64), torch.nn.Linear(H, V, dtype=torch.float64)
    with torch.no_grad():
        for name, key in (("weight_ih_l0", "W_ih"), ("weight_hh_l0", "W_hh"), ("bias_ih_l0", "b_ih"),
                          ("bias_hh_l0", "b_hh")):
            getattr(rnn, name).copy_(torch.from_numpy(weights[key]))
        out.weight.copy_(torch.from_numpy(weights["W_ho"]))
        out.bias.copy_(torch.from_numpy(weights["b_o"]))
    ids = trainer.encode("To be, or not to be", list(chars))
    x = torch.nn.functional.one_hot(torch.tensor(ids), V).double()[:, None]  # (T, 1, V)
    logits = out(rnn(x)[0][:, 0]).detach()                                   # (T, V)
    want = torch.nn.functional.cross_entropy(logits[:-1], torch.tensor(ids[1:])).item()
    assert abs(trainer.numpy_loss(weights, np.array(ids)) - want) < 1e-12


def test_training_script_is_deterministic():
    first, chars = trainer.train(steps=20)
    second, _ = trainer.train(steps=20)
    assert len(chars) == 65
    assert all(np.array_equal(first[k], second[k]) for k in NAMES)


# ---------------------------------------------------------------- the solution and its hidden tests

def test_solution_distribution_is_a_trained_models_prediction(solution):
    p = solution["next_char_distribution"](solution["MODEL"], solution["encode"]("ROMEO"))
    assert solution["CHARS"][int(np.argmax(p))] == ":"  # the speaker's name ends with a colon


def test_reference_solution_passes_every_hidden_test(monkeypatch):
    _, outcome = run_cells(as_autograded(read(SOURCE)), monkeypatch)
    assert {k: outcome[k] for k in HIDDEN_TESTS} == dict.fromkeys(HIDDEN_TESTS)


def test_untouched_release_fails_every_hidden_test(monkeypatch):
    _, outcome = run_cells(as_autograded(read(RELEASE)), monkeypatch)
    assert all(outcome[k] is not None for k in HIDDEN_TESTS), outcome


def beam_cases():
    """The models and cases of test_beam_search, read from the hidden cell itself."""
    code = source_of(cells_by_grade_id(read(SOURCE))["test_beam_search"])
    namespace = {"np": np}
    # (the hidden code is the body of a function: its lines are indented)
    start = code.rindex("\n", 0, code.index("def random_model")) + 1
    end = code.rindex("\n", 0, code.index("def own_step")) + 1
    exec(textwrap.dedent(code[start:end]), namespace)
    cases = ast.literal_eval(re.search(r"BEAM_CASES = (\[.*?\])\n", code, re.S)[1])
    return namespace, cases


def last_step_beam(step, prime, width, n, V):
    """A beam search that ranks extensions by the last step's log-probability (the classic bug)."""
    logits, state = sampling.feed(step, prime)
    beam = [((), 0.0, logits, state)]
    for _ in range(n):
        candidates = [(ids + (v,), total + lp[v], lp[v], state, v) for ids, total, logits, state in beam
                      for lp in [sampling.log_softmax(logits)] for v in range(V)]
        candidates.sort(key=lambda c: -c[2])
        beam = [(ids, total, *step(v, state)) for ids, total, _, state, v in candidates[:width]]
    return list(max(beam, key=lambda b: b[1])[0])


def test_beam_cases_are_ones_where_pruning_or_the_ranking_changes_the_answer():
    namespace, cases = beam_cases()
    pruned = misranked = 0
    for seed, scale, width, n in cases:
        model = namespace["random_model"](seed, V=4, H=5, scale=scale)
        step = namespace["reference_step"](model)
        beam = sampling.beam_search(step, [1, 3], width, n)
        assert len(beam) == n
        if width == 1:
            assert beam == sampling.greedy(step, [1, 3], n)
            continue
        exact = sampling.beam_search(step, [1, 3], 4 ** n, n)  # nothing pruned: the exact best
        brute = max(itertools.product(range(4), repeat=n),
                    key=lambda ids: sum(sampling.log_softmax(sampling.feed(step, [1, 3] + list(ids[:t]))[0])[c]
                                        for t, c in enumerate(ids)))
        assert exact == list(brute)
        is_pruned, is_misranked = beam != exact, beam != last_step_beam(step, [1, 3], width, n, 4)
        assert is_pruned or is_misranked, (seed, width)
        pruned += is_pruned
        misranked += is_misranked
    assert pruned >= 3 and misranked >= 3


def test_points_add_up_and_match_each_part_heading():
    points, part, declared = {}, None, {}
    for cell in read(SOURCE)["cells"]:
        heading = re.match(r"## Part (\w) \((\d+) points?\)", source_of(cell))
        if cell["cell_type"] == "markdown" and heading:
            part, declared[heading[1]] = heading[1], int(heading[2])
        elif nbgrader_meta(cell).get("grade"):
            points[part] = points.get(part, 0) + nbgrader_meta(cell)["points"]
    assert points == declared and sum(points.values()) == TOTAL_POINTS
    assert f"**Points:** {TOTAL_POINTS}." in source_of(read(SOURCE)["cells"][0])


def test_test_cells_start_with_a_docstring_and_never_end_with_a_value():
    for grade_id, cell in cells_by_grade_id(read(SOURCE)).items():
        if nbgrader_meta(cell)["solution"]:
            assert cell["metadata"]["course_rnn"]["forbid"] == ["course_rnn", "torch"], grade_id
            continue
        body = ast.parse(source_of(cell)).body
        if grade_id.startswith(("test_", "check_")):
            assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), grade_id
        last = body[-1]
        is_print = (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                    and getattr(last.value.func, "id", "") == "print")
        assert not isinstance(last, ast.Expr) or is_print, f"{grade_id} ends with an expression"
        if grade_id.startswith("test_"):
            assert source_of(cell).rstrip().endswith("### END HIDDEN TESTS")


def test_hidden_tests_never_rebind_the_names_of_the_setup_cell():
    setup = ast.parse(source_of(cells_by_grade_id(read(SOURCE))["setup"]))
    setup_names = {t.id for node in setup.body if isinstance(node, ast.Assign) for t in node.targets
                   if isinstance(t, ast.Name)} | {n.name for n in setup.body if isinstance(n, ast.FunctionDef)}
    for grade_id in HIDDEN_TESTS:
        tree = ast.parse(source_of(cells_by_grade_id(read(SOURCE))[grade_id]))
        bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        bound |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        bound |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
                  if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        assert not bound & (setup_names - {"np"}), (grade_id, bound & setup_names)


def test_release_contains_no_solution_and_no_hidden_test_line():
    release = "\n".join(source_of(c) for c in read(RELEASE)["cells"])
    source = [source_of(c) for c in read(SOURCE)["cells"]]
    hidden = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)(.*?)### END (SOLUTION|HIDDEN TESTS)", re.S)
    secret = [line.strip() for s in source for m in hidden.finditer(s) for line in m[2].splitlines()]
    visible = {line.strip() for s in source for line in hidden.sub("", s).splitlines()}
    assert len(secret) > 150
    stated = "\n".join(source_of(c) for c in read(SOURCE)["cells"] if c["cell_type"] == "markdown")
    leaked = [line for line in secret if len(line) > 8 and line not in visible and line not in stated
              and line in release]  # (the task states the randomness rule, rng = default_rng(seed))
    assert leaked == []
    assert "BEGIN SOLUTION" not in release and "HIDDEN TESTS" not in release
    assert release.count("raise NotImplementedError()") == 7


def test_student_facing_code_does_not_import_the_reference_package():
    for cell in read(RELEASE)["cells"]:
        if cell["cell_type"] == "code":
            assert "course_rnn" not in source_of(cell)


def nbgrader_env():
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.slow
def test_solution_notebook_runs_top_to_bottom_under_nbval():
    done = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
                           str(SOURCE)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]
