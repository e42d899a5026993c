"""End to end: ``course-rnn grade / feedback / export`` on a class of five submissions.

One temporary course directory (no nbgrader_config.py in it: everything must come from the
repository) holds the reference solution, the untouched release and three realistic buggy
submissions; they are graded once, by the installed ``course-rnn`` entry point, and the
tests read the gradebook, the CSV and the HTML it left.  Expected scores come from the
points in the notebook's metadata and from which hidden tests each bug must fail.
"""

import csv
import html
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from test_assignment_a01 import BUGS, HIDDEN_TESTS, cells_by_grade_id, read, regions, source_of, student_notebook

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "a01_rnn_forward_bptt"
NOTEBOOK = "rnn_forward_bptt"
SOURCE = REPO / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
RELEASE = REPO / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
COURSE_RNN = str(Path(sys.executable).parent / "course-rnn")
NBGRADER_CSV_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                        "email", "raw_score", "late_submission_penalty", "score", "max_score"]
GIT_IGNORED_OUTPUTS = ("submitted", "autograded", "feedback", "gradebook.db", "grades.csv", ".nbgrader.log")
POINTS = {grade_id: cells_by_grade_id(read(SOURCE))[grade_id]["metadata"]["nbgrader"]["points"]
          for grade_id in HIDDEN_TESTS}
FULL = sum(POINTS.values())


def course_rnn(*args, cwd):
    start = time.perf_counter()
    done = subprocess.run([COURSE_RNN, *map(str, args)], cwd=cwd, capture_output=True, text=True)
    done.seconds = time.perf_counter() - start
    return done


def submit(course_dir, student, nb):
    folder = course_dir / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / f"{NOTEBOOK}.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")


def repo_outputs():
    return {name for name in GIT_IGNORED_OUTPUTS if (REPO / name).exists()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Five submissions graded in one ``course-rnn grade`` run with two workers."""
    course_dir = tmp_path_factory.mktemp("course")
    submit(course_dir, "reference", read(SOURCE))
    submit(course_dir, "untouched", read(RELEASE))
    for bug in BUGS:
        submit(course_dir, bug, student_notebook(bug))
    before = repo_outputs()
    done = course_rnn("grade", ASSIGNMENT, "--course-dir", course_dir, "--workers", 2, cwd=course_dir)
    print(f"course-rnn grade: 5 submissions in {done.seconds:.1f} s")
    return SimpleNamespace(course_dir=course_dir, done=done, repo_before=before)


def grade_of(course_dir, student, grade_id):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", "course-rnn") as gb:
        return gb.find_grade(grade_id, NOTEBOOK, ASSIGNMENT, student).score


def total_of(course_dir, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", "course-rnn") as gb:
        return gb.find_submission(ASSIGNMENT, student).score


def test_grading_the_class_succeeds_and_reports_every_student(graded):
    assert graded.done.returncode == 0, graded.done.stderr[-3000:]
    rows = [line.split("\t") for line in graded.done.stdout.strip().splitlines()]
    assert sorted(row[0] for row in rows) == sorted(["reference", "untouched", *BUGS])
    assert all(row[1] == "graded" for row in rows)


def test_reference_solution_scores_full_marks(graded):
    assert total_of(graded.course_dir, "reference") == FULL == 10
    assert f"reference\tgraded\t{FULL:g}/{FULL:g}" in graded.done.stdout


def test_untouched_release_scores_zero(graded):
    assert total_of(graded.course_dir, "untouched") == 0
    assert all(grade_of(graded.course_dir, "untouched", t) == 0 for t in HIDDEN_TESTS)


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_classic_bug_loses_exactly_the_points_of_the_hidden_tests_that_catch_it(graded, bug):
    failing = BUGS[bug][3]
    for test in HIDDEN_TESTS:
        assert grade_of(graded.course_dir, bug, test) == (0 if test in failing else POINTS[test]), test
    assert total_of(graded.course_dir, bug) == FULL - sum(POINTS[t] for t in failing) < FULL


def test_grading_again_skips_what_is_already_graded(graded):
    autograded = graded.course_dir / "autograded"
    stamps = {p: p.stat().st_mtime_ns for p in autograded.rglob("*.ipynb")}
    done = course_rnn("grade", ASSIGNMENT, "--course-dir", graded.course_dir, cwd=graded.course_dir)
    assert done.returncode == 0, done.stderr[-2000:]
    assert all(line.split("\t")[1] == "skipped" for line in done.stdout.strip().splitlines())
    assert {p: p.stat().st_mtime_ns for p in autograded.rglob("*.ipynb")} == stamps
    assert total_of(graded.course_dir, "reference") == FULL


def test_export_writes_nbgrader_csv_columns_and_the_scores(graded):
    to = graded.course_dir / "class.csv"
    done = course_rnn("export", "--course-dir", graded.course_dir, "--to", to, cwd=graded.course_dir)
    assert done.returncode == 0, done.stderr[-2000:]
    with open(to, newline="") as f:
        reader = csv.DictReader(f)
        rows = {row["student_id"]: row for row in reader}
    assert reader.fieldnames == NBGRADER_CSV_COLUMNS
    assert set(rows) == {"reference", "untouched", *BUGS}
    assert float(rows["reference"]["score"]) == float(rows["reference"]["max_score"]) == FULL
    assert float(rows["untouched"]["score"]) == 0
    for bug, (*_, failing) in BUGS.items():
        assert float(rows[bug]["score"]) == FULL - sum(POINTS[t] for t in failing)


def hidden_source_lines():
    """Telling lines of the hidden tests, computed here independently of the grader."""
    cells = [source_of(c) for c in read(SOURCE)["cells"]]
    hidden = {line.strip() for s in cells for line in regions(s, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")}
    outside = [re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", s, flags=re.S) for s in cells]
    visible = {line.strip() for s in outside for line in s.splitlines()}
    return {line for line in hidden - visible if len(line) >= 12}


def page_text(path):
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def test_feedback_shows_scores_and_messages_but_no_hidden_test_line(graded):
    done = course_rnn("feedback", ASSIGNMENT, "--course-dir", graded.course_dir, cwd=graded.course_dir)
    assert done.returncode == 0, done.stderr[-2000:]
    pages = {p.parts[-3]: p for p in (graded.course_dir / "feedback").glob(f"*/{ASSIGNMENT}/*.html")}
    assert set(pages) == {"reference", "untouched", *BUGS}
    lines = hidden_source_lines()
    assert len(lines) > 30
    for student, page in pages.items():
        text = page_text(page)
        assert [line for line in lines if line in text] == [], student
        assert "HIDDEN TESTS" not in text
        assert "Hidden test (4 points)" in text  # the docstring saying what is checked stays
    assert "check how the gradient is carried" in page_text(pages["no_gradient_accumulation_across_time"])


def test_plain_nbgrader_feedback_would_leak_and_the_leak_check_catches_it(graded, tmp_path):
    from course_rnn.grading.feedback import find_leaks, hidden_lines
    from course_rnn.grading.paths import Course
    from course_rnn.grading.runner import run_nbgrader

    for name in ("autograded", "gradebook.db"):
        copy = shutil.copytree if name == "autograded" else shutil.copy
        copy(graded.course_dir / name, tmp_path / name)
    plain = '["nbgrader.preprocessors.GetGrades", "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]'
    run_nbgrader(Course(repo=REPO, course_dir=tmp_path), "generate_feedback", ASSIGNMENT, "--force",
                 f"--GenerateFeedback.preprocessors={plain}")
    pages = sorted((tmp_path / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))
    assert len(pages) == 5
    assert sorted(find_leaks(pages, hidden_lines([SOURCE]))) == pages


def test_skip_invalid_grades_the_readable_submissions_and_exits_nonzero(tmp_path):
    submit(tmp_path, "reference", read(SOURCE))
    (tmp_path / "submitted" / "mallory" / ASSIGNMENT).mkdir(parents=True)
    (tmp_path / "submitted" / "mallory" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").write_text('{"cells": [')
    done = course_rnn("grade", ASSIGNMENT, "--course-dir", tmp_path, "--skip-invalid", cwd=tmp_path)
    assert done.returncode == 1
    assert "mallory\tinvalid\t-" in done.stdout and "not valid JSON" in done.stderr
    assert total_of(tmp_path, "reference") == FULL
    assert not (tmp_path / "autograded" / "mallory").exists()


def test_grading_never_writes_into_the_repository(graded):
    assert repo_outputs() == graded.repo_before
