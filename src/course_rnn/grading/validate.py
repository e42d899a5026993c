"""Refuse bad input before anything is written: each problem is one line saying what is
wrong and what to do, and the course directory is left exactly as it was."""

import json
import re

from course_rnn.grading.errors import GradingInputError
from course_rnn.grading.paths import SOURCE

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def check_assignment(course, assignment):
    """The instructor notebooks of ``assignment``, or an error listing the assignments that exist."""
    if not _NAME.match(assignment):
        raise GradingInputError(
            f"assignment name {assignment!r} is not a plain folder name; use one of: {_available(course)}")
    notebooks = course.notebooks(assignment)
    if not notebooks:
        raise GradingInputError(
            f"assignment {assignment!r} not found: no notebooks in {course.source(assignment)}; "
            f"use one of: {_available(course)}")
    return notebooks


def check_course_dir(course):
    """An error unless the course directory exists."""
    if not course.course_dir.is_dir():
        raise GradingInputError(
            f"course directory {course.course_dir} does not exist; pass an existing folder to --course-dir")


def find_submissions(course, assignment):
    """The folders ``submitted/<student>/<assignment>/``, sorted by student, or an error."""
    submitted = course.step("submitted")
    folders = sorted(p for p in submitted.glob(f"*/{assignment}") if p.is_dir())
    if not folders:
        raise GradingInputError(
            f"no submissions for {assignment!r} in {submitted}: expected "
            f"{submitted}/<student_id>/{assignment}/<notebook>.ipynb (collect them first)")
    return folders


def notebook_problem(path):
    """Why ``path`` is not a notebook nbgrader can read, or None if it is one."""
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except UnicodeDecodeError:
        return "is not UTF-8 text"
    except json.JSONDecodeError as error:
        return f"is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) or nb.get("nbformat") != 4:
        return "is JSON but not a version 4 notebook (no 'cells' list or 'nbformat': 4)"
    return None


def check_submissions(course, assignment, skip_invalid=False):
    """Split the submissions into gradable folders and problems (folder -> message).

    Every notebook of every submission is read first.  Unless ``skip_invalid``, a single
    unreadable notebook is an error that lists all of them, so nothing is graded (and
    nothing written) until the instructor has decided what to do.
    """
    folders, problems = find_submissions(course, assignment), {}
    for folder in folders:
        for notebook in sorted(folder.glob("*.ipynb")):
            problem = notebook_problem(notebook)
            if problem is not None:
                problems.setdefault(folder, f"{notebook} {problem}")
    valid = [folder for folder in folders if folder not in problems]
    if problems and not skip_invalid:
        raise GradingInputError("\n".join(
            f"{message}; ask the student to resubmit, or grade the others with --skip-invalid"
            for message in problems.values()))
    return valid, problems


def _available(course):
    names = sorted(p.name for p in (course.repo / SOURCE).iterdir() if any(p.glob("*.ipynb")))
    return ", ".join(names) or f"(none in {course.repo / SOURCE})"
