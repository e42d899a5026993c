"""Every assignment in solutions/ follows the protocol of solutions/README.md: what nbgrader
releases is what is committed in exercises/, nothing secret is released, each part states
the points its hidden tests carry, test cells start with a docstring, hide their whole body
and never end with an expression, and plain ``nbgrader validate`` accepts the solution."""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(p.name for p in (REPO / "solutions").iterdir() if any(p.glob("*.ipynb")))
SECRET = {"### BEGIN SOLUTION": "### END SOLUTION", "### BEGIN HIDDEN TESTS": "### END HIDDEN TESTS"}


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _notebooks(assignment, where="solutions"):
    return sorted((REPO / where / assignment).glob("*.ipynb"))


def _env():
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def _secret_lines(path):
    """Lines (20 characters or more) inside solution or hidden-test regions that appear
    nowhere outside them in the instructor notebook (task text, setup, self-checks)."""
    secret, public = set(), set()
    for cell in _cells(path):
        end = None
        for line in _source(cell).splitlines():
            stripped = line.strip()
            if end is None:
                end = next((e for b, e in SECRET.items() if stripped.startswith(b)), None)
                public.add(stripped)
            elif stripped.startswith(end):
                end = None
            else:
                secret.add(stripped)
    public_text = "\n".join(public)
    return sorted(line for line in secret if len(line) >= 20 and line not in public_text)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercises_are_exactly_what_nbgrader_releases_from_solutions(assignment, tmp_path):
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force", "--no-db",
                    f"--CourseDirectory.release_directory={tmp_path}"],
                   cwd=REPO, env=_env(), check=True, capture_output=True)
    fresh = {p.relative_to(tmp_path / assignment): p for p in (tmp_path / assignment).rglob("*") if p.is_file()}
    committed = {p.relative_to(REPO / "exercises" / assignment): p
                 for p in (REPO / "exercises" / assignment).rglob("*") if p.is_file()}
    assert sorted(fresh) == sorted(committed), f"run: course-rnn release {assignment}"
    for name, path in fresh.items():
        if path.suffix == ".ipynb":
            assert json.loads(path.read_text()) == json.loads(committed[name].read_text()), (
                f"exercises/{assignment}/{name} is stale; run: course-rnn release {assignment}")
        else:
            assert path.read_bytes() == committed[name].read_bytes(), f"exercises/{assignment}/{name} is stale"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_line_of_a_solution_or_hidden_test(assignment):
    released = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                         for p in (REPO / "exercises" / assignment).rglob("*") if p.is_file())
    for marker in SECRET:
        assert marker not in released
    public = {line.strip() for p in (REPO / "src" / "course_rnn").rglob("*.py")
              for line in p.read_text(encoding="utf-8").splitlines()}
    for notebook in _notebooks(assignment):
        secret = [line for line in _secret_lines(notebook) if line not in public]
        assert secret, f"{notebook.name}: no distinctive secret line found; is anything hidden at all?"
        leaked = [line for line in secret if line in released]
        assert not leaked, f"exercises/{assignment} shows secret lines: {leaked[:3]}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_part_heading_states_the_points_of_its_hidden_tests(assignment):
    for notebook in _notebooks(assignment):
        stated, graded, part = {}, {}, None
        for cell in _cells(notebook):
            heading = re.match(r"##\s*Part\s+(\w+)\s*\((\d+(?:\.\d+)?)\s*points?\)", _source(cell))
            if cell["cell_type"] == "markdown" and heading:
                part = heading.group(1)
                stated[part] = float(heading.group(2))
            elif _meta(cell).get("grade") and not _meta(cell).get("solution"):
                assert part is not None, f"{notebook.name}: test cell {_meta(cell)['grade_id']} before any Part"
                graded[part] = graded.get(part, 0) + float(_meta(cell)["points"])
        assert stated, f"{notebook.name}: no '## Part X (n points)' headings"
        assert stated == graded, f"{notebook.name}: points stated {stated} but test cells carry {graded}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_start_with_a_docstring_hide_their_body_and_end_without_a_value(assignment):
    for notebook in _notebooks(assignment):
        for cell in _cells(notebook):
            meta = _meta(cell)
            if not (meta.get("grade") and not meta.get("solution")):
                continue
            name, source = meta["grade_id"], _source(cell)
            assert meta.get("locked"), f"{name} is not locked"
            tree = ast.parse(source)
            first = tree.body[0]
            assert isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
                and isinstance(first.value.value, str), f"{name} does not start with a docstring"
            visible = source.split("### BEGIN HIDDEN TESTS")[0]
            assert "### BEGIN HIDDEN TESTS" in source and len(ast.parse(visible).body) == 1, (
                f"{name}: everything after the docstring must be hidden")
            last = tree.body[-1]
            prints = isinstance(getattr(last, "value", None), ast.Call) and getattr(last.value.func, "id", "") == "print"
            assert not isinstance(last, ast.Expr) or len(tree.body) == 1 or prints, (
                f"{name} ends with an expression, which nbgrader would read as the score")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_cell_ids_are_unique_and_every_solution_cell_is_named_after_what_it_defines(assignment):
    seen = set()
    for notebook in _notebooks(assignment):
        for cell in _cells(notebook):
            meta = _meta(cell)
            if "grade_id" not in meta:
                continue
            assert meta["grade_id"] not in seen, f"grade_id {meta['grade_id']} appears twice in {assignment}"
            seen.add(meta["grade_id"])
            if meta.get("solution"):
                defined = [node.name for node in ast.parse(_source(cell)).body
                           if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
                assert meta["grade_id"] in defined, (
                    f"solution cell {meta['grade_id']} defines {defined}; the protocol names it after its first")
            forbid = cell.get("metadata", {}).get("course_rnn", {}).get("forbid", [])
            assert isinstance(forbid, list) and all(isinstance(name, str) for name in forbid), (
                f"{meta['grade_id']}: course_rnn.forbid must be a list of module or function names")


#: ``nbgrader validate`` is run on the two cheapest solutions: it runs every cell, hidden
#: tests included, as plain ``nbgrader autograde`` does for every solution in
#: tests/test_submissions.py (the solved release keeps every point); a01, a02 and a04 added
#: two and a half minutes to the suite and checked nothing more.
VALIDATED = ("a03_lstm_gru", "a05_tree_lstm")


@pytest.mark.slow
@pytest.mark.parametrize("assignment", VALIDATED)
def test_nbgrader_validate_accepts_the_solution(assignment):
    for notebook in _notebooks(assignment):
        done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(notebook)], cwd=REPO, env=_env(),
                              capture_output=True, text=True, timeout=900)
        assert "Success! Your notebook passes all the tests." in done.stdout, done.stdout[-3000:]
