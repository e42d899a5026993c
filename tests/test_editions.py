"""The two editions (course_rnn.editions): targets declared once and checked against the hidden
tests, a student package without the answers, and a leak scan that finds a planted answer."""

import ast
import importlib
import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from course_rnn import editions

REPO = Path(__file__).resolve().parents[1]
HIDDEN = (editions._BEGIN_HIDDEN, editions._END_HIDDEN)


def _cells(notebook):
    return list(editions._cells(notebook))


def _hidden_code(source):
    """The code between the hidden-test markers of a cell (dedented), or ''."""
    lines, inside = [], False
    for line in source.splitlines():
        if HIDDEN[0] in line:
            inside = True
        elif HIDDEN[1] in line:
            inside = False
        elif inside:
            lines.append(line)
    return textwrap.dedent("\n".join(lines))


def _dotted(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


def _package_object(obj):
    return (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__.startswith("course_rnn.") \
        and not obj.__module__.startswith("course_rnn.grading")


def hidden_test_references(notebook):
    """Every package function or class the hidden tests of ``notebook`` import (``from
    course_rnn.x import y``) or reach through an imported module (``import course_rnn.x as
    reference`` then ``reference.y``), as ``module.qualname``; the grader's helpers left out."""
    found = set()
    for _, source in _cells(notebook):
        code = _hidden_code(source)
        if not code:
            continue
        tree = ast.parse(code)
        modules = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_rnn"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    obj = getattr(module, alias.name)
                    if inspect.ismodule(obj):
                        modules[alias.asname or alias.name] = obj
                    elif _package_object(obj):
                        found.add(_dotted(obj))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("course_rnn") and alias.asname:
                        modules[alias.asname] = importlib.import_module(alias.name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
                obj = getattr(modules[node.value.id], node.attr, None)
                if obj is not None and _package_object(obj):
                    found.add(_dotted(obj))
    return found


def reachable(names):
    """``names`` and every package function their bodies name (called or passed on), again and
    again: the code a reference runs."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        module_file, qualname = editions.split_target(name, REPO / "src" / "course_rnn")
        node = editions.find_definition(ast.parse(module_file.read_text(encoding="utf-8")), qualname)
        if node is None:
            continue
        module = importlib.import_module(name[: -len(qualname) - 1])
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                obj = getattr(module, sub.id, None)
                if obj is not None and _package_object(obj):
                    todo.append(_dotted(obj))
    return seen


def _solution_cells(notebook):
    for cell, source in _cells(notebook):
        if "### BEGIN SOLUTION" in source:
            yield cell, source


def _defined(source):
    tree = ast.parse(source)
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def _methods(source):
    """The methods the classes of ``source`` define (``__init__`` aside)."""
    tree = ast.parse(source)
    return {m.name for n in tree.body if isinstance(n, ast.ClassDef) for m in n.body
            if isinstance(m, ast.FunctionDef) and m.name != "__init__"}


NOTEBOOKS = sorted((REPO / "solutions").glob("*/*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_every_solution_cell_declares_its_targets_and_each_is_a_function_of_the_package(notebook):
    for cell, source in _solution_cells(notebook):
        grade_id = cell["metadata"]["nbgrader"]["grade_id"]
        targets = cell["metadata"].get("course_rnn", {}).get("targets")
        assert isinstance(targets, list), f"{grade_id}: no course_rnn.targets list in its metadata"
        equivalents = cell["metadata"]["course_rnn"].get("equivalents", [])
        assert isinstance(equivalents, list) and not set(equivalents) & set(targets), grade_id
        for name in targets + equivalents:
            module_file, qualname = editions.split_target(name, REPO / "src" / "course_rnn")
            node = editions.find_definition(ast.parse(module_file.read_text(encoding="utf-8")), qualname)
            assert node is not None, f"{grade_id}: {name} is not defined in {module_file}"
            obj = importlib.import_module(name[: -len(qualname) - 1])
            for part in qualname.split("."):
                obj = getattr(obj, part)
            assert callable(obj), name


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_targets_agree_with_what_the_hidden_tests_use_as_references(notebook):
    """Both ways: a reference the hidden tests import under the name of a function the part
    asks for is a target of that part; and every target is code the hidden tests' references
    run, or the package's version of what the part asks for where the hidden test compares
    with torch instead: a function named after the part's function, a method of a package
    class named like a method of the part's class (and that class's other methods), or code
    these run."""
    references = hidden_test_references(notebook)
    runs = reachable(references)
    for cell, source in _solution_cells(notebook):
        grade_id = cell["metadata"]["nbgrader"]["grade_id"]
        targets = set(cell["metadata"]["course_rnn"]["targets"])
        written, methods = _defined(source), _methods(source)
        for reference in references:
            if reference.rsplit(".", 1)[-1] in written:
                assert reference in targets, (
                    f"{grade_id}: the hidden tests compare {reference.rsplit('.', 1)[-1]} with {reference}, "
                    f"which is not among the part's targets {sorted(targets)}")
        versions = {t for t in targets if any(t.rsplit(".", 1)[-1].startswith(name) for name in written)
                    or "." in editions.split_target(t, REPO / "src" / "course_rnn")[1]
                    and t.rsplit(".", 1)[-1] in methods}
        classes = {t.rsplit(".", 1)[0] for t in versions if "." in editions.split_target(t, REPO / "src" / "course_rnn")[1]}
        versions |= {t for t in targets if t.rsplit(".", 1)[0] in classes}
        for target in targets:
            assert target in runs or target in reachable(versions), (
                f"{grade_id}: target {target} is neither used by the hidden tests' references "
                f"({sorted(references)}) nor the package's version of a function or method of the part "
                f"({sorted(written | methods)})")


def test_the_released_notebooks_carry_the_same_targets():
    for notebook in NOTEBOOKS:
        release = REPO / "exercises" / notebook.parent.name / notebook.name
        declared = {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["course_rnn"]["targets"]
                    for c, _ in _solution_cells(notebook)}
        released = {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"].get("course_rnn", {}).get("targets")
                    for c, s in _cells(release) if c["metadata"].get("nbgrader", {}).get("solution")}
        assert released == declared, notebook.parent.name


def test_declared_targets_lists_every_assignment_and_the_targets_the_issue_names():
    targets = editions.declared_targets(REPO)
    assert sorted(targets) == [p.parent.name for p in NOTEBOOKS]
    short = {a: {n.rsplit(".", 1)[-1] for n in names} for a, names in targets.items()}
    # the functions the chapters used to show verbatim (issue 13)
    assert {"rnn_forward", "rnn_backward", "output_forward", "output_backward", "clip_grad_norm"} <= \
        short["a01_rnn_forward_bptt"]
    assert "beam_search" in short["a02_generation"]
    assert {"lstm_step_forward", "lstm_forward", "gru_step_forward_cho2014"} <= short["a03_lstm_gru"]
    # the LSTM layer's hand-written BPTT in PyTorch is the answer of a03 Part C in other clothes
    assert {"course_rnn.nn.lstm.LSTMLayer.forward", "course_rnn.nn.lstm.LSTMLayer.backward"} <= \
        set(targets["a03_lstm_gru"])
    assert {"child_sum_node_forward", "nary_node_forward", "_tree_forward"} <= short["a05_tree_lstm"]


# The student package.

def _run(python, code, cwd, env=None):
    return subprocess.run([str(python), "-c", code], cwd=cwd, capture_output=True, text=True, env=env)


def test_student_package_stubs_every_unreleased_target_and_keeps_the_rest(tmp_path):
    dest = editions.write_student_package(tmp_path / "student", REPO, released=("a02",))
    package = dest / "course_rnn"
    assert not list(package.rglob("__pycache__")) and not list(package.rglob("*.pyc"))
    assert (package / "pretrained" / "charlm_shakespeare.pt").is_file()
    withheld = editions.withheld_targets(REPO, ("a02",))
    assert not any(a.startswith("a02") for a in withheld.values())
    full = editions.target_fingerprints(REPO, ("a02",))
    for name, assignment in withheld.items():
        module_file, qualname = editions.split_target(name, package)
        tree = ast.parse(module_file.read_text(encoding="utf-8"))
        node = editions.find_definition(tree, qualname)
        original = editions.find_definition(
            ast.parse(editions.split_target(name, REPO / "src" / "course_rnn")[0].read_text(encoding="utf-8")), qualname)
        # the signature and the docstring are the original's; the body is one raise
        assert ast.dump(node.args) == ast.dump(original.args), name
        assert ast.get_docstring(node) == ast.get_docstring(original), name
        body = editions._docstring_and_body(node)[1]
        assert len(body) == 1 and isinstance(body[0], ast.Raise), name
        assert editions.body_fingerprint(node) not in full
    # the student package runs: a stub says which assignment asks for it; a released one works
    code = textwrap.dedent("""
        import numpy as np, course_rnn
        from course_rnn.scratch import rnn_forward
        from course_rnn.sampling import top_k_filter
        print(course_rnn.__file__)
        print(top_k_filter(np.array([1.0, 3.0, 2.0]), 1).tolist())
        try:
            rnn_forward(np.zeros((2, 1, 3)), np.zeros((1, 4)), {})
        except NotImplementedError as error:
            print(error)
    """)
    result = _run(sys.executable, code, cwd=dest, env={"PYTHONPATH": str(dest), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    where, kept, message = result.stdout.splitlines()
    assert Path(where).resolve() == (package / "__init__.py").resolve()
    assert kept == "[-inf, 3.0, -inf]"  # top-1 of (1, 3, 2) keeps the 3 alone
    assert message == "rnn_forward is part of assignment a01; write it in the notebook"


def test_leak_scan_names_the_file_of_a_planted_body_however_it_is_renamed_and_laid_out(tmp_path):
    """The scan compares normalised ASTs: a target's body pasted into a page under another
    name, with other spacing and comments, is found; the same page without it is clean."""
    name = "course_rnn.scratch.rnn.rnn_forward"
    module_file, qualname = editions.split_target(name, REPO / "src" / "course_rnn")
    node = editions.find_definition(ast.parse(module_file.read_text(encoding="utf-8")), qualname)
    body = editions._docstring_and_body(node)[1]
    pasted = "def my_forward(a, b, c):\n" + textwrap.indent(
        "\n".join(ast.unparse(stmt) + "   # a comment" for stmt in body), "        ")
    page = "<html><body><p>an innocent page</p><div class='highlight'><pre>{}</pre></div></body></html>"
    clean = tmp_path / "clean"
    (clean / "book").mkdir(parents=True)
    (clean / "book" / "page.html").write_text(page.format("x = 1"))
    assert editions.scan_for_leaks(clean, REPO) == {}
    planted = tmp_path / "planted"
    (planted / "book").mkdir(parents=True)
    escaped = pasted.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    (planted / "book" / "page.html").write_text(page.format(escaped))
    leaks = editions.scan_for_leaks(planted, REPO)
    assert list(leaks) == ["book/page.html"] and name in leaks["book/page.html"]
    # released, the same code is no leak
    assert editions.scan_for_leaks(planted, REPO, released=("a01",)) == {}


def test_leak_scan_finds_a_hidden_test_line_and_a_body_inside_a_wheel(tmp_path):
    import zipfile

    line = sorted(editions.hidden_test_lines(REPO), key=len)[-1]
    (tmp_path / "notes.md").write_text(f"Some notes\n\n    {line}\n")
    wheel = tmp_path / "course_rnn-0.1.0-py3-none-any.whl"
    source = (REPO / "src" / "course_rnn" / "scratch" / "lstm.py").read_text(encoding="utf-8")
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("course_rnn/scratch/lstm.py", source)
    leaks = editions.scan_for_leaks(tmp_path, REPO)
    assert set(leaks) == {"notes.md", f"{wheel.name}!course_rnn/scratch/lstm.py"}
    assert "hidden-test line" in leaks["notes.md"]


def test_the_scan_of_a_student_package_finds_nothing(tmp_path):
    editions.write_student_package(tmp_path / "pkg", REPO)
    assert editions.scan_for_leaks(tmp_path / "pkg", REPO) == {}


# The student wheel, installed alone into a fresh virtualenv, runs every release.

RUNNER = r'''
import json, sys, traceback
import matplotlib
matplotlib.use("Agg")
import course_rnn
exercise, solution = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
print(json.dumps({"course_rnn": course_rnn.__file__}), flush=True)

def cells(path):
    for cell in json.load(open(path, encoding="utf-8"))["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if cell["cell_type"] == "code" and grade_id:
            yield grade_id, "".join(cell["source"]), cell["metadata"]["nbgrader"]
answers = {g: s for g, s, m in cells(solution) if m.get("solution")} if solution else {}
namespace = {"__name__": "__main__"}
for grade_id, source, meta in cells(exercise):
    if meta.get("solution"):
        source = answers.get(grade_id, source)   # the instructor's answer, or the release's stub
    elif not (grade_id == "setup" or grade_id.startswith(("check_", "adapter_"))):
        continue                                 # the hidden tests are the grader's
    try:
        exec(compile(source, grade_id, "exec"), namespace)
        status = {"cell": grade_id, "ok": True}
    except BaseException as error:
        status = {"cell": grade_id, "ok": False, "error": type(error).__name__, "message": str(error),
                  "where": traceback.extract_tb(error.__traceback__)[-1].filename}
    print(json.dumps(status), flush=True)
'''


@pytest.fixture(scope="module")
def student_venv(tmp_path_factory):
    """A virtualenv with the student wheel installed and nothing else of course_rnn: its other
    dependencies come from this environment's site-packages through a .pth line (which, unlike
    the site directory itself, does not run this environment's .pth files, so the editable
    course_rnn of the repository is not importable there)."""
    import site
    import sysconfig

    root = tmp_path_factory.mktemp("student-venv")
    wheel = editions.write_wheel(editions.write_student_package(root / "package", REPO), root / "dist", REPO)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "course-rnn-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-compile",
                    "--no-index", "--quiet", str(wheel)], check=True)
    return python, Path(purelib), wheel


def _run_release(python, exercise, solution=None, cwd=None):
    env = {"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HOME": str(cwd)}
    script = Path(cwd) / "run_release.py"
    script.write_text(RUNNER)
    result = subprocess.run([str(python), str(script), str(exercise), *([str(solution)] if solution else [])],
                            cwd=exercise.parent, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return lines[0]["course_rnn"], lines[1:]


@pytest.mark.slow
@pytest.mark.parametrize("assignment", [p.parent.name for p in NOTEBOOKS])
def test_every_release_runs_its_setup_and_self_checks_with_only_the_student_wheel(student_venv, assignment, tmp_path):
    """With the release's stubs, the setup runs and every self-check fails with a
    NotImplementedError (the student's own stub, or the package's "part of assignment"
    message), never an ImportError; with the instructor's answers pasted in, every self-check
    passes: the wheel holds everything a student who writes the answers needs."""
    python, purelib, _ = student_venv
    exercise = next((REPO / "exercises" / assignment).glob("*.ipynb"))
    solution = REPO / "solutions" / assignment / exercise.name
    where, stubs = _run_release(python, exercise, cwd=tmp_path)
    assert Path(where).resolve().is_relative_to(purelib.resolve()), f"imported {where}, not the wheel's"
    by_cell = {s["cell"]: s for s in stubs}
    assert by_cell["setup"]["ok"], by_cell["setup"]
    checks = [s for s in stubs if s["cell"].startswith("check_")]
    assert checks and all(s["ok"] or s["error"] == "NotImplementedError" for s in checks), \
        [s for s in checks if not s["ok"] and s["error"] != "NotImplementedError"]
    assert any(not s["ok"] for s in checks), "a self-check passed with nothing written"
    where, answered = _run_release(python, exercise, solution, cwd=tmp_path)
    failed = [s for s in answered if not s["ok"]]
    assert not failed, failed


def test_the_student_wheel_holds_no_body_and_no_byte_code_of_an_unreleased_target(student_venv):
    import zipfile

    _, purelib, wheel = student_venv
    names = zipfile.ZipFile(wheel).namelist()
    assert "course_rnn/scratch/rnn.py" in names and not [n for n in names if n.endswith((".pyc", ".pyo"))]
    assert editions.scan_for_leaks(wheel.parent, REPO) == {}
    assert editions.scan_for_leaks(purelib / "course_rnn", REPO) == {}


# Collecting from a learning-management system: nbgrader zip_collect with the course's config.

@pytest.mark.slow
def test_zip_collect_of_three_lms_submissions_then_grade_and_export(tmp_path):
    """A Moodle-style zip of three students' notebooks goes through `nbgrader zip_collect` with
    nbgrader_config.py's settings into submitted/<id>/, then `course-rnn grade` scores them as
    the instructor's solution (full marks), the untouched release (0) and the solution with its
    first part left blank (in between); the export carries the due date set in the gradebook."""
    import csv
    import os
    import zipfile

    sys.path.insert(0, str(REPO / "tests"))
    import grader_fixtures as fixtures

    assignment = "a05_tree_lstm"
    solved, blank = fixtures.solved(assignment), fixtures.release(assignment)
    first_blank = fixtures.with_first_solution(solved, lambda s: fixtures.source(fixtures.solution_cells(blank)[0]))
    course = tmp_path / "course"
    archive = course / "downloaded" / assignment / "archive"
    archive.mkdir(parents=True)
    students = {"1001": ("Ada Lovelace", solved), "1002": ("Alan Turing", blank), "1003": ("Grace Hopper", first_blank)}
    with zipfile.ZipFile(archive / "moodle-download.zip", "w") as download:
        for student, (full_name, notebooks) in students.items():
            for name, notebook in notebooks.items():
                download.writestr(f"{full_name}_{student}_assignsubmission_file_/{name}", json.dumps(notebook))
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    root = f"--CourseDirectory.root={course}"
    for command in (["db", "assignment", "add", assignment, "--duedate=2026-10-15 23:59:00 UTC", root],
                    ["zip_collect", assignment, root]):
        result = subprocess.run([str(bin_dir / "nbgrader"), *command], cwd=REPO, capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr[-3000:]
    for student in students:
        for name in solved:
            assert (course / "submitted" / student / assignment / name).is_file(), (student, name)
    # Grace Hopper handed in late: nbgrader_config's penalty ("zero") must reach the export
    (course / "submitted" / "1003" / assignment / "timestamp.txt").write_text("2026-10-16 08:00:00 UTC\n")
    result = subprocess.run([str(bin_dir / "course-rnn"), "grade", assignment, "--course-dir", str(course),
                             "--no-progress"], cwd=REPO, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    scores = {}
    for line in result.stdout.splitlines():
        student, status, score, *_ = line.split("\t")
        assert status == "graded", line
        got, total = map(float, score.split("/"))
        scores[student] = got / total
    assert scores["1001"] == 1.0 and scores["1002"] == 0.0 and 0.0 < scores["1003"] < 1.0, scores
    result = subprocess.run([str(bin_dir / "course-rnn"), "export", "--course-dir", str(course)],
                            cwd=REPO, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = list(csv.DictReader(open(course / "grades.csv", encoding="utf-8")))
    assert sorted(r["student_id"] for r in rows) == sorted(students)
    assert all(r["duedate"].startswith("2026-10-15 23:59:00") for r in rows), rows[0]
    raw = {r["student_id"]: float(r["raw_score"]) / float(r["max_score"]) for r in rows}
    assert raw == scores
    exported = {r["student_id"]: float(r["score"]) for r in rows}
    assert exported["1003"] == 0.0 and float(rows[[r["student_id"] for r in rows].index("1003")]["late_submission_penalty"]) > 0
    assert exported["1001"] == float(rows[[r["student_id"] for r in rows].index("1001")]["max_score"])


# The two editions of the book, from one execution.

FORCED = ("book/assignments/", "book/instructors")  # pages never cached: executed in every build


@pytest.fixture(scope="module")
def student_book(built_book):
    """The student edition, built from the jupyter-cache of the instructor build ``built_book``
    came from (``<build>/html`` -> ``<build>/.jupyter_cache``, output in ``<build>/student``);
    the build's log says which pages it executed."""
    import fcntl
    import time

    from course_rnn.bookbuild import STUDENT_OUTPUT, student_config

    build_dir = Path(built_book).parent
    with open(build_dir / ".book-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        config = student_config(REPO, build_dir)
        start = time.time()
        result = subprocess.run([str(Path(sys.executable).with_name("jupyter-book")), "build", str(REPO),
                                 "--warningiserror", "--keep-going", "--config", str(config),
                                 "--path-output", str(build_dir / STUDENT_OUTPUT)],
                                cwd=REPO, capture_output=True, text=True, timeout=1800)
        print(f"student edition built in {time.time() - start:.0f} s")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return build_dir / STUDENT_OUTPUT / "_build" / "html", result.stdout + result.stderr


def _pages_including_targets():
    """``{page: {target short name}}`` from the chapters' sources: every ``literalinclude`` with a
    ``:pyobject:`` that is a declared target (the oracle the built pages are checked against)."""
    import re

    targets = {name.split(".", 1)[1] for names in editions.declared_targets(REPO).values() for name in names}
    pages = {}
    for page in (REPO / "book").glob("*.md"):
        for path, obj in re.findall(r"```\{literalinclude\} \.\./src/course_rnn/(\S+)\.py\n(?::[^\n]*\n)*?:pyobject: (\S+)",
                                    page.read_text(encoding="utf-8")):
            if f"{path.replace('/', '.')}.{obj}" in targets:
                pages.setdefault(f"book/{page.stem}.html", set()).add(obj)
    return pages


@pytest.mark.slow
def test_student_edition_is_built_from_the_cache_without_executing_a_chapter(student_book):
    _, log = student_book
    executed = [line.split(":")[0] for line in log.splitlines() if "Executing notebook" in line]
    chapters = [page for page in executed if not any(forced in page for forced in FORCED)]
    assert not chapters, f"the student edition executed chapters again: {chapters}"


@pytest.mark.slow
def test_student_edition_shows_no_answer_and_says_which_assignment_asks_for_each(student_book, built_book):
    html, _ = student_book
    assert editions.scan_for_leaks(html, REPO) == {}
    pages = _pages_including_targets()
    assert len(pages) >= 6  # elman, bptt, generation, vanishing, lstm, gru, tree_lstm
    for page, names in pages.items():
        text = (html / page).read_text(encoding="utf-8")
        assert text.count("course-rnn-withheld") >= 1, page
        for name in names:
            assert f"{name} is part of assignment" in text, (page, name)


@pytest.mark.slow
def test_instructor_edition_still_shows_every_target_and_both_compute_the_same_numbers(student_book, built_book):
    """The instructor edition is today's book: the scan finds exactly the pages that include a
    target; the student edition's glued numbers are the instructor edition's (same execution)."""
    from conftest import glued_values

    html, _ = student_book
    leaks = editions.scan_for_leaks(built_book, REPO)
    pages = _pages_including_targets()
    assert set(pages) <= set(leaks), sorted(set(pages) - set(leaks))
    assert "course-rnn-withheld" not in "".join(p.read_text(encoding="utf-8") for p in built_book.glob("book/*.html"))
    for page in sorted(built_book.glob("book/*.html")):
        assert glued_values(html / page.relative_to(built_book)) == glued_values(page), page.name


@pytest.mark.slow
def test_a_published_bundle_is_clean_and_its_download_buttons_serve_the_student_sources(student_book, tmp_path):
    html, _ = student_book
    bundle = editions.publish(tmp_path / "bundle", html, REPO)
    assert (bundle / "book" / "index.html").is_file()
    assert sorted(p.relative_to(bundle / "exercises") for p in (bundle / "exercises").rglob("*.ipynb")) == \
        sorted(p.relative_to(REPO / "exercises") for p in (REPO / "exercises").rglob("*.ipynb"))
    assert (bundle / "exercises" / "a02_generation" / "char_rnn.npz").is_file()
    assert len(list((bundle / "wheel").glob("course_rnn-*.whl"))) == 1
    # a page's download button links its own source, inside the bundle
    page = (bundle / "book" / "book" / "elman.html").read_text(encoding="utf-8")
    assert "_sources/book/elman.md" in page and (bundle / "book" / "_sources" / "book" / "elman.md").is_file()
    assert editions.scan_for_leaks(bundle, REPO) == {}


def test_publish_refuses_a_bundle_with_a_planted_answer_and_leaves_nothing(tmp_path):
    """The same scan guards publish: a book folder holding a target's source is refused."""
    book = tmp_path / "html"
    book.mkdir()
    (book / "index.html").write_text("<pre>" + (REPO / "src" / "course_rnn" / "scratch" / "lstm.py")
                                     .read_text(encoding="utf-8").replace("<", "&lt;") + "</pre>")
    with pytest.raises(editions.LeakError, match="index.html"):
        editions.publish(tmp_path / "bundle", book, REPO)
    assert not (tmp_path / "bundle").exists()


def test_stub_source_keeps_methods_decorators_and_the_code_around_them():
    source = textwrap.dedent('''
        import functools


        class Cell:
            """A cell."""

            def forward(self, x):
                """Return 2 x."""
                y = x + x  # the answer
                return y

            def other(self):
                return 1


        @functools.lru_cache
        def square(x):
            return x * x
    ''')
    stubbed = editions.stub_source(source, ["Cell.forward", "square"], lambda q: f"{q} is withheld")
    namespace = {}
    exec(compile(stubbed, "stubbed", "exec"), namespace)
    cell = namespace["Cell"]()
    assert cell.other() == 1 and namespace["Cell"].forward.__doc__ == "Return 2 x."
    for call, name in ((lambda: cell.forward(3), "Cell.forward"), (lambda: namespace["square"](3), "square")):
        with pytest.raises(NotImplementedError, match=f"^{name} is withheld$"):
            call()
    assert "x + x" not in stubbed and "the answer" not in stubbed and "x * x" not in stubbed


def test_leak_scan_finds_byte_code_of_a_target_and_not_of_its_stub_or_a_namesake(tmp_path):
    """A ``.pyc`` of the full models.py holds BiLSTMTagger.forward (a04's); the students'
    edition's models.py compiled holds only the stub, and other classes' ``forward``."""
    import py_compile

    student = editions.write_student_package(tmp_path / "student", REPO)
    full = tmp_path / "full" / "models.cpython-311.pyc"
    stub = tmp_path / "stub" / "models.cpython-311.pyc"
    py_compile.compile(str(REPO / "src" / "course_rnn" / "models.py"), cfile=str(full), doraise=True)
    py_compile.compile(str(student / "course_rnn" / "models.py"), cfile=str(stub), doraise=True)
    leaks = editions.scan_for_leaks(tmp_path / "full", REPO)
    assert list(leaks.values()) and all(v.startswith("byte code of course_rnn.models.") for v in leaks.values())
    assert editions.scan_for_leaks(tmp_path / "stub", REPO) == {}
