"""End to end on every assignment: ``course-rnn grade`` agrees with nbgrader's rule and
with the authors of the hand-written submissions, and ``export`` writes nbgrader's CSV.

Two independent oracles:

- nbgrader's rule (hidden tests in the student's namespace, a test cell scoring if it raises
  nothing), applied by the IPython oracle of tests/ipython_oracle.py to the solved release,
  the untouched release, the release with only its first part left blank, and every
  catalogue case (tests/test_submissions.py checks it against plain ``nbgrader autograde``
  on the first three): every test cell must get the same score from both, except the tests
  of a part whose forbidden tool the sandboxed grader saw used (it says so; nbgrader cannot
  see it);
- the catalogue ``tests/submissions/<assignment>/*.py``, whose authors wrote which test
  cells each submission must lose (``expect:``) and, for some, its status
  (``expect-status:``).
"""

import csv
import json
import os
import re
import subprocess
import shutil
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

import grader_fixtures as fixtures
from submission_cases import CATALOGUE, load_cases, nbgrader_scores, oracle_cases, write_submissions

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
COURSE_RNN = str(Path(sys.executable).parent / "course-rnn")
NBGRADER_CSV_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                        "email", "raw_score", "late_submission_penalty", "score", "max_score"]
GIT_IGNORED_OUTPUTS = ("submitted", "autograded", "feedback", "gradebook.db", "grades.csv", ".nbgrader.log")
ASSIGNMENTS = fixtures.assignments()
TRIO = fixtures.TRIO


def course_rnn(*args, cwd, env=None):
    return subprocess.run([COURSE_RNN, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=1800)


def cases_of(assignment):
    return load_cases(assignment) if (CATALOGUE / assignment).is_dir() else []


def cell_scores(course_dir, assignment):
    """``{student: {test grade_id: (score, max_score)}}`` from the gradebook."""
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{Path(course_dir) / 'gradebook.db'}", "course-rnn") as gb:
        for submission in gb.find_assignment(assignment).submissions:
            found[submission.student.id] = {g.name: (g.score, g.max_score)
                                            for nb in submission.notebooks for g in nb.grades}
    return found


def repo_outputs():
    return {name for name in GIT_IGNORED_OUTPUTS if (REPO / name).exists()}


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """The trio and every catalogue case of one assignment, graded by course-rnn, and the
    same submissions scored by the IPython oracle (shared with tests/test_submissions.py)."""
    assignment = request.param

    def run(folder):
        ours = folder / "ours"
        ours.mkdir()
        fixtures.write_trio(ours, assignment)
        write_submissions(ours, assignment, cases_of(assignment))
        before = sorted(repo_outputs())
        done = course_rnn("grade", assignment, "--course-dir", ours, "--workers", 2, "--no-progress", cwd=ours)
        return {"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr[-5000:],
                "ours": cell_scores(ours, assignment) if done.returncode == 0 else {},
                "repo_before": before, "repo_after": sorted(repo_outputs())}

    folder, result = fixtures.shared_once(tmp_path_factory, f"e2e-{assignment}", run)
    rows = {}
    for line in result["stdout"].splitlines():
        student, status, score, reason = line.split("\t")
        rows[student] = SimpleNamespace(status=status, score=score, reason=reason)
    plain = nbgrader_scores(tmp_path_factory, assignment)
    return SimpleNamespace(assignment=assignment, folder=folder, rows=rows, cases=cases_of(assignment),
                           plain=plain, **result)


def test_grading_every_catalogue_case_exits_zero(graded):
    assert graded.returncode == 0, graded.stderr
    assert set(graded.rows) == set(TRIO) | {c.student for c in graded.cases}


def test_same_score_in_every_test_cell_as_nbgrader_would_give(graded):
    """On every student the oracle scored: the trio and the catalogue (a03, a04: the trio
    only, submission_cases.ORACLE_TRIO_ONLY; their cases are held to their authors'
    expectations; a04's trio is scored by plain nbgrader, submission_cases.NO_ORACLE)."""
    oracle_scored = set(TRIO) | {case.student for case in oracle_cases(graded.assignment)}
    assert set(graded.plain) == oracle_scored and oracle_scored <= set(graded.ours)
    differ = []
    withheld = {case.student: case.withheld for case in graded.cases}
    for student, cells in graded.plain.items():
        forbidden = set().union(*(fixtures.tests_of(graded.assignment, part)
                                  for part in forbidden_parts(graded.rows[student].reason)))
        forbidden |= withheld.get(student, set())
        for name, (score, _) in cells.items():
            ours = graded.ours[student][name][0]
            if ours != score and not (name in forbidden and ours == 0):
                differ.append(f"{student} {name}: course-rnn {ours:g}, nbgrader {score:g}")
    assert differ == []


def test_solved_release_full_marks_and_untouched_release_zero(graded):
    points = fixtures.test_points(graded.assignment)
    assert {name: score for name, (score, _) in graded.ours["reference"].items()} == points
    assert all(score == 0 for score, _ in graded.ours["untouched"].values())


def forbidden_parts(reason):
    """The solution cells whose forbidden tools the grader saw used (named in the reason)."""
    return set(re.findall(r"the code for (\w+) [^;]*which this part forbids", reason)) | \
        set(re.findall(r"(\w+) [^;]* while it ran, which this part forbids", reason))


def test_every_catalogue_case_loses_exactly_the_tests_its_author_expects(graded):
    """The authors wrote what plain nbgrader must take off; course-rnn may also take off the
    tests of a part whose forbidden tool the case used (solutions/README.md), and says so."""
    failures = []
    for case in graded.cases:
        cells = graded.ours[case.student]
        lost = {name for name, (score, full) in cells.items() if score < full}
        allowed = set(case.lose) | case.withheld
        for part in forbidden_parts(graded.rows[case.student].reason):
            allowed |= fixtures.tests_of(graded.assignment, part)
        if not case.lose <= lost <= allowed:
            failures.append(f"{case.student}: lost {sorted(lost)}, expected {sorted(case.lose)} "
                            f"(at most {sorted(allowed)}); {graded.rows[case.student].reason}")
    assert failures == []


def test_every_forbidden_tool_a_case_uses_costs_its_part(graded):
    """Complex-step differentiation, numerical in all but its exactness, in a part that
    forbids numerical differentiation: nothing tells it from an analytic gradient by value,
    so the grader's check of the tools must (its ``expect-forbidden:`` lines)."""
    missed = [f"{c.student}: {sorted(c.forbidden - forbidden_parts(graded.rows[c.student].reason))} not zeroed; "
              f"{graded.rows[c.student].reason}" for c in graded.cases
              if not c.forbidden <= forbidden_parts(graded.rows[c.student].reason)]
    assert missed == []
    for case in graded.cases:
        for part in case.forbidden:
            assert all(graded.ours[case.student][name][0] == 0 for name in fixtures.tests_of(graded.assignment, part))


def test_catalogue_status_lines_hold(graded):
    wrong = [f"{c.student}: {graded.rows[c.student].status} not in {c.statuses}"
             for c in graded.cases if c.statuses and graded.rows[c.student].status not in c.statuses]
    assert wrong == []


def test_grading_never_writes_into_the_repository(graded):
    assert graded.repo_after == graded.repo_before


def test_export_writes_nbgrader_csv_columns_and_the_scores(graded):
    ours = graded.folder / "ours"
    to = ours / "class.csv"
    done = course_rnn("export", "--course-dir", ours, "--to", to, cwd=ours)
    assert done.returncode == 0, done.stderr[-2000:]
    with open(to, newline="") as f:
        reader = csv.DictReader(f)
        rows = {row["student_id"]: row for row in reader if row["assignment"] == graded.assignment}
    assert reader.fieldnames == NBGRADER_CSV_COLUMNS
    assert set(rows) == set(graded.ours)
    for student, cells in graded.ours.items():
        assert float(rows[student]["score"]) == pytest.approx(sum(s for s, _ in cells.values()))
    full = sum(fixtures.test_points(graded.assignment).values())
    assert float(rows["reference"]["score"]) == float(rows["reference"]["max_score"]) == full


def test_without_bubblewrap_grading_is_refused_unless_unsafe(tmp_path):
    assignment = ASSIGNMENTS[0]
    fixtures.write_trio(tmp_path, assignment)
    hidden = tmp_path / "bin"
    hidden.mkdir()
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{hidden}")  # no /usr/bin: no bwrap
    before = sorted(p.name for p in tmp_path.iterdir())
    done = course_rnn("grade", assignment, "--course-dir", tmp_path, "--no-progress", cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert "bubblewrap" in done.stderr and "--unsafe" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
    # unsandboxed, the children's temporary files must still not be the machine's /tmp: a
    # grader that empties its scratch folder after each child must leave other files there alone
    sentinel = Path(tempfile.mkdtemp(prefix="course-rnn-sentinel-", dir="/tmp"))
    try:
        done = course_rnn("grade", assignment, "--course-dir", tmp_path, "--unsafe", "--no-progress",
                          cwd=tmp_path, env=env)
        assert sentinel.is_dir(), "grading with --unsafe deleted files in /tmp"
    finally:
        shutil.rmtree(sentinel, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-3000:]
    full = sum(fixtures.test_points(assignment).values())
    assert f"reference\tgraded\t{full:g}/{full:g}" in done.stdout
    assert "untouched\tgraded\t0/" in done.stdout


def test_autograded_notebooks_are_valid_nbformat_with_the_instructors_test_cells(graded):
    import nbformat

    source_tests = {fixtures.meta(c)["grade_id"]: fixtures.source(c)
                    for nb in fixtures.instructor(graded.assignment).values() for c in nb["cells"]
                    if fixtures.meta(c).get("grade") and not fixtures.meta(c).get("solution")}
    for path in (graded.folder / "ours" / "autograded").glob(f"*/{graded.assignment}/*.ipynb"):
        nb = nbformat.read(path, 4)
        nbformat.validate(nb)
        tests = {c.metadata.nbgrader["grade_id"]: c.source for c in nb.cells
                 if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.nbgrader.get("solution")}
        assert {k: v for k, v in tests.items()} == {k: source_tests[k] for k in tests}
        assert json.loads((path.parent / ".course-rnn-graded.json").read_text())["fingerprint"]


#: the cheapest assignment (a04, which trains a model, took three minutes of the suite here;
#: tests/test_grading_sandbox.py starves a child of CPU on every run)
BUSY = ("a01_rnn_forward_bptt",)


def busy_cases(assignment, cases):
    """The correct cases (they must keep every point however slow the machine) and the first
    four with a bug (they must lose no more than they lose on an idle machine)."""
    buggy = [c for c in cases if c.lose]
    return [c for c in cases if not c.lose] + buggy[:4]


def test_a_busy_machine_gives_the_same_grades(graded, tmp_path):
    """Limits count CPU seconds of the child, not wall-clock time: with two processes keeping
    both cores busy, every catalogue case gets the same score in every test cell."""
    if graded.assignment not in BUSY:
        pytest.skip("measured on the cheapest assignment (BUSY)")
    busy = tmp_path / "busy"
    busy.mkdir()
    fixtures.write_trio(busy, graded.assignment)
    cases = busy_cases(graded.assignment, graded.cases)
    assert cases
    write_submissions(busy, graded.assignment, cases)
    burners = [subprocess.Popen([sys.executable, "-c", "while True:\n    pass"]) for _ in range(2)]
    try:
        done = course_rnn("grade", graded.assignment, "--course-dir", busy, "--workers", 2, "--no-progress", cwd=busy)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = cell_scores(busy, graded.assignment)
    assert {c.student for c in cases} <= set(loaded)
    differ = [f"{student} {name}: busy {loaded[student][name][0]:g}, idle {score:g}"
              for student, cells in graded.ours.items() if student in loaded for name, (score, _) in cells.items()
              if loaded[student][name][0] != score]
    assert differ == []
