"""Nothing lost: ``kill -9`` at several points of a run, then run again.

Every submission ends up graded exactly once (a result written before a kill is never
redone, one cut short is never counted), with the right score; the submissions are left
byte for byte; no process or half-written folder survives.  A resubmission (newer
``timestamp.txt``) is graded again, an unchanged one is not, and a grader's manual score
survives ``--force``.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import grader_fixtures as fixtures

pytestmark = pytest.mark.slow

COURSE_RNN = str(Path(sys.executable).parent / "course-rnn")
ASSIGNMENT = fixtures.assignments()[0]
STUDENTS = {**{f"good{i}": "reference" for i in range(5)}, **{f"blank{i}": "untouched" for i in range(3)}}
MARKER = ".course-rnn-graded.json"


def digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def markers(course_dir):
    """``{student: (graded_at, mtime_ns)}`` of every committed result."""
    found = {}
    for path in (course_dir / "autograded").glob(f"*/{ASSIGNMENT}/{MARKER}"):
        found[path.parts[-3]] = (json.loads(path.read_text())["graded_at"], path.stat().st_mtime_ns)
    return found


def grade(course_dir, *extra):
    return subprocess.run([COURSE_RNN, "grade", ASSIGNMENT, "--course-dir", str(course_dir), "--no-progress",
                           *extra], cwd=course_dir, capture_output=True, text=True, timeout=1800)


def statuses(done):
    return {line.split("\t")[0]: line.split("\t")[1] for line in done.stdout.splitlines()}


def gradebook_scores(course_dir):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", "course-rnn") as gb:
        return {s.student.id: s.score for s in gb.find_assignment(ASSIGNMENT).submissions}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course_dir = tmp_path_factory.mktemp("resume")
    kinds = {k.name: k for k in fixtures.kinds(ASSIGNMENT, course_dir, 1)}
    for student, kind in STUDENTS.items():
        kinds[kind].name = student
        fixtures.write(course_dir, ASSIGNMENT, kinds[kind])
    return course_dir


def kill_when(course_dir, committed, seconds=None):
    """Start grading and ``kill -9`` it once ``committed`` results exist (or after
    ``seconds``); returns the markers at that moment."""
    process = subprocess.Popen([COURSE_RNN, "grade", ASSIGNMENT, "--course-dir", str(course_dir), "--workers", "2",
                                "--no-progress"], cwd=course_dir, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    start = time.monotonic()
    while process.poll() is None and time.monotonic() - start < 600:
        if (seconds is not None and time.monotonic() - start > seconds) or \
                (seconds is None and len(markers(course_dir)) >= committed):
            break
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return markers(course_dir)


def test_kill_9_at_several_points_then_rerun_grades_everything_exactly_once(course):
    before = digest(course / "submitted")
    kept = {}
    for committed, seconds in ((0, 1.0), (1, None), (4, None)):
        at_kill = kill_when(course, committed, seconds)
        time.sleep(0.5)
        assert {s: markers(course)[s] for s in kept} == kept  # nothing committed is ever redone
        kept = markers(course)
        assert set(at_kill) <= set(kept)
    done = grade(course, "--workers", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    got = statuses(done)
    assert set(got) == set(STUDENTS)
    assert {s for s, status in got.items() if status == "skipped"} == set(kept)
    assert all(status == "graded" for s, status in got.items() if s not in kept)
    after = markers(course)
    assert {s: after[s] for s in kept} == kept
    full = sum(fixtures.test_points(ASSIGNMENT).values())
    assert gradebook_scores(course) == {s: (full if kind == "reference" else 0) for s, kind in STUDENTS.items()}
    assert digest(course / "submitted") == before
    assert not list((course / "autograded").glob(f"*/.{ASSIGNMENT}.*"))  # no half-written folder left
    again = grade(course)
    assert set(statuses(again).values()) == {"skipped"}
    assert markers(course) == after


def test_resubmission_with_newer_timestamp_is_graded_again_and_the_others_are_not(course):
    grade(course)
    before = markers(course)
    (course / "submitted" / "good0" / ASSIGNMENT / "timestamp.txt").write_text("2026-11-30 09:00:00.000000 UTC")
    done = grade(course)
    assert done.returncode == 0, done.stderr[-3000:]
    got = statuses(done)
    assert got["good0"] == "graded" and {s for s, v in got.items() if v == "skipped"} == set(STUDENTS) - {"good0"}
    after = markers(course)
    assert after["good0"] != before["good0"] and {s: after[s] for s in before if s != "good0"} == \
        {s: before[s] for s in before if s != "good0"}
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "course-rnn") as gb:
        assert gb.find_submission(ASSIGNMENT, "good0").timestamp.year == 2026


def test_manual_score_survives_force_regrading(course):
    from nbgrader.api import Gradebook

    test = sorted(fixtures.test_points(ASSIGNMENT))[0]
    url = f"sqlite:///{course / 'gradebook.db'}"
    grade(course)
    with Gradebook(url, "course-rnn") as gb:
        owner = next(nb.name for nb in gb.find_assignment(ASSIGNMENT).notebooks
                     if test in {c.name for c in nb.grade_cells})
        gb.find_grade(test, owner, ASSIGNMENT, "blank0").manual_score = 0.5
        gb.db.commit()
    done = grade(course, "--force")
    assert done.returncode == 0 and statuses(done)["blank0"] == "graded"
    with Gradebook(url, "course-rnn") as gb:
        grade_row = gb.find_grade(test, owner, ASSIGNMENT, "blank0")
        assert grade_row.manual_score == 0.5 and grade_row.auto_score == 0 and grade_row.needs_manual_grade
        assert gb.find_submission(ASSIGNMENT, "blank0").score == 0.5
