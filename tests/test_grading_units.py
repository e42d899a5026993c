"""The grader's small parts, each against what Jupyter, one Python process or the kernel does."""

import ast
import threading
import time

import numpy as np
import pytest

from course_rnn.grading.child import python_source
from course_rnn.grading.forbid import static_violations
from course_rnn.grading.hidden import _update
from course_rnn.grading.notebooks import part_of
from course_rnn.grading.watchdog import HiddenTestTooLong, Watchdog


def run(code):
    """What a cell defines when run as the grader runs it (its notes beside)."""
    source, notes = python_source(code)
    namespace = {}
    exec(compile(ast.parse(source), "<cell>", "exec"), namespace)
    return namespace, notes


@pytest.mark.parametrize("magic", ["%%time", "%%timeit", "%%timeit -n 3 -r 2", "%%capture", "%%capture out"])
def test_timing_and_capturing_cell_magics_run_their_body_as_in_jupyter(magic):
    namespace, notes = run(f"{magic}\ndef f(x):\n    return 2 * x\ny = f(21)")
    assert namespace["y"] == 42 and notes == []


def test_timing_line_magics_run_their_statement_and_other_magics_are_named_not_dropped():
    namespace, notes = run("%time a = 1 + 1\n%timeit -n 10 -r 2 b = a + 1\n%matplotlib inline\n!pip install x\n"
                           "%load_ext autoreload\n%cd /\nc = 3")
    assert (namespace["a"], namespace["b"], namespace["c"]) == (2, 3, 3)
    assert notes == ["'!pip install x' is not run when grading", "'%cd /' is not run when grading"]


def test_only_lines_that_start_a_logical_line_are_magics_as_in_ipython():
    """Black puts an operator first on a continuation line ('% (a, b)', '!= shape'); a
    docstring may hold '%timeit'; IPython runs all of these as Python, and so must we.
    Oracle: the same code run by plain Python."""
    code = ('def f(a, shape):\n'
            '    """Usage:\n    %timeit f(1, 2)\n    !ls\n    """\n'
            '    message = ("%d of %d"\n               % (a, shape))\n'
            '    if (a\n            != shape):\n        return message\n'
            '    return "same" \\\n        % ()\n'
            'x = f(1, 2)\n')
    namespace, notes = run(code)
    plain = {}
    exec(code, plain)
    assert namespace["x"] == plain["x"] == "1 of 2" and notes == []
    assert namespace["f"].__doc__ == plain["f"].__doc__


def test_help_requests_are_named_not_run_and_the_rest_of_the_cell_runs():
    namespace, notes = run("import math\nmath.sqrt?\n?math.floor\nmath.pi??\ny = math.sqrt(4)")
    assert namespace["y"] == 2.0
    assert notes == ["'math.sqrt?' is not run when grading", "'?math.floor' is not run when grading",
                     "'math.pi??' is not run when grading"]


def test_an_unknown_cell_magic_is_skipped_and_said(tmp_path):
    namespace, notes = run("%%bash\necho hi")
    assert "bash" in notes[0] and "not run" in notes[0]
    target = tmp_path / "module.py"
    run(f"%%writefile {target}\nX = 1")
    assert target.read_text() == "X = 1\n"


def test_changed_arguments_are_applied_in_place_as_in_one_process():
    """The oracle: the same function run on a deep copy in this process."""
    def student(grads, xs, w):
        for key in grads:
            grads[key] = grads[key] * 0.5
        grads["new"] = np.ones(2)
        del grads["drop"]
        xs.append(4)
        w *= 3
        return None

    def fresh():
        return {"a": np.arange(3.0), "drop": 1.0}, [1, 2], np.ones(2)

    expected = fresh()
    student(*expected)
    original = fresh()
    kept = original[0]["a"], original[2]
    changed = fresh()
    student(*changed)
    _update((original, {}), (changed, {}))
    assert original[0].keys() == expected[0].keys() and np.array_equal(original[0]["a"], expected[0]["a"])
    assert original[1] == expected[1] and np.array_equal(original[2], expected[2])
    assert original[2] is kept[1]  # arrays change in place, like the test's own references


def test_static_check_sees_keywords_strings_and_torch_layers():
    assert static_violations("x = torch.zeros(1, requires_grad=True)", ["torch.autograd"])
    assert static_violations("import importlib\nimportlib.import_module('course_rnn.scratch')", ["course_rnn"])
    assert static_violations("cell = nn.LSTMCell(3, 4)", ["torch.nn.rnn"])
    assert static_violations("y = torch.tanh(x)", ["torch"])
    # complex-step differentiation, in its usual spellings
    for step in ("v = v.astype(complex)", "v[i] += 1e-20j", "g = f(v).imag / h", "v = np.asarray(v, \"complex128\")"):
        assert static_violations(step, ["numerical_gradient"]), step
        assert static_violations(step, ["torch"]) == [], step
    clean = "def rnn_backward(dhs, cache):\n    backward = dhs * 2\n    return backward"
    assert static_violations(clean, ["torch", "course_rnn", "torch.autograd", "numerical_gradient", "torch.nn.rnn"]) == []
    assert static_violations("x = " + "+".join(["1"] * 300000), ["torch"]) == []  # the child reports the error


def test_a_test_cell_declares_its_part_and_names_are_only_a_fallback():
    def test_cell(grade_id, part=None):
        metadata = {"nbgrader": {"grade_id": grade_id, "grade": True}}
        if part:
            metadata["course_rnn"] = {"part": part}
        return {"metadata": metadata}

    solutions = ["top_k_filter", "output_forward"]
    assert part_of(test_cell("test_top_p_filter", "top_k_filter"), solutions) == "top_k_filter"
    assert part_of(test_cell("test_top_p_filter"), solutions) is None
    assert part_of(test_cell("test_output_forward_shape"), solutions) == "output_forward"


def test_the_watchdog_stops_a_test_that_spins_but_not_one_that_waits():
    dog = Watchdog(period=0.05)
    with pytest.raises(HiddenTestTooLong):
        with dog.limit(0.3):
            while True:
                pass
    start = time.monotonic()
    with dog.limit(0.3):
        time.sleep(0.8)  # waiting for the child costs no CPU
    assert time.monotonic() - start >= 0.8
    results = []

    def other():
        try:
            with dog.limit(0.2):
                while True:
                    pass
        except HiddenTestTooLong:
            results.append("stopped")

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(10)
    assert results == ["stopped"]


def test_recording_a_class_keeps_no_submission_in_the_gradebook_session(tmp_path, monkeypatch):
    """A grader that records thousands of submissions must not hold them: after each one the
    SQLAlchemy session of nbgrader's gradebook is empty again, and every score is in the file."""
    from nbgrader.api import Gradebook

    from course_rnn.grading.runner import nbgrader_env

    from course_rnn.grading.record import write_gradebook

    monkeypatch.setenv("PATH", nbgrader_env()["PATH"])  # nbgrader creates a gradebook with `alembic`
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "course-rnn") as gb:
        gb.add_assignment("a01")
        gb.add_notebook("nb", "a01")
        gb.add_grade_cell("test_a", "nb", "a01", max_score=2, cell_type="code")
        gb.add_solution_cell("part_a", "nb", "a01")
        for i in range(40):
            result = {"notebooks": {"nb.ipynb": {"scores": {"test_a": i % 3}, "comments": {}}}}
            write_gradebook(gb, "a01", f"s{i:02d}", result)
            assert len(gb.db.identity_map) == 0, f"the session holds {len(gb.db.identity_map)} rows after s{i:02d}"
    with Gradebook(url, "course-rnn") as gb:
        scores = {f"s{i:02d}": gb.find_grade("test_a", "nb", "a01", f"s{i:02d}").auto_score for i in range(40)}
    assert scores == {f"s{i:02d}": i % 3 for i in range(40)}


def test_a_students_exception_keeps_its_class_name_in_the_hidden_tests():
    """A hidden test that says ``type(error).__name__`` names what the student raised, never
    the grader's own class; built-in classes are also caught as themselves."""
    from course_rnn.grading.hidden import StudentError

    for name in ("Exception", "LinAlgError", "ShapeMismatch"):
        error = StudentError.of(name, f"{name}: no")
        assert type(error).__name__ == name and isinstance(error, StudentError)
        assert not isinstance(error, (ValueError, ArithmeticError))
    value_error = StudentError.of("ValueError", "ValueError: no")
    assert isinstance(value_error, ValueError) and type(value_error).__name__ == "ValueError"
    assert type(StudentError.of("not a name!", "x")) is StudentError


def test_a_students_exception_derived_from_a_builtin_one_is_caught_as_it_in_the_hidden_tests():
    """``class TooManyChildren(ValueError)`` raised by student code: a test's ``except
    ValueError`` catches it, as in one process, and its name is the student's.  Oracle: the
    class hierarchy of the real exception."""
    from course_rnn.grading.child import builtin_base
    from course_rnn.grading.hidden import StudentError

    class TooManyChildren(ValueError):
        pass

    assert builtin_base(TooManyChildren("x")) == "ValueError" and builtin_base(np.linalg.LinAlgError()) == "ValueError"
    assert builtin_base(Exception("x")) is None
    error = StudentError.of("TooManyChildren", "TooManyChildren: 5 children", (), builtin_base(TooManyChildren()))
    assert isinstance(error, ValueError) and isinstance(error, StudentError) and type(error).__name__ == "TooManyChildren"
    assert not isinstance(StudentError.of("TooManyChildren", "x"), ValueError)


def test_a_refusal_to_grade_names_its_real_cause_and_its_fix(monkeypatch):
    """Installing bubblewrap is the advice only when it is missing; when it is there but
    cannot start (a container without namespaces), the refusal says that instead."""
    import subprocess
    from types import SimpleNamespace

    from course_rnn.grading import sandbox

    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 0)
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    missing = str(sandbox.unavailable(sandbox.bwrap_problem()))
    assert "apt-get install bubblewrap" in missing and "--unsafe" in missing
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: "/usr/bin/bwrap")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: SimpleNamespace(
        returncode=1, stderr="bwrap: No permissions to creating new namespace\n"))
    failing = str(sandbox.unavailable(sandbox.bwrap_problem()))
    assert "apt-get install" not in failing and "is installed but failed" in failing
    assert "No permissions to creating new namespace" in failing


def test_static_check_of_complex_steps_spares_prose_and_a_students_own_finite_differences():
    """A docstring that starts with 'complexity:' is not a complex dtype, and a cell that
    writes its own numerical_gradient (finite differences, where the task asks for them)
    means that one; the notebook's numerical_gradient called by name is still seen."""
    prose = 'def f(x):\n    """complexity: O(T B H)."""\n    return x'
    assert static_violations(prose, ["numerical_gradient"]) == []
    for dtype in ('"complex"', '"complex128"', '"<c16"', '"c8"'):
        assert static_violations(f"v = v.astype({dtype})", ["numerical_gradient"]), dtype
    own = "def numerical_gradient(f, x, h=1e-5):\n    return (f(x + h) - f(x - h)) / (2 * h)\ng = numerical_gradient(f, 1.0)"
    assert static_violations(own, ["numerical_gradient"]) == []
    assert static_violations("g = numerical_gradient(f, 1.0)", ["numerical_gradient"])


def test_a_gradebook_the_grader_creates_is_the_one_nbgrader_creates(tmp_path, monkeypatch):
    """Same tables, columns and alembic revision as nbgrader.api.Gradebook makes on a new
    database (which asks ``alembic heads`` in a subprocess), and nbgrader opens it as is."""
    from sqlalchemy import create_engine, inspect, text

    from course_rnn.grading.record import create_gradebook, nbgrader_api
    from course_rnn.grading.runner import nbgrader_env

    def layout(url):
        engine = create_engine(url)
        found = inspect(engine)
        tables = {name: sorted(c["name"] for c in found.get_columns(name)) for name in found.get_table_names()}
        with engine.connect() as db:
            revision = db.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        engine.dispose()
        return tables, revision

    ours, theirs = f"sqlite:///{tmp_path / 'ours.db'}", f"sqlite:///{tmp_path / 'theirs.db'}"
    create_gradebook(ours)
    create_gradebook(ours)  # a second call leaves a made gradebook as it is
    monkeypatch.setenv("PATH", nbgrader_env()["PATH"])  # nbgrader runs alembic from the virtualenv
    nbgrader_api().Gradebook(theirs, "course").close()
    tables, revision = layout(ours)
    assert len(tables) > 5 and "alembic_version" in tables
    assert (tables, revision) == layout(theirs)
    with nbgrader_api().Gradebook(ours, "course") as gb:
        gb.add_assignment("a01")
        assert [a.name for a in gb.assignments] == ["a01"]
