"""The student version of an assignment, and the gradebook's record of it.

``nbgrader generate_assignment`` replaces each ``### BEGIN SOLUTION`` region with
``raise NotImplementedError()``, deletes each ``### BEGIN HIDDEN TESTS`` region and clears
outputs.  The release in ``exercises/`` is written without touching any gradebook; grading
records the notebooks, grade cells and hidden tests in the course directory's gradebook
separately, so autograde can restore the tests a student may have edited.
"""

import tempfile
from pathlib import Path

from course_rnn.grading.paths import Course
from course_rnn.grading.runner import run_nbgrader
from course_rnn.grading.validate import check_assignment


def release(course, assignment, dest=None):
    """Write the student version of ``assignment`` to ``exercises/`` (or to ``dest/<assignment>``).

    Overwrites an earlier release.  Returns the folder written.
    """
    check_assignment(course, assignment)
    repo_only = Course(repo=course.repo, course_dir=course.repo)
    args = [assignment, "--force", "--no-db"]
    if dest is not None:
        args.append(f"--CourseDirectory.release_directory={Path(dest).resolve()}")
    run_nbgrader(repo_only, "generate_assignment", *args)
    return Path(dest).resolve() / assignment if dest is not None else course.release(assignment)


def register(course, assignment):
    """Record ``assignment`` (notebooks, grade cells, hidden tests) in the course gradebook.

    nbgrader does this while generating the release; here the release goes to a temporary
    folder that is thrown away (in ``autograded/``, which only grading uses), so
    ``exercises/`` is never touched by grading.
    """
    course.step("autograded").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".course-rnn-release-", dir=course.step("autograded")) as tmp:
        run_nbgrader(course, "generate_assignment", assignment, "--force",
                     f"--CourseDirectory.release_directory={tmp}")
