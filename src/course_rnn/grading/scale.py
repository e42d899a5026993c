"""Grading beyond one process: a shared PostgreSQL gradebook, and a Dask cluster.

:func:`grade_shared` is ``course-rnn grade --db postgresql://...``: this machine's worker
threads grade through the same :class:`~course_rnn.grading.autograde.Grader` as a local run,
but take a submission only once they hold its claim in the database
(:mod:`~course_rnn.grading.claims`), so any number of graders on any number of machines
share one class and grade each submission once.

:func:`grade_dask` is ``course-rnn grade --scheduler tcp://HOST:PORT``: one Dask task per
submission.  Each Dask worker process keeps one warm sandbox :class:`Slot` (made by its first
task, closed when the process exits) and grades through ``Grader.grade(slot, ...)`` like a
local thread, claims the submission, and commits the result to the shared gradebook itself;
the instructor's process only streams progress.  A task whose worker dies is run again by
Dask on another worker; its claim died with the worker, and a submission committed before
the death is found graded and skipped.  Workers read the gradebook URL from their own
environment or ``nbgrader_config.py``: the password never travels in the task graph.  Run
workers with one thread each (``dask worker --nthreads 1``; more processes instead): the
tasks of one process take turns on its one sandbox.

A Dask worker's statistical profiler (on by default) samples the running task's stack every
10 ms and keeps one merged profile per second, up to 1000 of them; with the deep stacks of
grading, a worker grew by about 0.4 MiB per submission (benchmarks/SCALE.md).  Start workers
without it (:data:`WORKER_CONFIG`, or ``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False`` in
``dask worker``'s environment); a worker started with it has it stopped by its first task.
"""

import atexit
import json
import os
import queue
import threading
import time
from collections import Counter

from tqdm import tqdm

from course_rnn.grading import autograde, record
from course_rnn.grading.autograde import ERROR, SKIPPED, Grader, Result, ensure_registered
from course_rnn.grading.claims import Claims, ClaimQueue, is_postgres
from course_rnn.grading.errors import GradingInputError
from course_rnn.grading.paths import COURSE_ID, Course, gradebook_url
from course_rnn.grading.sandbox import Limits, Slot, bwrap_problem, remove_stale_cgroups, unavailable
from course_rnn.grading.validate import check_assignment, check_course_dir, find_submissions

ELSEWHERE = "graded by another grader (the shared gradebook has it)"
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}  # dask.config for the workers that grade


def _prepare(course, assignment, limits, unsafe):
    """The checks of a local run: the course, the assignment, the sandbox."""
    check_course_dir(course)
    sources = {path.name: json.loads(path.read_text(encoding="utf-8"))
               for path in check_assignment(course, assignment)}
    folders = find_submissions(course, assignment)
    if not unsafe:
        problem = bwrap_problem()
        if problem:
            raise unavailable(problem)
    url = gradebook_url(course)
    if not is_postgres(url):
        raise GradingInputError("grading with several graders needs a shared PostgreSQL gradebook: pass "
                                "--db postgresql://USER@HOST/DB or set COURSE_RNN_GRADEBOOK_URL")
    return sources, folders, limits or Limits(), url


def _result(student, result, seconds):
    return Result(student, result["status"], result["reason"], seconds, result["score"],
                  result["max_score"], result["notes"])


def grade_shared(course, assignment, workers=1, force=False, progress=True, limits=None, unsafe=False,
                 name=None):
    """Grade with ``workers`` threads here, sharing the class with every other grader on
    the same PostgreSQL gradebook; one Result per student (skipped: graded elsewhere)."""
    sources, folders, limits, url = _prepare(course, assignment, limits, unsafe)
    claims = Claims(url, assignment, name)
    lock = autograde._lock(course)
    try:
        record.remove_partials(course, assignment)
        remove_stale_cgroups()
        since = claims.now() if force else None
        todo = [(folder.parent.name, folder, record.fingerprint(folder)) for folder in folders]
        with claims.setup():
            ensure_registered(course, assignment, sources)
        grader = Grader(course, assignment, sources, limits, unsafe)
        done = queue.Queue()
        jobs = ClaimQueue(claims, todo, lambda student: done.put((student, None)), since, stop=grader.stop)
        threads = [threading.Thread(target=grader.work, args=(f"w{i}", jobs, done), daemon=True)
                   for i in range(min(max(1, workers), len(todo)))]
        for thread in threads:
            thread.start()
        results = []
        bar = tqdm(total=len(todo), desc=f"grading {assignment}", unit="submission", disable=not progress)
        try:
            with record.nbgrader_api().Gradebook(url, COURSE_ID) as gb:
                while len(results) < len(todo):
                    try:
                        student, outcome = done.get(timeout=1)
                    except queue.Empty:
                        if not any(t.is_alive() for t in threads) and done.empty():
                            break
                        continue
                    if outcome is None:
                        results.append(Result(student, SKIPPED, ELSEWHERE))
                    elif isinstance(outcome, BaseException):
                        claims.release(student)  # another grader, or the next run, tries again
                        results.append(Result(student, ERROR, f"the grader failed: {type(outcome).__name__}: {outcome}"))
                    else:
                        notebooks, result, seconds = outcome
                        try:
                            record.commit(course, gb, assignment, student, notebooks, result)
                            claims.mark(student, result)
                        finally:
                            claims.release(student)
                        results.append(_result(student, result, seconds))
                    bar.update()
        finally:
            bar.close()
            grader.stop.set()
            for thread in threads:
                thread.join(timeout=30)
            grader.close()
        reported = {r.student for r in results}
        results += [Result(student, ERROR, "not graded: this grader's workers stopped (run again to resume)")
                    for student, _, _ in todo if student not in reported]
    finally:
        lock.close()
        claims.close()
    return sorted(results, key=lambda r: r.student)


# Dask: the worker side.  One warm state per worker process.

_WARM = {}
_WARM_LOCK = threading.Lock()


class _Warm:
    """A worker process's grader, sandbox slot, claims and gradebook for one assignment."""

    def __init__(self, course, assignment, limits, unsafe):
        sources = {path.name: json.loads(path.read_text(encoding="utf-8"))
                   for path in check_assignment(course, assignment)}
        self.course, self.assignment = course, assignment
        self.grader = Grader(course, assignment, sources, limits, unsafe)
        extra = {"package": self.grader.package} if getattr(self.grader, "package", None) else {}
        record.remove_dead_slots(course)  # left by a worker of this machine that was killed
        remove_stale_cgroups()
        self.slot = Slot(record.dask_slot_name(), limits, self.grader.preload, unsafe,
                         folder=course.step("autograded"), **extra)
        url = gradebook_url(course)
        self.claims = Claims(url, assignment)
        self.gradebook = record.nbgrader_api().Gradebook(url, COURSE_ID)
        self.turn = threading.Lock()  # the tasks of one process take turns on its sandbox
        self.zygotes = Counter()  # zygote pid -> submissions graded by it: one, warm, if all goes well
        atexit.register(self.close)

    def close(self):
        for step in (self.slot.close, self.grader.close, self.gradebook.close, self.claims.close):
            try:
                step()
            except Exception:  # noqa: BLE001 -- closing at exit, best effort
                pass


def _warm(course, assignment, limits, unsafe):
    key = (str(course.repo), str(course.course_dir), assignment, repr(limits), unsafe)
    with _WARM_LOCK:
        if key not in _WARM:
            _stop_profiler()
            _WARM[key] = _Warm(course, assignment, limits, unsafe)
        return _WARM[key]


def _stop_profiler():
    """Stop this Dask worker's statistical profiler and drop what it kept (see the module's
    docstring); nothing if not on a worker or already stopped."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return

    def stop():
        for name in ("profile", "profile-cycle"):
            callback = worker.periodic_callbacks.pop(name, None)
            if callback is not None:
                callback.stop()
        worker.profile_history.clear()
        worker.profile_keys_history.clear()
        worker.profile_keys.clear()
    worker.loop.add_callback(stop)  # periodic callbacks belong to the worker's event loop


def grade_task(repo, course_dir, assignment, student, limits, unsafe, since=None, poll=1.0):
    """One submission, on a Dask worker: claim, grade in this process's slot, commit.
    Returns a plain dict (status, reason, score, max_score, seconds, worker)."""
    course = Course.at(course_dir, repo=repo)
    warm = _warm(course, assignment, limits, unsafe)
    folder = course.step("submitted") / student / assignment
    digest = record.fingerprint(folder)
    jobs = ClaimQueue(warm.claims, [(student, folder, digest)], lambda s: None, since, poll)
    with warm.turn:
        try:
            jobs.get_nowait()
        except queue.Empty:
            return {"student": student, "status": SKIPPED, "reason": ELSEWHERE, "worker": os.getpid()}
        start = time.perf_counter()
        try:
            notebooks, result = warm.grader.grade(warm.slot, student, folder, digest)
            warm.zygotes[getattr(warm.slot.process, "pid", None)] += 1
            result["seconds"] = round(time.perf_counter() - start, 3)
            record.commit(course, warm.gradebook, assignment, student, notebooks, result)
            warm.claims.mark(student, result)
        finally:
            warm.claims.release(student)
    return {"student": student, "status": result["status"], "reason": result["reason"], "score": result["score"],
            "max_score": result["max_score"], "seconds": result["seconds"], "worker": os.getpid()}


# Dask: the instructor's side.

def grade_dask(course, assignment, scheduler, force=False, progress=True, limits=None, unsafe=False,
               client=None):
    """Grade every submission on the Dask cluster at ``scheduler`` (or ``client``), results
    to the shared gradebook; progress streams here.  One Result per student."""
    from dask.distributed import Client, as_completed

    sources, folders, limits, url = _prepare(course, assignment, limits, unsafe)
    claims = Claims(url, assignment)
    try:
        with claims.setup():
            ensure_registered(course, assignment, sources)
        since = claims.now() if force else None
    finally:
        claims.close()
    own = client is None
    client = client or Client(scheduler, timeout=60)
    results = []
    try:
        # only as_completed holds the futures, and each is released once read: a finished
        # task's result and the scheduler's record of it do not stay for the whole class
        pending = as_completed([client.submit(grade_task, str(course.repo), str(course.course_dir), assignment,
                                              folder.parent.name, limits, unsafe, since,
                                              key=f"grade-{assignment}-{folder.parent.name}", pure=False)
                                for folder in folders])
        bar = tqdm(total=len(folders), desc=f"grading {assignment} on {len(client.scheduler_info()['workers'])} "
                                            f"Dask workers", unit="submission", disable=not progress)
        try:
            for future in pending:
                try:
                    done = future.result()
                    results.append(Result(done["student"], done["status"], done["reason"], done.get("seconds", 0.0),
                                          done.get("score"), done.get("max_score")))
                except Exception as error:  # noqa: BLE001 -- a lost task costs one submission, reported
                    student = future.key.split(f"grade-{assignment}-", 1)[-1]
                    results.append(Result(student, ERROR, f"the grader failed: {type(error).__name__}: {error}"))
                future.release()
                bar.update()
        finally:
            bar.close()
    finally:
        if own:
            client.close()
    return sorted(results, key=lambda r: r.student)
