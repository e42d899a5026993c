"""Grade every submission of an assignment: sandboxed, in parallel, resumable.

``grade_all`` checks the input, records the assignment in nbgrader's gradebook, and hands
the submissions to ``workers`` threads.  Each thread owns a :class:`~sandbox.Slot` (a warm
sandboxed zygote) and grades one submission at a time: student code in a forked child,
hidden tests here (:mod:`~course_rnn.grading.hidden`).  Only the main thread writes the
gradebook and the ``autograded/`` folders (:mod:`~course_rnn.grading.record`), so the
sandbox never sees them.  Every submission gets a status and a one-line reason; a broken
or hostile submission costs only its own grade.

Statuses, most severe first: malformed, memory limit, timed out, crashed, tampered,
missing cells, graded; plus skipped (graded before, unchanged since).
"""

import fcntl
import html
import json
import os
import queue
import re
import shutil
import stat
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from course_rnn.grading import notebooks as nbs
from course_rnn.grading import record
from course_rnn.grading.errors import GradingInputError
from course_rnn.grading.hidden import grade_notebook, task_names
from course_rnn.grading.paths import COURSE_ID, gradebook_url
from course_rnn.grading.release import register
from course_rnn.grading.sandbox import (CRASHED, MEMORY, TIMED_OUT, WALL_FACTOR, Limits, SandboxUnavailable, Slot,
                                        bwrap_problem, remove_stale_cgroups, unavailable)
from course_rnn.grading.validate import check_assignment, check_course_dir, find_submissions

GRADED, SKIPPED, ERROR = "graded", "skipped", "error"
MALFORMED, MISSING, TAMPERED = nbs.MALFORMED, nbs.MISSING, nbs.TAMPERED
INVALID = MALFORMED  # the name of this status before malformed notebooks were graded too
SEVERITY = [ERROR, MALFORMED, MEMORY, TIMED_OUT, CRASHED, TAMPERED, MISSING, GRADED]


@dataclass
class Result:
    """What happened to one submission: its status, a one-line reason, and its score."""

    student: str
    status: str
    message: str = ""
    seconds: float = 0.0
    score: float = None
    max_score: float = None
    notes: list = field(default_factory=list)


def grade_all(course, assignment, workers=1, force=False, skip_invalid=True, progress=True,
              timeout=None, limits=None, unsafe=False):
    """Grade every submission of ``assignment``; one Result per student, sorted.

    Refuses (GradingInputError, SandboxUnavailable; nothing written) bad input, or student
    code that cannot be sandboxed unless ``unsafe``.  ``skip_invalid`` is kept for
    compatibility: malformed notebooks never stop the batch.
    """
    check_course_dir(course)
    sources = {path.name: json.loads(path.read_text(encoding="utf-8"))
               for path in check_assignment(course, assignment)}
    folders = find_submissions(course, assignment)
    limits = limits or Limits(**({"seconds": timeout} if timeout else {}))
    if not unsafe:
        problem = bwrap_problem()
        if problem:
            raise unavailable(problem)
    lock = _lock(course)
    try:
        record.remove_partials(course, assignment)
        remove_stale_cgroups()
        results, todo = [], []
        for folder in folders:
            student, digest = folder.parent.name, record.fingerprint(folder)
            done = record.marker(course, assignment, student)
            if not force and done and done.get("fingerprint") == digest:
                results.append(Result(student, SKIPPED, done.get("reason", ""), 0.0, done.get("score"),
                                      done.get("max_score")))
            else:
                todo.append((student, folder, digest))
        if todo:
            results += _grade(course, assignment, sources, todo, workers, limits, unsafe, progress)
    finally:
        lock.close()
    return sorted(results, key=lambda r: r.student)


def _lock(course):
    """One ``course-rnn grade`` at a time per course directory (the lock dies with it)."""
    folder = course.step("autograded")
    folder.mkdir(exist_ok=True)
    lock = open(folder / ".course-rnn-grade.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise GradingInputError(f"another course-rnn grade is running on {course.course_dir}; "
                                f"wait for it to finish (it resumes where it stopped)") from None
    return lock


def _grade(course, assignment, sources, todo, workers, limits, unsafe, progress):
    """The workers start grading at once; meanwhile this thread makes sure the gradebook
    knows the assignment (importing nbgrader takes seconds), then commits each result."""
    grader = Grader(course, assignment, sources, limits, unsafe)
    jobs, done = queue.Queue(), queue.Queue()
    for job in todo:
        jobs.put(job)
    threads = [threading.Thread(target=grader.work, args=(f"w{i}", jobs, done), daemon=True)
               for i in range(min(max(1, workers), len(todo)))]
    for thread in threads:
        thread.start()
    results = []
    bar = tqdm(total=len(todo), desc=f"grading {assignment}", unit="submission", disable=not progress)
    try:
        ensure_registered(course, assignment, sources)
        with record.nbgrader_api().Gradebook(gradebook_url(course), COURSE_ID) as gb:
            while len(results) < len(todo):
                student, outcome = done.get()
                if isinstance(outcome, BaseException):
                    results.append(Result(student, ERROR, f"the grader failed: {type(outcome).__name__}: {outcome}"))
                else:
                    notebooks, result, seconds = outcome
                    record.commit(course, gb, assignment, student, notebooks, result)
                    results.append(Result(student, result["status"], result["reason"], seconds,
                                          result["score"], result["max_score"], result["notes"]))
                bar.update()
    finally:
        bar.close()
        grader.stop.set()
        for thread in threads:
            thread.join(timeout=30)
        grader.close()
    return results


class Grader:
    """What every worker thread shares: the assignment, its files and the limits."""

    def __init__(self, course, assignment, sources, limits, unsafe):
        self.course, self.assignment, self.limits, self.unsafe = course, assignment, limits, unsafe
        self.sources = {name: nbs.source_cells(nb) for name, nb in sources.items()}
        self.tasks = {name: task_names(cells) for name, cells in self.sources.items()}
        self.raw_sources = sources
        code = "\n".join(c.source for cells in self.sources.values() for c in cells if c.kind != "markdown")
        self.preload = ("numpy", "torch") if re.search(r"\btorch\b", code) else ("numpy",)
        folder = course.source(assignment)
        self.extras = {p.name: p for p in folder.iterdir()
                       if p.suffix != ".ipynb" and not p.name.startswith(".")}
        self.stop = threading.Event()
        self.package = None if unsafe else student_package(course)

    def close(self):
        if self.package is not None:
            shutil.rmtree(self.package, ignore_errors=True)

    def work(self, name, jobs, done):
        slot = Slot(name, self.limits, self.preload, self.unsafe, folder=self.course.step("autograded"),
                    package=self.package)
        try:
            while not self.stop.is_set():
                try:
                    student, folder, digest = jobs.get_nowait()
                except queue.Empty:
                    return
                start = time.perf_counter()
                try:
                    notebooks, result = self.grade(slot, student, folder, digest)
                    result["seconds"] = round(time.perf_counter() - start, 3)  # for course-rnn report
                    done.put((student, (notebooks, result, result["seconds"])))
                except Exception as error:  # noqa: BLE001 -- a grader bug costs one submission, reported
                    done.put((student, error))
        finally:
            slot.close()

    def grade(self, slot, student, folder, digest):
        """Grade one submission: ``({notebook file: autograded notebook}, result dict)``."""
        deadline = time.monotonic() + WALL_FACTOR * self.limits.submission_seconds  # a backstop: CPU is limited
        links = _links_and_special_files(folder)
        files = dict(self.extras)
        files.update({p.name: p for p in folder.glob("*.ipynb") if p.is_file() and not p.is_symlink() and not links})
        submitted = {p.name for p in folder.glob("*.ipynb")}
        notes, written, per_notebook = [], {}, {}
        if not links:
            own, skipped = _own_files(folder, set(files))
            files.update(own)
            if skipped:
                notes.append((GRADED, f"not copied beside the notebook: {', '.join(skipped)[:300]}"))
        if links:
            notes.append((TAMPERED, f"the submission holds links or special files ({', '.join(links)[:200]}), "
                                    f"which are never followed; nothing was graded"))
        unexpected = sorted(submitted - set(self.sources))
        for name, source in self.sources.items():
            path = folder / name
            if name not in submitted and len(unexpected) == 1 and len(self.sources) == 1:
                path = folder / unexpected[0]
                notes.append((GRADED, f"graded {unexpected[0]} as {name}"))
            try:
                if links:
                    raise nbs.Linked("links are not graded")
                if not path.is_file():
                    raise nbs.Malformed(f"no notebook {name} in the submission")
                nb = nbs.read_notebook(path)
                cells, found = nbs.assemble(source, nb)
                notes += found
                scores, events, forbidden = grade_notebook(slot, cells, files, deadline, self.tasks[name])
                notes += events
                notes += [(GRADED, reason) for reason in forbidden.values()]
            except nbs.Malformed as error:
                if not links:
                    notes.append((TAMPERED if isinstance(error, nbs.Linked) else MALFORMED, str(error)))
                nb = {"metadata": self.raw_sources[name].get("metadata", {}), "nbformat": 4, "nbformat_minor": 5}
                cells = [nbs._copy(c) for c in source]
                for cell in cells:
                    if cell.kind == "solution":
                        cell.cell["source"] = nbs.release_text(cell.cell)
                scores = {c.grade_id: 0.0 for c in source if c.kind == "test"}
            written[name], per_notebook[name] = self._autograded(nb, name, cells), self._cells(cells, scores)
        status = min((s for s, _ in notes), key=SEVERITY.index, default=GRADED)
        reason = "; ".join(dict.fromkeys(r for _, r in notes))
        score = sum(v or 0 for nb in per_notebook.values() for v in nb["scores"].values())
        max_score = sum(c.points for cells in self.sources.values() for c in cells if c.kind == "test")
        for name, nb in written.items():
            _banner(nb, status, reason)
            _unique_ids(nb)
            if status != GRADED:
                first = next((g for g, c in per_notebook[name]["comments"].items()), None)
                if first is not None:
                    old = per_notebook[name]["comments"][first]
                    per_notebook[name]["comments"][first] = " ".join(
                        filter(None, [old, f"Grader: {status}: {reason}"]))
        stamp = folder / "timestamp.txt"
        result = {"fingerprint": digest, "status": status, "reason": reason, "score": score,
                  "max_score": max_score, "notes": notes, "notebooks": per_notebook,
                  "timestamp": _timestamp(stamp),
                  "graded_at": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
        return written, result

    def _autograded(self, nb, name, cells):
        out = {key: value for key, value in nb.items() if key != "cells"}
        out["nbformat"], out["nbformat_minor"] = 4, 5
        out["metadata"] = dict(nb.get("metadata", {}))
        out["cells"] = [_clean(c.cell) for c in cells]
        return out

    def _cells(self, cells, scores):
        """Auto scores (None: needs a person) and auto comments of one notebook's cells."""
        result = {"scores": {}, "comments": {}}
        for cell in cells:
            if not cell.grade_id:
                continue
            meta = nbs.nbgrader_meta(cell.cell)
            if cell.kind == "test":
                result["scores"][cell.grade_id] = scores.get(cell.grade_id, 0.0)
            elif cell.kind == "solution":
                source = next(c for cs in self.sources.values() for c in cs if c.grade_id == cell.grade_id)
                blank = nbs.normal(cell.source) == nbs.normal(nbs.release_text(source.cell))
                result["comments"][cell.grade_id] = "No response." if blank else None
                if meta.get("grade"):
                    result["scores"][cell.grade_id] = 0.0 if blank else None
        return result


def student_package(course):
    """A folder holding the students' edition of ``course_rnn`` (every function an assignment
    asks for has no body), which the sandbox imports instead of the full package: an answer
    that is not there cannot be imported, read or exec'd.  The targets are those the
    repository's solutions declare (the course folder being graded holds no solutions).
    Folders left by a grader that was killed are removed."""
    from course_rnn.editions import declared_targets, write_student_package

    if not any(declared_targets(course.repo).values()):
        raise RuntimeError(f"{course.repo / 'solutions'} declares no assignment targets, so the students' "
                           "edition of course_rnn would hold every answer; grade from the course repository")
    folder = course.step("autograded")
    folder.mkdir(exist_ok=True)
    host = record.host_name()
    for old in folder.glob(".course-rnn-student-*"):
        # (the course folder may be shared by the graders of several machines: only a folder
        # of this machine whose process is gone is known to be left over)
        owner, _, pid = old.name.removeprefix(".course-rnn-student-").rpartition("-")
        if owner == host and pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(old, ignore_errors=True)
    dest = folder / f".course-rnn-student-{host}-{os.getpid()}"
    shutil.rmtree(dest, ignore_errors=True)
    return write_student_package(dest, course.repo)


def _timestamp(path):
    """nbgrader's timestamp.txt of a submission, if it is a small regular file."""
    try:
        return nbs.read_regular(path, limit=4096).decode("utf-8", "replace").strip()
    except nbs.Malformed:
        return None


def _clean(cell):
    """A cell as nbformat 4 wants it (code cells with outputs and a count)."""
    cell = dict(cell)
    cell.setdefault("metadata", {})
    if cell.get("cell_type") == "code":
        cell.setdefault("outputs", [])
        cell.setdefault("execution_count", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    return cell


def _unique_ids(nb):
    """nbformat 4.5 wants a unique id on every cell."""
    seen = set()
    for cell in nb["cells"]:
        if not isinstance(cell.get("id"), str) or cell["id"] in seen or not cell["id"]:
            cell["id"] = uuid.uuid4().hex[:12]
        seen.add(cell["id"])


def _banner(nb, status, reason):
    """The status as a markdown cell on top of the autograded notebook (shown in feedback)."""
    nb["metadata"]["course_rnn"] = {"status": status, "reason": reason}
    if status == GRADED and not reason:
        return
    text = f"**Grading status: {html.escape(status)}.** {html.escape(reason)}"
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {"course_rnn": {"banner": True}},
                           "source": text})


def ensure_registered(course, assignment, sources):
    """Record the assignment in the gradebook unless it is there with these very cells."""
    api = record.nbgrader_api()
    Gradebook, MissingEntry = api.Gradebook, api.MissingEntry

    url = gradebook_url(course)
    record.create_gradebook(url)
    with Gradebook(url, COURSE_ID) as gb:
        try:
            same = all(_registered_as(gb.find_notebook(Path(name).stem, assignment), nb)
                       for name, nb in sources.items())
            same = same and len(gb.find_assignment(assignment).notebooks) == len(sources)
        except MissingEntry:
            same = False
    if not same:
        register(course, assignment)


def _registered_as(notebook, source):
    grades = {c.name: c.max_score for c in notebook.grade_cells}
    locked = {c.name: c.source for c in notebook.source_cells}
    for cell in source["cells"]:
        meta = nbs.nbgrader_meta(cell)
        if meta.get("grade") and grades.get(meta["grade_id"]) != float(meta.get("points", 0)):
            return False
        if meta.get("locked") and not meta.get("solution") and locked.get(meta["grade_id"]) != nbs.source_text(cell):
            return False
    wanted = {nbs.nbgrader_meta(c)["grade_id"] for c in source["cells"] if nbs.nbgrader_meta(c).get("grade")}
    return set(grades) == wanted


def scores(course, assignment):
    """``{student: (score, max_score)}`` for every graded submission, from the gradebook."""
    api = record.nbgrader_api()
    with api.Gradebook(gradebook_url(course), COURSE_ID) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except api.MissingEntry:
            return {}
        return {s.student.id: (s.score, s.max_score) for s in submissions}


#: a submission's own files beside its notebook (a helper module, a small data file), as
#: nbgrader copies them: regular files at the top of the folder, within these bounds
OWN_FILES, OWN_FILE_BYTES, OWN_TOTAL_BYTES = 50, 16 * 2**20, 64 * 2**20


def _own_files(folder, taken):
    """``({name: path}, [skipped])``: the regular files a student put beside the notebook
    (their helper module, say), which the code of the notebook may import or read, as under
    nbgrader.  Notebooks, hidden files, folders, and names the release ships (its weights and
    data come from the release, never the student) are not taken; neither is what goes past
    the bounds above."""
    import stat

    own, skipped, total = {}, [], 0
    for path in sorted(folder.iterdir()):
        name = path.name
        if name in taken or name.startswith(".") or path.suffix == ".ipynb" or name == "timestamp.txt":
            continue
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            continue
        if len(own) >= OWN_FILES or info.st_size > OWN_FILE_BYTES or total + info.st_size > OWN_TOTAL_BYTES:
            skipped.append(name)
            continue
        own[name], total = path, total + info.st_size
    return own, skipped


def _links_and_special_files(folder):
    """Links, devices, pipes and sockets anywhere in a submission folder (relative paths,
    sorted), looked at without following any link: a folder named like a notebook that holds
    a link to the gradebook is as much a link as a linked notebook."""
    found = []
    for where, folders, names in os.walk(folder, followlinks=False):
        for name in folders + names:
            path = os.path.join(where, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode) or not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                found.append(os.path.relpath(path, folder))
    return sorted(found)
