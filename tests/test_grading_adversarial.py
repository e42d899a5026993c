"""Hostile and broken submissions, on every assignment: each gets its status and its score.

For each ``solutions/*/`` one course directory holds every kind of submission from
``tests/grader_fixtures`` (cheats built on the release, fair code that misbehaves,
hangs, crashes, memory and fork bombs, network and file-system attacks, tampered and
malformed notebooks), graded in one ``course-rnn grade`` run with two workers and short
limits.  Expected scores come from the points in the instructor notebook; "as if the
first part were left blank" is the score of that very notebook, which the oracle test in
test_grading_e2e.py checks against plain nbgrader.
"""

import hashlib
import html
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import grader_fixtures as fixtures

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
#: CPU seconds per cell or call: 30 where a hidden test trains (a04's tagger) or runs a
#: gradient check of an LSTM (a03), 20 elsewhere; every hang kind waits out its limit once.
LIMITS = {"a03_lstm_gru": 30, "a04_sequence_tasks": 30}
LIMIT = 20
# the CPU limit, or on a machine so loaded that even that takes long, the wall-clock backstop
TIME_OUT = r"(used more than \d+ s of CPU time|ran longer than \d+ s of wall-clock time)"
SECRET = "postgresql://grader:hunter2@db.example/gradebook"  # in the grader's environment: must leak nowhere
COURSE_RNN = str(Path(sys.executable).parent / "course-rnn")
KIND_NAMES = list(dict.fromkeys(
    k.name for a in fixtures.assignments() for k in fixtures.kinds(a, "/nonexistent", 1)))
#: Kinds that try the sandbox, not the assignment: what they do (fork, flood, hang, crash,
#: read /proc, break the notebook's format) and what they must get do not depend on the
#: task, so they run on two assignments: a01 (numpy only) and a03 (torch loaded in the
#: sandbox).  On the other three they would add about twelve minutes of grading and
#: feedback to the suite and test nothing these two do not.  Every assignment keeps its
#: cheats, forbidden tools, blank first part and hang in its first function.
SANDBOX_KINDS = {
    "stderr_output", "output_flood", "fork_bomb", "orphan_process", "network", "numpy_shadow", "hang",
    "hang_ignoring_sigint", "hang_in_bare_except", "kernel_exit", "kill_itself", "memory_bomb",
    "deleted_test_cell", "no_metadata", "duplicated_grade_ids", "old_nbformat", "ancient_nbformat",
    "no_notebook", "renamed_notebook", "invalid_json", "prints_environment", "breakpoint_left_in", "jupyter_habits",
    "recursion_limit_caught", "parser_recursion"}
assert SANDBOX_KINDS <= set(KIND_NAMES), SANDBOX_KINDS - set(KIND_NAMES)
SANDBOX_KINDS_SKIPPED_ON = {"a02_generation", "a04_sequence_tasks", "a05_tree_lstm"}
#: On a03 a hang is tried once with torch loaded; the ways a hang resists (SIGINT ignored, a
#: bare except) are the child's mechanism, tried on a01 only (each waits out its limit).
SANDBOX_KINDS_ONLY_ON_A01 = {"hang_ignoring_sigint", "hang_in_bare_except"}
#: Beyond a01, only the kinds whose outcome depends on the assignment's own rules and
#: functions are graded: the solved, untouched and half-done releases, a forbidden tool used
#: plainly in each part that forbids one, the reference's source copied, objects that lie to
#: the assignment's checks, and a hang in its first function (and, on a03, the sandbox's
#: kinds with torch loaded, and the kinds a01 has no tool for).  The ways round a guard (a
#: callable instance, a forged mark, the guard cleared through gc), patched helpers and
#: builtins, faked output, edited or deleted cells and timed cells attack the grader's
#: mechanism, the same for every assignment: a01 tries each on every kind of forbidden tool
#: (course_rnn, torch, torch autograd, numerical_gradient).  Graded everywhere they cost
#: about ten minutes of the suite (a04 trains a tagger in every submission).
MECHANISM_ASSIGNMENT = "a01_rnn_forward_bptt"
RULE_KINDS = {"reference", "untouched", "first_blank", "copies_reference_source", "lying_objects",
              "hang_when_called"}
MECHANISM_KINDS = {k.name for k in fixtures.kinds(MECHANISM_ASSIGNMENT, "/nonexistent", 1)} - RULE_KINDS - \
    SANDBOX_KINDS - {name for name in KIND_NAMES if name.startswith("uses_") and name.endswith("_where_forbidden")}


def kinds_graded(assignment, course_dir, port):
    """The kinds of submission this module grades on ``assignment``."""
    return [kind for kind in fixtures.kinds(assignment, course_dir, port)
            if not (assignment in SANDBOX_KINDS_SKIPPED_ON and kind.name in SANDBOX_KINDS)
            and not (assignment != MECHANISM_ASSIGNMENT and kind.name in MECHANISM_KINDS | SANDBOX_KINDS_ONLY_ON_A01)]


def digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def grade_every_kind(assignment, course_dir):
    """Write every kind of submission, grade them in one run; what the tests read, as JSON."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    kinds = kinds_graded(assignment, course_dir, port)
    for kind in kinds:
        fixtures.write(course_dir, assignment, kind)
    submitted_before = digest(course_dir / "submitted")
    solutions_before = digest(REPO / "solutions" / assignment)
    done = subprocess.run([COURSE_RNN, "grade", assignment, "--course-dir", str(course_dir), "--workers", "2",
                           "--timeout", str(LIMITS.get(assignment, LIMIT)), "--memory", "1G", "--no-progress"],
                          env=dict(os.environ, COURSE_RNN_RED_TEAM_SECRET=SECRET),
                          cwd=course_dir, capture_output=True, text=True, timeout=900)
    try:
        connections = [str(listener.accept()[1])]
    except BlockingIOError:
        connections = []
    listener.close()
    orphans = [line for line in subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.splitlines()
               if fixtures.orphan_seconds(port) in line]
    return {"port": port, "returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr[-5000:],
            "connections": connections, "orphans": orphans, "submitted_before": submitted_before,
            "submitted_after": digest(course_dir / "submitted"), "solutions_before": solutions_before}


@pytest.fixture(scope="module", params=fixtures.assignments())
def graded(request, tmp_path_factory):
    """Every kind of submission to one assignment, graded once per test run (shared by
    pytest-xdist workers)."""
    assignment = request.param
    course_dir, run = fixtures.shared_once(tmp_path_factory, f"hostile-{assignment}",
                                           lambda folder: grade_every_kind(assignment, folder))
    rows = {}
    for line in run["stdout"].splitlines():
        student, status, score, reason = line.split("\t")
        rows[student] = SimpleNamespace(status=status, score=score, reason=reason)
    kinds = {k.name: k for k in kinds_graded(assignment, course_dir, run["port"])}
    return SimpleNamespace(assignment=assignment, course_dir=course_dir, kinds=kinds, rows=rows, **run)


def total(course_dir, assignment, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", "course-rnn") as gb:
        return gb.find_submission(assignment, student).score


def test_grading_hostile_submissions_exits_zero_with_a_status_for_everyone(graded):
    assert graded.returncode == 0, graded.stderr
    assert set(graded.rows) == set(graded.kinds)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_each_kind_gets_its_status_and_exactly_its_score(graded, name):
    if name not in graded.kinds:
        pytest.skip(f"{name} does not apply to {graded.assignment}, or is tried on the other assignments")
    kind, row = graded.kinds[name], graded.rows[name]
    first_blank = float(graded.rows["first_blank"].score.split("/")[0])
    want = fixtures.expected_score(graded.assignment, kind, first_blank, row.status)
    full = sum(fixtures.test_points(graded.assignment).values())
    assert row.status in kind.statuses, f"{name}: {row.status} ({row.reason})"
    if want is None:
        pytest.skip("a bound, not a number: checked by its own test")
    assert row.score == f"{want:g}/{full:g}", f"{name}: {row.score}, expected {want:g} ({row.reason})"
    assert total(graded.course_dir, graded.assignment, name) == pytest.approx(want)
    assert kind.reason in row.reason, f"{name}: reason {row.reason!r} should mention {kind.reason!r}"
    if row.status != "graded":
        assert row.reason, f"{name}: a {row.status} submission needs a reason"


def test_a_hang_inside_a_call_zeroes_the_first_parts_tests_and_costs_at_most_a_blank_part(graded):
    from nbgrader.api import Gradebook

    first = fixtures.meta(fixtures.solution_cells(fixtures.solved(graded.assignment))[0])["grade_id"]
    own = fixtures.tests_of(graded.assignment, first)
    first_blank = float(graded.rows["first_blank"].score.split("/")[0])
    score = float(graded.rows["hang_when_called"].score.split("/")[0])
    assert score <= first_blank
    with Gradebook(f"sqlite:///{graded.course_dir / 'gradebook.db'}", "course-rnn") as gb:
        cells = {g.name: g.score for nb in gb.find_submission(graded.assignment, "hang_when_called").notebooks
                 for g in nb.grades}
    assert own and all(cells[t] == 0 for t in own)
    assert re.search(TIME_OUT + f" in {first}", graded.rows["hang_when_called"].reason)


def test_a_function_that_ran_out_of_time_is_not_waited_for_again(graded):
    """The per-call limit is waited out once per student function: the child names the
    function running out of time, and from then on every call of it (from a test, a cell or
    another function) fails at once and says why.  (Before, a01's hang in its first function
    cost 40 s in each cell and test that reached it: six minutes for one submission.)"""
    notebook = next((graded.course_dir / "autograded" / "hang_when_called" / graded.assignment).glob("*.ipynb"))
    messages = [o["evalue"] for c in json.loads(notebook.read_text())["cells"] for o in c.get("outputs", [])
                if o["output_type"] == "error"]
    waits = [m for m in messages if re.search(TIME_OUT + r"( in \w+)? (during|\()", m)]
    named = [re.search(TIME_OUT + r" in (\w+)", m) for m in waits]
    assert waits and all(named), waits
    names = [m.group(1) for m in named]
    assert len(names) == len(set(names)), waits
    assert any("not called again" in m or "not run again" in m for m in messages), messages


def test_the_graders_environment_reaches_no_notebook_or_feedback(graded, feedback):
    """bwrap starts with a clean environment, so /proc/1/environ in the sandbox holds nothing
    of the grader's (a gradebook URL with its password, say)."""
    for path in list((graded.course_dir / "autograded").rglob("*.ipynb")) + \
            [p for pages in feedback.pages.values() for p in pages]:
        assert "hunter2" not in path.read_text(encoding="utf-8"), path


def test_first_part_left_blank_costs_something_but_not_everything(graded):
    score, full = map(float, graded.rows["first_blank"].score.split("/"))
    assert 0 <= score < full


def test_sandbox_reaches_no_network(graded):
    assert graded.connections == []


def test_submissions_and_solutions_are_left_byte_for_byte(graded):
    assert graded.submitted_after == graded.submitted_before
    now = digest(REPO / "solutions" / graded.assignment)
    assert {name: now.get(name) for name in graded.solutions_before} == graded.solutions_before


def test_no_process_a_submission_started_outlives_grading(graded):
    assert graded.orphans == []


def hidden_source_lines(assignment):
    """Telling lines of the hidden tests, computed here independently of the grader."""
    cells = [fixtures.source(c) for nb in fixtures.instructor(assignment).values() for c in nb["cells"]]
    hidden = set()
    for text in cells:
        for region in re.findall(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", text, flags=re.S):
            hidden |= {line.strip() for line in region.splitlines()}
    outside = [re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", s, flags=re.S) for s in cells]
    visible = {line.strip() for s in outside for line in s.splitlines()}
    return {line for line in hidden - visible if len(line) >= 12}


def page_text(path):
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


#: Feedback pages are generated for every kind on these assignments: a01 has every kind of
#: attack, and the others' pages are checked for their own hidden tests.  a03's 35 kinds add
#: two minutes of feedback and nothing new (its sandbox kinds' feedback is a01's).
FEEDBACK_SKIPPED_ON = {"a03_lstm_gru"}


@pytest.fixture(scope="module")
def feedback(graded, tmp_path_factory):
    if graded.assignment in FEEDBACK_SKIPPED_ON:
        return SimpleNamespace(generated=False, done=None, pages={})

    def run(_):
        done = subprocess.run([COURSE_RNN, "feedback", graded.assignment, "--course-dir", str(graded.course_dir)],
                              cwd=graded.course_dir, capture_output=True, text=True, timeout=900)
        return {"returncode": done.returncode, "stderr": done.stderr[-3000:]}

    _, done = fixtures.shared_once(tmp_path_factory, f"feedback-{graded.assignment}", run)
    pages = {}
    for page in (graded.course_dir / "feedback").glob(f"*/{graded.assignment}/*.html"):
        pages.setdefault(page.parts[-3], []).append(page)
    return SimpleNamespace(generated=True, done=SimpleNamespace(**done), pages=pages)


def test_every_student_gets_a_feedback_page_without_a_hidden_test_line(graded, feedback):
    if not feedback.generated:
        pytest.skip(f"no feedback is generated for {graded.assignment}'s hostile course (FEEDBACK_SKIPPED_ON)")
    assert feedback.done.returncode == 0, feedback.done.stderr[-3000:]
    assert set(feedback.pages) == set(graded.kinds)
    lines = hidden_source_lines(graded.assignment)
    assert lines
    for student, pages in feedback.pages.items():
        for page in pages:
            text = page_text(page)
            assert [line for line in lines if line in text] == [], student
            assert "HIDDEN TESTS" not in text, student


def test_feedback_tells_the_status_and_cuts_floods_of_output(graded, feedback):
    if graded.assignment in SANDBOX_KINDS_SKIPPED_ON or not feedback.generated:
        pytest.skip(f"the kinds this test reads are tried on the other assignments, not {graded.assignment}")
    for name in ("hang", "memory_bomb", "kernel_exit", "deleted_test_cell", "invalid_json", "no_metadata"):
        text = " ".join(page_text(p) for p in feedback.pages[name])
        assert f"Grading status: {graded.rows[name].status}" in text, name
    flood = sum(p.stat().st_size for p in feedback.pages["output_flood"])
    assert flood < 2_000_000 and "more characters" in page_text(feedback.pages["output_flood"][0])


def test_failing_hidden_test_shows_the_message_and_only_the_students_frames(graded, feedback):
    notebook = next((graded.course_dir / "autograded" / "hang_when_called" / graded.assignment).glob("*.ipynb"))
    errors = [o for c in json.loads(notebook.read_text())["cells"] for o in c.get("outputs", [])
              if o["output_type"] == "error"]
    assert errors and all("hidden test" not in line for e in errors for line in e["traceback"])
