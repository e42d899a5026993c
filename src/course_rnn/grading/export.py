"""The grades as nbgrader's CSV: one row per student and assignment.

Columns (nbgrader 0.9): assignment, duedate, timestamp, student_id, last_name,
first_name, email, raw_score, late_submission_penalty, score, max_score.

With ``parts=True``, one more column per part of every assignment after those, named
``<assignment>/<part>`` (a part is a solution cell; its score is the sum of its hidden
tests), empty on the rows of other assignments and of students who submitted nothing.
Tools that read nbgrader's columns by name read this file unchanged.
"""

import csv
from pathlib import Path

from course_rnn.grading.paths import gradebook_url
from course_rnn.grading.runner import run_nbgrader
from course_rnn.grading.errors import GradingInputError
from course_rnn.grading.validate import check_course_dir


def export_grades(course, to=None, parts=False):
    """Write every grade in the course gradebook to ``to`` (default ``grades.csv`` in the
    course directory) and return its path; ``parts``: add the per-part columns."""
    check_course_dir(course)
    gradebook = course.course_dir / "gradebook.db"
    if gradebook_url(course).startswith("sqlite:///") and not gradebook.is_file():
        raise GradingInputError(
            f"no gradebook at {gradebook}; grade an assignment first (course-rnn grade ASSIGNMENT)")
    to = Path(to).resolve() if to is not None else course.course_dir / "grades.csv"
    if not to.parent.is_dir():
        raise GradingInputError(f"cannot write {to}: folder {to.parent} does not exist")
    run_nbgrader(course, "export", f"--to={to}")
    if parts:
        add_part_columns(course, to)
    return to


def add_part_columns(course, path):
    """Append the ``<assignment>/<part>`` columns to nbgrader's CSV at ``path``."""
    from course_rnn.grading.report import gradebook_scores, test_cells

    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns, rows = list(reader.fieldnames or []), list(reader)
    extra = []
    for assignment in dict.fromkeys(row["assignment"] for row in rows):
        if not course.notebooks(assignment):
            continue
        tests = test_cells(course, assignment)
        scores = gradebook_scores(course, assignment, tests)
        parts = list(dict.fromkeys(part for part, _ in tests.values()))
        extra += [f"{assignment}/{part}" for part in parts]
        for row in rows:
            mine = scores.get(row["student_id"])
            if row["assignment"] != assignment or mine is None:
                continue
            for part in parts:
                row[f"{assignment}/{part}"] = f"{sum(mine.get(t, 0.0) for t, (p, _) in tests.items() if p == part):g}"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns + extra, restval="")
        writer.writeheader()
        writer.writerows(rows)
