"""The grades as nbgrader's CSV: one row per student and assignment.

Columns (nbgrader 0.9): assignment, duedate, timestamp, student_id, last_name,
first_name, email, raw_score, late_submission_penalty, score, max_score.
"""

from pathlib import Path

from course_rnn.grading.paths import gradebook_url
from course_rnn.grading.runner import run_nbgrader
from course_rnn.grading.errors import GradingInputError
from course_rnn.grading.validate import check_course_dir


def export_grades(course, to=None):
    """Write every grade in the course gradebook to ``to`` (default ``grades.csv`` in the
    course directory) and return its path."""
    check_course_dir(course)
    gradebook = course.course_dir / "gradebook.db"
    if gradebook_url(course).startswith("sqlite:///") and not gradebook.is_file():
        raise GradingInputError(
            f"no gradebook at {gradebook}; grade an assignment first (course-rnn grade ASSIGNMENT)")
    to = Path(to).resolve() if to is not None else course.course_dir / "grades.csv"
    if not to.parent.is_dir():
        raise GradingInputError(f"cannot write {to}: folder {to.parent} does not exist")
    run_nbgrader(course, "export", f"--to={to}")
    return to
