"""Run one nbgrader command for a course, in a child process.

A child process keeps nbgrader's global state (traitlets singletons, logging, the kernel
manager) out of ours and lets several submissions be graded side by side.  It runs from the
repository, so ``nbgrader_config.py`` there applies, with three settings on the command
line that make any course directory work: its root, the repository's ``solutions/`` as the
source, and the course id.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from course_rnn.grading.errors import NbgraderError
from course_rnn.grading.paths import COURSE_ID, SOURCE, gradebook_url


def nbgrader_env():
    """The environment for nbgrader: it runs ``alembic`` through PATH, so the virtualenv's
    ``bin/`` comes first."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def nbgrader_command(course, command, *args):
    """The argument list of ``nbgrader COMMAND ARGS`` for this course."""
    return [sys.executable, "-m", "nbgrader", command, *map(str, args),
            f"--CourseDirectory.root={course.course_dir}",
            f"--CourseDirectory.source_directory={course.repo / SOURCE}",
            f"--CourseDirectory.course_id={COURSE_ID}",
            f"--CourseDirectory.db_url={gradebook_url(course)}"]


def run_nbgrader(course, command, *args, timeout=None):
    """Run nbgrader and return its log (stderr); raise NbgraderError if it fails."""
    done = subprocess.run(nbgrader_command(course, command, *args), cwd=course.repo,
                          env=nbgrader_env(), capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_die_with_parent)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise NbgraderError(f"nbgrader {command} failed (exit {done.returncode}):\n{tail}")
    return done.stderr


def _die_with_parent():
    """In the child, before exec: be killed when the parent dies (even by ``kill -9``), so
    that an interrupted grader leaves no nbgrader writing to the gradebook behind it."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
