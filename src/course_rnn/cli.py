"""``course-rnn``: the instructor's commands, each a thin layer over jupyter-book or nbgrader.

::

    course-rnn build                     the book, executed, to _build/html
    course-rnn build --edition student   the same without unreleased answers, _build/student/_build/html
    course-rnn publish DIR               the student bundle: book, exercises, wheel of the package
    course-rnn release ASSIGNMENT        solutions/ASSIGNMENT -> exercises/ASSIGNMENT
    course-rnn grade ASSIGNMENT          autograde every submitted/*/ASSIGNMENT
    course-rnn feedback ASSIGNMENT       feedback/*/ASSIGNMENT/*.html, hidden tests removed
    course-rnn export                    every grade to grades.csv
    course-rnn report ASSIGNMENT         reports/ASSIGNMENT.html: what the class got wrong

The notebooks always come from the course repository (the one around the current
directory).  Grading happens in ``--course-dir`` (default: the repository), which holds
nbgrader's ``submitted/``, ``autograded/``, ``feedback/`` and ``gradebook.db``.  Bad input
is refused with one line per problem on stderr, exit status 1, and nothing written.
"""

import argparse
import os
import sys
from pathlib import Path

from course_rnn.grading.autograde import ERROR, grade_all
from course_rnn.grading.errors import GradingError
from course_rnn.grading.export import export_grades
from course_rnn.grading.claims import is_postgres
from course_rnn.grading.paths import Course, gradebook_url
from course_rnn.grading.release import release


def build(args):
    """Build the book with jupyter-book; a warning or a failing cell fails the build.

    Pages come from jupyter-cache when their code is unchanged, unless the package or a
    released notebook changed since the last build (then every page is executed again,
    see course_rnn.bookbuild) or ``--all`` is given.
    """
    from course_rnn.bookbuild import build_edition

    return build_edition(Course.at().repo, args.edition, released=args.released, all_pages=args.all)


def publish(args):
    """Build the student edition, then write it, the exercises and the student wheel to DIR
    (refused, nothing left behind, if anything of an unreleased answer would be in it)."""
    from course_rnn.bookbuild import build_edition, student_html
    from course_rnn.editions import LeakError, publish as write_bundle

    repo = Course.at().repo
    returncode = build_edition(repo, "student", released=args.released)
    if returncode:
        return returncode
    try:
        folder = write_bundle(args.dir, student_html(repo), repo, released=args.released)
    except (LeakError, FileExistsError) as error:
        for line in str(error).splitlines():
            print(f"course-rnn: error: {line}", file=sys.stderr)
        return 1
    print(f"published the student edition to {folder}")
    return 0


def _released(text):
    """``a01,a02`` -> ("a01", "a02"): assignments whose answers may be shown (``aNN`` or the
    folder name of an assignment in solutions/)."""
    from course_rnn.editions import short_name

    names = tuple(name.strip() for name in text.split(",") if name.strip())
    known = {n for a in (p.name for p in (Course.at().repo / "solutions").iterdir() if p.is_dir())
             for n in (a, short_name(a))}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise argparse.ArgumentTypeError(f"no such assignment: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return names


def release_command(args):
    folder = release(Course.at(), args.assignment)
    print(f"released {args.assignment} to {folder}")
    return 0


def grade(args):
    """Grade every submission; print one line per student: id, status, score, reason."""
    from course_rnn.grading.sandbox import Limits

    course = Course.at(args.course_dir)
    limits = Limits(memory_bytes=args.memory, seconds=args.timeout,
                    submission_seconds=args.submission_timeout)
    if args.db:
        os.environ["COURSE_RNN_GRADEBOOK_URL"] = args.db  # read by gradebook_url(); never printed
    if args.scheduler or is_postgres(gradebook_url(course)):
        from course_rnn.grading import scale  # several graders share the class through the database

        shared = dict(force=args.force, limits=limits, unsafe=args.unsafe, progress=not args.no_progress)
        results = (scale.grade_dask(course, args.assignment, args.scheduler, **shared) if args.scheduler
                   else scale.grade_shared(course, args.assignment, workers=args.workers, **shared))
    else:
        results = grade_all(course, args.assignment, workers=args.workers, force=args.force,
                            limits=limits, unsafe=args.unsafe, progress=not args.no_progress)
    for result in results:
        shown = f"{result.score:g}/{result.max_score:g}" if result.score is not None else "-"
        print(f"{result.student}\t{result.status}\t{shown}\t{result.message}")
    counts = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    print("course-rnn: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())), file=sys.stderr)
    failed = [r for r in results if r.status == ERROR]
    for result in failed:
        print(f"course-rnn: error: {result.student}: {result.message}", file=sys.stderr)
    return 1 if failed else 0


def feedback(args):
    from course_rnn.grading.feedback import generate_feedback  # imports nbgrader: seconds

    pages = generate_feedback(Course.at(args.course_dir), args.assignment)
    print(f"wrote {len(pages)} feedback pages, hidden tests removed")
    return 0


def export(args):
    print(f"wrote {export_grades(Course.at(args.course_dir), args.to, parts=args.parts)}")
    return 0


def report(args):
    from course_rnn.grading.report import write_report  # imports nbgrader and matplotlib

    print(f"wrote {write_report(Course.at(args.course_dir), args.assignment, args.to, similar=args.similar)}")
    return 0


def _workers(text):
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _seconds(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def _bytes(text):
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    number, unit = (text[:-1], text[-1].upper()) if text[-1:].upper() in units else (text, "")
    try:
        value = int(float(number) * units.get(unit, 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (write e.g. 2G or 512M)") from None
    if value < 64 * 2**20:
        raise argparse.ArgumentTypeError(f"at least 64M is needed to run Python, got {text}")
    return value


def parser():
    """The argument parser: one subcommand per step of the instructor's workflow."""
    top = argparse.ArgumentParser(
        prog="course-rnn", description="Build the course book and grade its nbgrader assignments.")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    course_dir = dict(type=Path, default=None, metavar="DIR",
                      help="nbgrader course directory with submitted/ (default: the repository)")

    p = sub.add_parser("build", help="build the book to _build/html (warnings are errors)")
    p.add_argument("--all", action="store_true",
                   help="execute and rebuild every page, not only the changed ones (clears the cache)")
    released = dict(type=_released, default=(), metavar="a01,a02",
                    help="assignments past their due date: their answers are shown (student edition)")
    p.add_argument("--edition", choices=("instructor", "student"), default="instructor",
                   help="instructor (default): every page as written; student: the code of each function "
                        "an unreleased assignment asks for is replaced by its signature and docstring")
    p.add_argument("--released", **released)
    p.set_defaults(run=build)

    p = sub.add_parser("publish", help="write what students get: the student book, exercises/, a wheel",
                       description="Build the student edition (from the instructor build's executed pages) and "
                                   "write DIR/book (HTML), DIR/exercises and DIR/wheel (course_rnn without the "
                                   "bodies of unreleased assignments' functions). Every file is scanned for "
                                   "answers and hidden tests first; if one is found nothing is published.")
    p.add_argument("dir", type=Path, metavar="DIR", help="a new or empty folder")
    p.add_argument("--edition", choices=("student",), default="student", help="only the student edition is published")
    p.add_argument("--released", **released)
    p.set_defaults(run=publish)

    p = sub.add_parser("release", help="write the student version of an assignment to exercises/")
    p.add_argument("assignment", metavar="ASSIGNMENT", help="folder name in solutions/, e.g. a01_rnn_forward_bptt")
    p.set_defaults(run=release_command)

    p = sub.add_parser("grade", help="autograde every submission of an assignment, sandboxed",
                       description="Autograde DIR/submitted/*/ASSIGNMENT/: student code runs in a "
                                   "bubblewrap sandbox, hidden tests outside it. Every submission gets a "
                                   "status (graded, timed out, memory limit, crashed, malformed, missing "
                                   "cells, tampered, or skipped if graded before and unchanged) and a "
                                   "reason. Exit status 0 unless the grader itself failed.")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--course-dir", **course_dir)
    p.add_argument("--workers", type=_workers, default=1, metavar="N",
                   help="grade N submissions at a time, each in its own sandbox (default 1)")
    p.add_argument("--force", action="store_true", help="grade again submissions already autograded")
    p.add_argument("--timeout", type=_seconds, default=60.0, metavar="SECONDS",
                   help="wall-clock limit of each cell and of each call of a hidden test (default 60)")
    p.add_argument("--submission-timeout", type=_seconds, default=600.0, metavar="SECONDS",
                   help="wall-clock and CPU-time limit of a whole submission (default 600)")
    p.add_argument("--memory", type=_bytes, default=2 * 2**30, metavar="SIZE",
                   help="memory limit of a submission, e.g. 2G or 512M (default 2G)")
    p.add_argument("--unsafe", action="store_true",
                   help="run student code without the bubblewrap sandbox (only for code you trust)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--db", metavar="URL", default=None,
                   help="a PostgreSQL gradebook shared by several graders, e.g. postgresql://USER@HOST/DB "
                        "(also $COURSE_RNN_GRADEBOOK_URL or c.CourseDirectory.db_url in nbgrader_config.py, "
                        "which keep a password off the command line); each submission is graded once")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                   help="grade on this Dask cluster (workers with --nthreads 1) into the shared gradebook")
    p.add_argument("--skip-invalid", action="store_true", help=argparse.SUPPRESS)  # malformed never stops a batch now
    p.set_defaults(run=grade)

    p = sub.add_parser("feedback", help="write HTML feedback for every autograded submission")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--course-dir", **course_dir)
    p.set_defaults(run=feedback)

    p = sub.add_parser("export", help="write every grade to a CSV file (nbgrader's columns)")
    p.add_argument("--course-dir", **course_dir)
    p.add_argument("--to", type=Path, default=None, metavar="FILE",
                   help="the CSV file to write (default: DIR/grades.csv)")
    p.add_argument("--parts", action="store_true",
                   help="add a column per part of each assignment (ASSIGNMENT/PART) after nbgrader's")
    p.set_defaults(run=export)

    p = sub.add_parser("report", help="one HTML page on an assignment's results, for the instructor",
                       description="Write DIR/reports/ASSIGNMENT.html from the gradebook and the autograded "
                                   "notebooks: score histogram, pass rate of every part and hidden test, the "
                                   "most common failure messages, statuses, grading times, parts failed "
                                   "together, and the most similar pairs of submissions.")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--course-dir", **course_dir)
    p.add_argument("--to", type=Path, default=None, metavar="FILE",
                   help="the HTML file to write (default: DIR/reports/ASSIGNMENT.html)")
    p.add_argument("--similar", type=_workers, default=10, metavar="N",
                   help="show the N most similar pairs of submissions (default 10)")
    p.set_defaults(run=report)
    return top


def main(argv=None):
    """Run ``course-rnn``; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (GradingError, FileNotFoundError) as error:
        for line in str(error).splitlines() or [type(error).__name__]:
            print(f"course-rnn: error: {line}", file=sys.stderr)
        return 1
