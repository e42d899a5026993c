"""Results that survive ``kill -9``: nbgrader's autograded folder, the gradebook, a marker.

A submission counts as graded when ``autograded/<student>/<assignment>/`` exists and holds
:data:`MARKER` with the fingerprint (a hash of every submitted file) of what was graded.
The folder is written under a temporary name and renamed into place only after the
gradebook has the scores, so an interrupted run leaves either the old result, or nothing
that counts: the next run grades that submission again, once.  Only auto scores and auto
comments are written; a grader's manual score is never touched (nbgrader shows the manual
score when there is one, and the submission is flagged for review).
"""

import functools
import hashlib
import json
import os
import re
import shutil
import socket
import uuid
import warnings
from pathlib import Path

MARKER = ".course-rnn-graded.json"


def nbgrader_api():
    """``nbgrader.api``, imported when first needed (it takes seconds)."""
    import nbgrader.api

    return nbgrader.api


def create_gradebook(url):
    """Give the database at ``url`` nbgrader's tables and the alembic revision they are at, if
    it has no table yet: what ``nbgrader.api.Gradebook`` does for a new database, except that
    the revision is read from nbgrader's migration scripts here, where nbgrader starts
    ``alembic heads`` in a subprocess that imports nbgrader again (4 s of CPU for each new
    course: every nbgrader command the grader runs on it then finds the gradebook made)."""
    api = nbgrader_api()
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, exc, inspect, text

    engine = create_engine(url, future=True)
    try:
        if inspect(engine).get_table_names():
            return
        head = ScriptDirectory(str(Path(api.__file__).parent / "alembic")).get_current_head()
        try:
            with engine.begin() as db:
                api.Base.metadata.create_all(bind=db)
                db.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
                db.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
        except exc.SQLAlchemyError:
            if not inspect(engine).get_table_names():
                raise  # not another grader that made it at the same moment
    finally:
        engine.dispose()


def fingerprint(folder):
    """SHA-256 of every file of a submission (names and bytes), in a fixed order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_symlink() or p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        if path.is_symlink():  # a link is never followed: its target's name is what it holds
            digest.update(b"link:" + os.readlink(path).encode(errors="replace"))
        else:
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def marker(course, assignment, student):
    """The commit marker of a graded submission, as a dict, or None."""
    path = course.step("autograded") / student / assignment / MARKER
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_graded(course, assignment, student, submitted_hash):
    done = marker(course, assignment, student)
    return done is not None and done.get("fingerprint") == submitted_hash


def commit(course, gradebook, assignment, student, notebooks, result):
    """Write one graded submission: notebooks to a temporary folder, the gradebook, then
    the folder renamed into place (the marker inside it is what says "done")."""
    final = course.step("autograded") / student / assignment
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.parent / f".{assignment}.partial-{uuid.uuid4().hex[:8]}"
    partial.mkdir()
    for name, nb in notebooks.items():
        _write(partial / name, json.dumps(nb, indent=1, ensure_ascii=False))
    if result.get("timestamp"):  # (read without following a link: the student's folder)
        _write(partial / "timestamp.txt", result["timestamp"] + "\n")
    _write(partial / MARKER, json.dumps(result, indent=1))
    write_gradebook(gradebook, assignment, student, result, course.course_dir)
    if final.exists():
        old = final.parent / f".{assignment}.old-{uuid.uuid4().hex[:8]}"
        os.rename(final, old)
        os.rename(partial, final)
        shutil.rmtree(old)
    else:
        os.rename(partial, final)
    _fsync_dir(final.parent)


def remove_partials(course, assignment):
    """Folders left by an interrupted run (results cut short, sandbox folders of local
    workers and of dead Dask workers): never counted, now deleted."""
    for pattern in (f"*/.{assignment}.partial-*", f"*/.{assignment}.old-*", ".course-rnn-w*"):
        for folder in course.step("autograded").glob(pattern):
            shutil.rmtree(folder, ignore_errors=True)
    remove_dead_slots(course)


def dask_slot_name(pid=None):
    """The sandbox name of a Dask worker process: ``dask<pid>-<host>``, so that its folder
    ``autograded/.course-rnn-dask<pid>-<host>-*`` says whose it is (the course directory may
    be shared by the workers of several machines)."""
    return f"dask{os.getpid() if pid is None else pid}-{host_name()}"


def host_name():
    """This machine's name, letters and digits only: which grader's folders are whose."""
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32]


_DASK_SLOT = re.compile(r"\.course-rnn-dask(\d+)-([A-Za-z0-9]*)-")


def remove_dead_slots(course):
    """Delete the sandbox folders of Dask worker processes of this machine that are gone
    (killed: their folder stays); a live worker's, or another machine's, is kept."""
    for folder in course.step("autograded").glob(".course-rnn-dask*"):
        found = _DASK_SLOT.match(folder.name)
        if found and found.group(2) == host_name() and not Path(f"/proc/{found.group(1)}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def write_gradebook(gb, assignment, student, result, course_dir=None):
    """Auto scores and comments of one submission in nbgrader's gradebook."""
    MissingEntry = nbgrader_api().MissingEntry
    with warnings.catch_warnings():  # nbgrader's add_submission trips SQLAlchemy's autoflush warning
        warnings.simplefilter("ignore")
        _write_gradebook(gb, assignment, student, result, MissingEntry, course_dir)


def _write_gradebook(gb, assignment, student, result, MissingEntry, course_dir=None):
    gb.update_or_create_student(student)
    timestamp = result.get("timestamp")
    try:
        gb.update_or_create_submission(assignment, student, **({"timestamp": timestamp} if timestamp else {}))
    except (ValueError, TypeError, OverflowError):
        gb.update_or_create_submission(assignment, student)
    for name, cells in result["notebooks"].items():
        notebook = Path(name).stem  # nbgrader's notebook id
        for grade_id, score in cells["scores"].items():
            try:
                grade = gb.find_grade(grade_id, notebook, assignment, student)
            except MissingEntry:
                continue
            grade.auto_score = score
            grade.needs_manual_grade = grade.manual_score is not None or score is None
        for grade_id, text in cells["comments"].items():
            try:
                gb.find_comment(grade_id, notebook, assignment, student).auto_comment = text
            except MissingEntry:
                continue
    _late_penalties(gb, assignment, student, course_dir)
    gb.db.commit()


def _late_penalties(gb, assignment, student, course_dir=None):
    """nbgrader's late penalty of each notebook, as ``nbgrader autograde`` sets it: the
    course's LateSubmissionPlugin (from ``nbgrader_config.py`` in the course directory or
    the working directory; by default no penalty) on the seconds past the due date."""
    submission = gb.find_submission(assignment, student)
    late = submission.total_seconds_late
    plugin = _late_plugin(*dict.fromkeys(str(f) for f in (course_dir, Path.cwd()) if f is not None))
    gb.db.flush()
    for notebook in submission.notebooks:
        notebook.late_submission_penalty = \
            plugin.late_submission_penalty(student, notebook.score, late) if late > 0 else None


@functools.lru_cache(maxsize=8)
def _late_plugin(*folders):
    from nbgrader.plugins import LateSubmissionPlugin
    from traitlets.config.loader import PyFileConfigLoader

    for folder in folders:
        if (Path(folder) / "nbgrader_config.py").is_file():
            return LateSubmissionPlugin(config=PyFileConfigLoader("nbgrader_config.py", path=folder).load_config())
    return LateSubmissionPlugin()


def _write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(folder):
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
