"""Autograde every submission of an assignment, one submission per nbgrader run.

``grade_submission`` grades one student and reports a status instead of raising, so
``grade_all`` can loop over a whole class with a progress bar and a broken submission only
ever costs its own grade.  With ``workers > 1`` several nbgrader processes run at once;
they share the SQLite gradebook, whose writes are short transactions serialised by
SQLite's file lock (nbgrader waits up to 5 s for it), so a handful of workers on one
machine is safe.  Sandboxing student code is not done here yet: the hidden tests still run
in the student's kernel, as with plain ``nbgrader autograde``.
"""

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from tqdm import tqdm

from course_rnn.grading.errors import NbgraderError
from course_rnn.grading.paths import COURSE_ID, gradebook_url
from course_rnn.grading.release import register
from course_rnn.grading.runner import run_nbgrader
from course_rnn.grading.validate import check_assignment, check_course_dir, check_submissions

GRADED, SKIPPED, ERROR, INVALID = "graded", "skipped", "error", "invalid"


@dataclass
class Result:
    """What happened to one submission: ``status`` is graded, skipped, error or invalid."""

    student: str
    status: str
    message: str = ""
    seconds: float = 0.0


def grade_submission(course, assignment, student, force=False, timeout=None):
    """Autograde ``submitted/<student>/<assignment>`` into ``autograded/`` and the gradebook.

    An already autograded submission is skipped unless ``force``.  Never raises for a
    problem with the submission: it comes back as a Result with status ``error``.
    """
    start = time.perf_counter()
    if not force and (course.step("autograded") / student / assignment).is_dir():
        return Result(student, SKIPPED, "already autograded; use --force to grade again")
    args = [assignment, f"--student={student}"] + (["--force"] if force else [])
    try:
        run_nbgrader(course, "autograde", *args, timeout=timeout)
    except NbgraderError as error:
        return Result(student, ERROR, str(error), time.perf_counter() - start)
    except subprocess.TimeoutExpired:
        return Result(student, ERROR, f"nbgrader took longer than {timeout} s", time.perf_counter() - start)
    return Result(student, GRADED, "", time.perf_counter() - start)


def grade_all(course, assignment, workers=1, force=False, skip_invalid=False, progress=True,
              timeout=None):
    """Grade every submission of ``assignment``; returns one Result per student, sorted.

    All input is checked first (GradingInputError, nothing written).  Then the assignment
    is recorded in the gradebook and the submissions are graded, ``workers`` at a time.
    """
    check_course_dir(course)
    check_assignment(course, assignment)
    valid, problems = check_submissions(course, assignment, skip_invalid=skip_invalid)
    results = [Result(folder.parent.name, INVALID, message) for folder, message in problems.items()]
    if not valid:
        return results
    register(course, assignment)
    students = [folder.parent.name for folder in valid]
    bar = tqdm(total=len(students), desc=f"grading {assignment}", unit="submission",
               disable=not progress)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(grade_submission, course, assignment, student, force, timeout)
                   for student in students]
        for future in as_completed(futures):
            results.append(future.result())
            bar.update()
    bar.close()
    return sorted(results, key=lambda result: result.student)


def scores(course, assignment):
    """``{student: (score, max_score)}`` for every graded submission, from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry  # slow to import; only graders need it

    with Gradebook(gradebook_url(course), COURSE_ID) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return {}
        return {s.student.id: (s.score, s.max_score) for s in submissions}
