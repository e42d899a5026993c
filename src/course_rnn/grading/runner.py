"""Run one nbgrader command for a course, in a child process.

A child process keeps nbgrader's global state (traitlets singletons, logging, the kernel
manager) out of ours and lets several submissions be graded side by side.  It runs from the
repository, so ``nbgrader_config.py`` there applies, with settings that make any course
directory work: its root, the repository's ``solutions/`` as the source, the course id, and
the gradebook.  The gradebook's URL may hold a password, and a process's arguments are
public (``ps``, ``/proc/PID/cmdline``), so it travels in the child's environment
(:data:`URL_VARIABLE`) and the child adds it to nbgrader's arguments inside itself.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from course_rnn.grading.errors import NbgraderError
from course_rnn.grading.paths import COURSE_ID, SOURCE, URL_VARIABLE, gradebook_url

# ``python -c`` this, then nbgrader's arguments: nbgrader with the gradebook URL from the
# environment appended to its arguments in memory, where no other process can read it.
_LAUNCH = (f"import os, sys; sys.argv[0] = 'nbgrader'; "
           f"sys.argv.append('--CourseDirectory.db_url=' + os.environ['{URL_VARIABLE}']); "
           f"from nbgrader.apps.nbgraderapp import main; main()")


def nbgrader_env(course=None):
    """The environment for nbgrader: it runs ``alembic`` through PATH, so the virtualenv's
    ``bin/`` comes first; with ``course``, its gradebook URL in :data:`URL_VARIABLE`."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if course is not None:
        env[URL_VARIABLE] = gradebook_url(course)
    return env


def nbgrader_command(course, command, *args):
    """The argument list of ``nbgrader COMMAND ARGS`` for this course; run it with
    :func:`nbgrader_env` (``course``), which holds the gradebook."""
    return [sys.executable, "-c", _LAUNCH, command, *map(str, args),
            f"--CourseDirectory.root={course.course_dir}",
            f"--CourseDirectory.source_directory={course.repo / SOURCE}",
            f"--CourseDirectory.course_id={COURSE_ID}"]


def run_nbgrader(course, command, *args, timeout=None):
    """Run nbgrader and return its log (stderr); raise NbgraderError if it fails."""
    env = nbgrader_env(course)
    done = subprocess.run(nbgrader_command(course, command, *args), cwd=course.repo,
                          env=env, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_die_with_parent)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise NbgraderError(f"nbgrader {command} failed (exit {done.returncode}):\n"
                            f"{hide_password(tail, env[URL_VARIABLE])}")
    return hide_password(done.stderr, env[URL_VARIABLE])


def hide_password(text, url):
    """``text`` with the password of ``url`` (and the URL itself) replaced by ``***``: what
    nbgrader prints may quote its settings (say, in an error)."""
    password = urlsplit(url).password
    if not password:
        return text
    return text.replace(url, "***").replace(password, "***")


def _die_with_parent():
    """In the child, before exec: be killed when the parent dies (even by ``kill -9``), so
    that an interrupted grader leaves no nbgrader writing to the gradebook behind it."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
