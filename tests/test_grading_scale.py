"""Grading at scale: two graders on one PostgreSQL gradebook, and a Dask cluster.

Against a real PostgreSQL 15 server that the fixture starts (Debian's ``postgresql``:
``initdb`` + ``pg_ctl`` on a private socket folder and a free loopback port, stopped and
removed afterwards) and a real ``LocalCluster`` of worker processes.  The class is small
(a01, the cheapest assignment): the trio and a few catalogue cases whose authors say which
test cells they lose, so the expected scores come from the catalogue, not from the grader.
On a01 and a03, the trio and part of the catalogue graded on the cluster are compared with
the local grading of tests/test_grading_e2e.py (its ``graded`` fixture, computed once per
session).
"""

import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from unittest import mock

import pytest

import grader_fixtures as fixtures
from submission_cases import load_cases, write_submissions
from test_grading_e2e import graded  # noqa: F401 -- graded: a fixture, each catalogue graded locally

REPO = Path(__file__).resolve().parents[1]
COURSE_RNN = Path(sys.executable).with_name("course-rnn")
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/usr/lib/postgresql/15/bin"),
             key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
A01 = "a01_rnn_forward_bptt"
CASES = ("forward_hs_off_by_one", "bptt_tanh_derivative_wrong", "clip_in_place", "output_softmax_overflows")
SECRET = "s3cret-Pa55word"  # trust authentication ignores it; it must never be shown

psycopg = pytest.importorskip("psycopg", reason="psycopg (pip install 'psycopg[binary]') talks to PostgreSQL")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """A throw-away PostgreSQL server; yields a function giving the URL of a fresh database."""
    if not (PG_BIN / "initdb").exists() or os.geteuid() != 0:
        pytest.skip("needs root and Debian's postgresql (apt-get install postgresql)")
    folder = Path(f"/var/tmp/course-rnn-pg-{uuid.uuid4().hex[:8]}")  # not under pytest's /tmp: postgres reads it
    folder.mkdir(mode=0o700)
    shutil.chown(folder, "postgres")
    port = _free_port()

    def as_postgres(*command):
        return subprocess.run(["su", "postgres", "-c", " ".join(map(str, command))], capture_output=True,
                              text=True, timeout=120, cwd="/")  # a folder the postgres user can enter
    try:
        done = as_postgres(PG_BIN / "initdb", "-D", folder / "data", "-A", "trust")
        assert done.returncode == 0, done.stderr
        done = as_postgres(PG_BIN / "pg_ctl", "-D", folder / "data", "-w", "-l", folder / "log", "-o",
                           f"\"-k {folder} -p {port} -c listen_addresses=127.0.0.1\"", "start")
        assert done.returncode == 0, done.stderr + (folder / "log").read_text()

        def database():
            name = f"gradebook_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as c:
                c.execute(f"CREATE DATABASE {name}")
            return f"postgresql://postgres:{SECRET}@127.0.0.1:{port}/{name}"
        yield database
    finally:
        as_postgres(PG_BIN / "pg_ctl", "-D", folder / "data", "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def write_class(course_dir):
    """The trio and CASES; returns {student: test cells it must lose (None: all of them)}."""
    fixtures.write_trio(course_dir, A01)
    cases = [case for case in load_cases(A01) if case.name in CASES]
    write_submissions(course_dir, A01, cases)
    expected = {case.name: set(case.lose) for case in cases}
    expected.update(reference=set(), untouched=None)
    return expected


def expected_scores(expected, url, others=()):
    """Assert the shared gradebook holds every student once, losing exactly what the
    catalogue says (the first-part-blank release: at least its first part); ``others``: more
    students, not checked."""
    points = fixtures.test_points(A01)
    scores = gradebook(url)
    assert set(scores) == set(expected) | {"first_blank", *others}
    for student, lose in expected.items():
        lost = {t for t, s in scores[student].items() if s < points[t]}
        assert lost == (set(points) if lose is None else lose), student
    assert scores["first_blank"]["test_rnn_step_forward"] == 0


def gradebook(url, assignment=A01):
    from nbgrader.api import Gradebook

    with Gradebook(url, "course-rnn") as gb:
        return {s.student.id: {g.name: g.score for nb in s.notebooks for g in nb.grades if g.name.startswith("test_")}
                for s in gb.find_assignment(assignment).submissions}


def log(url):
    """``[(student, graded_by)]``: one row per committed grading."""
    with psycopg.connect(url, autocommit=True) as c:
        try:
            return c.execute("SELECT student, graded_by FROM course_rnn_grading_log").fetchall()
        except psycopg.errors.UndefinedTable:
            return []


def grader(course_dir, url, *extra, name=None):
    """``course-rnn grade`` in the background; ``name``: its database connections' application_name."""
    env = dict(os.environ, COURSE_RNN_GRADEBOOK_URL=url, **({"PGAPPNAME": name} if name else {}))
    return subprocess.Popen([str(COURSE_RNN), "grade", A01, "--course-dir", str(course_dir), "--no-progress", *extra],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_secret_nowhere(texts, *folders):
    for text in texts:
        assert SECRET not in text
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if path.is_file() and path.stat().st_size < 5_000_000:
                assert SECRET.encode() not in path.read_bytes(), path


def test_two_graders_on_one_postgres_gradebook_grade_every_submission_exactly_once(postgres, tmp_path):
    url = postgres()
    one, two = tmp_path / "one", tmp_path / "two"  # two machines: each its own copy of submitted/
    expected = write_class(one)
    shutil.copytree(one, two)
    graders = [grader(one, url), grader(two, url)]
    outputs = [g.communicate(timeout=900) for g in graders]
    for g, (out, err) in zip(graders, outputs):
        assert g.returncode == 0, err[-3000:]
    rows = log(url)
    students = [s for s, _ in rows]
    assert sorted(students) == sorted(set(expected) | {"first_blank"}), "a submission graded twice or not at all"
    assert len({by for _, by in rows}) == 2, "both graders should have taken a share"
    expected_scores(expected, url)
    # each line printed says graded here or graded by the other grader, never both
    lines = [line.split("\t")[:2] for out, _ in outputs for line in out.splitlines()]
    assert sorted(s for s, status in lines if status != "skipped") == sorted(students)
    # the report on one machine shows the other's submissions too (statuses from the database)
    done = subprocess.run([str(COURSE_RNN), "report", A01, "--course-dir", str(one)], cwd=REPO, capture_output=True,
                          text=True, timeout=600, env=dict(os.environ, COURSE_RNN_GRADEBOOK_URL=url))
    assert done.returncode == 0, done.stderr[-3000:]
    from test_grading_report import table_with

    rows = table_with(one / "reports" / f"{A01}.html", "student", "status")
    assert {row["student"]: row["status"] for row in rows} == {s: "graded" for s in students}
    assert_secret_nowhere([t for pair in outputs for t in pair] + [done.stdout, done.stderr], one, two)


def test_a_killed_graders_submission_is_graded_by_the_next_and_none_twice(postgres, tmp_path):
    url = postgres()
    one, two = tmp_path / "one", tmp_path / "two"
    expected = write_class(one)
    shutil.copytree(one, two)
    first = grader(one, url)
    deadline = time.monotonic() + 600
    while not log(url) and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.2)
    assert first.poll() is None, "the first grader finished before it could be killed"
    first.kill()  # SIGKILL: its claim on the submission it was grading dies with its connection
    first.wait()
    killed_done = {s for s, _ in log(url)}
    assert 1 <= len(killed_done) < len(expected) + 1
    second = grader(two, url)
    out, err = second.communicate(timeout=900)
    assert second.returncode == 0, err[-3000:]
    students = [s for s, _ in log(url)]
    assert sorted(students) == sorted(set(expected) | {"first_blank"})
    graded_here = {line.split("\t")[0] for line in out.splitlines() if line.split("\t")[1] != "skipped"}
    assert graded_here == set(students) - killed_done
    expected_scores(expected, url)


def claims_held(url, students):
    """``{application_name: students}`` whose claims (advisory locks on ``A01/student``, as
    claims.py takes them) each database client holds now."""
    with psycopg.connect(url, autocommit=True) as c:
        rows = c.execute(
            "SELECT a.application_name, s.student FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "JOIN (SELECT student, hashtextextended(%s || '/' || student, 0) AS k FROM unnest(%s::text[]) AS student) s "
            "ON l.classid::bigint = ((s.k >> 32) & 4294967295) AND l.objid::bigint = (s.k & 4294967295) "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1", (A01, sorted(students))).fetchall()
    held = {}
    for name, student in rows:
        held.setdefault(name, set()).add(student)
    return held


def test_two_graders_at_once_one_killed_mid_run_and_the_survivor_grades_the_rest_once(postgres, tmp_path):
    """Both start together.  One student's first cell sleeps, so whichever grader claims it
    holds that claim for the wall-clock backstop (3 x 10 s, no CPU); once the other has
    committed everything else it can only wait for that claim.  Then the holder is SIGKILLed:
    the survivor takes the freed claim and grades the sleeper, and every submission is
    graded exactly once."""
    url = postgres()
    one, two = tmp_path / "one", tmp_path / "two"
    expected = write_class(one)
    sleeper = fixtures.Kind("sleeps", fixtures.with_first_solution(fixtures.solved(A01), lambda code: (
        "import time\ntime.sleep(600)\n" + code)), (), None)
    fixtures.write(one, A01, sleeper)
    shutil.copytree(one, two)
    everyone = set(expected) | {"first_blank", "sleeps"}
    graders = {"one": grader(one, url, "--timeout", "10", name="one"),
               "two": grader(two, url, "--timeout", "10", name="two")}
    names = {key: f"{socket.gethostname()}:{g.pid}" for key, g in graders.items()}
    holder, deadline = None, time.monotonic() + 600
    while holder is None and time.monotonic() < deadline and all(g.poll() is None for g in graders.values()):
        if {s for s, _ in log(url)} == everyone - {"sleeps"}:
            holding = [key for key, students in claims_held(url, {"sleeps"}).items() if "sleeps" in students]
            if holding and {s for s, _ in log(url)} == everyone - {"sleeps"}:
                holder = holding[0]
                graders[holder].kill()
        time.sleep(0.05)
    assert holder is not None, "the sleeper's claim was never the last one held while both graders ran"
    graders[holder].wait()
    (survivor,) = set(graders) - {holder}
    out, err = graders[survivor].communicate(timeout=900)
    assert graders[survivor].returncode == 0, err[-3000:]
    rows = log(url)
    assert sorted(s for s, _ in rows) == sorted(everyone), "a submission graded twice or not at all"
    graded_by = dict(rows)
    assert graded_by["sleeps"] == names[survivor], "the killed grader's claimed submission was not taken over"
    lines = {line.split("\t")[0]: line.split("\t")[1] for line in out.splitlines()}
    assert lines["sleeps"] == "timed out"
    assert {s for s, status in lines.items() if status != "skipped"} == \
        {s for s, by in graded_by.items() if by == names[survivor]}
    expected_scores(expected, url, others={"sleeps"})


def test_an_unreachable_database_is_one_line_without_the_password(tmp_path):
    write_class(tmp_path)
    url = f"postgresql://grader:{SECRET}@127.0.0.1:{_free_port()}/nowhere"
    done = subprocess.run([str(COURSE_RNN), "grade", A01, "--course-dir", str(tmp_path), "--db", url, "--no-progress"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "cannot connect to the gradebook database at 127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr
    assert_secret_nowhere([done.stdout, done.stderr], tmp_path)


@pytest.fixture(scope="module")
def pg_trio(postgres, tmp_path_factory):
    """The trio graded into a fresh PostgreSQL gradebook (its URL, password included, in the
    grader's environment): ``(course_dir, url, what the grader printed, the nbgrader command
    lines seen while it graded)``."""
    url = postgres()
    course = tmp_path_factory.mktemp("pg-trio")
    fixtures.write_trio(course, A01)
    with CommandLines() as watched:  # grading records the assignment with nbgrader generate_assignment
        done = grader(course, url)
        out, err = done.communicate(timeout=900)
    assert done.returncode == 0, err[-3000:]
    return course, url, out + err, list(watched.seen.values())


class CommandLines:
    """Every command line on the machine that mentions nbgrader, read from /proc every 20 ms
    while the block runs (an nbgrader child lives for seconds)."""

    def __init__(self):
        self.seen, self.stop = {}, threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        while not self.stop.is_set():
            for path in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    raw = path.read_bytes()
                except OSError:
                    continue
                if b"nbgrader" in raw:
                    self.seen[path.parent.name] = raw.replace(b"\0", b" ")
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def test_the_gradebook_password_is_in_no_command_line_page_csv_or_output(pg_trio, monkeypatch, tmp_path):
    """feedback and export on the PostgreSQL gradebook: the URL reaches nbgrader through its
    environment, never its arguments (public in ps and /proc/PID/cmdline)."""
    from course_rnn.grading.export import export_grades
    from course_rnn.grading.paths import URL_VARIABLE, Course

    course_dir, url, grading_output, grading_children = pg_trio
    monkeypatch.setenv(URL_VARIABLE, url)
    course = Course.at(course_dir, repo=REPO)
    started, popen = [], subprocess.Popen.__init__

    def spy(self, args, *rest, **kwargs):
        started.append((list(map(str, args)), kwargs.get("env") or {}))
        popen(self, args, *rest, **kwargs)
    with mock.patch.object(subprocess.Popen, "__init__", spy):  # (feedback: from the command line below)
        export_grades(course, tmp_path / "grades.csv", parts=True)
    children = [(args, env) for args, env in started if "nbgrader" in " ".join(args)]
    assert children, started
    for args, env in children:
        assert not any(SECRET in arg for arg in args), args
        assert env.get(URL_VARIABLE) == url  # how it gets there instead
    full = f"{sum(fixtures.test_points(A01).values()):g}"
    rows = read_csv(tmp_path / "grades.csv")  # read from the PostgreSQL gradebook: the trio, scored
    assert set(rows) == {"reference", "untouched", "first_blank"}
    assert f"{float(rows['reference']['raw_score']):g}" == full and float(rows["untouched"]["raw_score"]) == 0
    # the same from the command line, every process on the machine watched
    env = dict(os.environ, **{URL_VARIABLE: url})
    with CommandLines() as watched:
        done = [subprocess.run([str(COURSE_RNN), *command], cwd=REPO, env=env, capture_output=True, text=True,
                               timeout=600)
                for command in (["feedback", A01, "--course-dir", str(course_dir)],
                                ["export", "--course-dir", str(course_dir), "--to", str(tmp_path / "cli.csv"),
                                 "--parts"])]
    for finished in done:
        assert finished.returncode == 0, finished.stderr[-3000:]
    seen = grading_children + list(watched.seen.values())
    ours = [raw for raw in seen if f"--CourseDirectory.root={course_dir}".encode() in raw]
    for command in (b"generate_assignment", b"generate_feedback", b"export"):  # (grade, feedback, export)
        assert any(command in raw for raw in ours), f"no nbgrader {command} seen: the watch proved nothing"
    assert not [raw for raw in seen if SECRET.encode() in raw]
    assert list((course_dir / "feedback").rglob("*.html")) and read_csv(tmp_path / "cli.csv").keys() == rows.keys()
    assert_secret_nowhere([grading_output] + [f.stdout + f.stderr for f in done], course_dir, tmp_path)


def test_the_gradebook_url_in_nbgrader_config_is_used_with_no_environment_variable(pg_trio, monkeypatch, tmp_path):
    from course_rnn.grading import paths
    from course_rnn.grading.export import export_grades

    course_dir, url, _, _ = pg_trio
    monkeypatch.delenv(paths.URL_VARIABLE, raising=False)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "solutions").symlink_to(REPO / "solutions")
    (repo / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text()
                                             + f"\nc.CourseDirectory.db_url = {url!r}\n")
    course = paths.Course.at(course_dir, repo=repo)
    assert paths.gradebook_url(course) == url
    rows = read_csv(export_grades(course, tmp_path / "grades.csv"))
    full = sum(fixtures.test_points(A01).values())
    assert set(rows) == {"reference", "untouched", "first_blank"} and float(rows["reference"]["raw_score"]) == full


def test_a_failing_nbgrader_is_reported_without_the_gradebook_password(monkeypatch, tmp_path):
    from course_rnn.grading import runner
    from course_rnn.grading.errors import NbgraderError
    from course_rnn.grading.paths import URL_VARIABLE, Course

    url = f"postgresql://grader:{SECRET}@db.example/gradebook"
    monkeypatch.setenv(URL_VARIABLE, url)

    def fails(command, **kwargs):  # what a failing nbgrader may print: a setting, an error
        return subprocess.CompletedProcess(command, 1, "", f"[ExportApp] could not open {url}\n"
                                                           f"FATAL: password {SECRET} rejected\n")
    monkeypatch.setattr(runner.subprocess, "run", fails)
    with pytest.raises(NbgraderError) as error:
        runner.run_nbgrader(Course.at(tmp_path, repo=REPO), "export")
    assert SECRET not in str(error.value) and "could not open ***" in str(error.value)


def test_the_folders_of_dead_dask_workers_of_this_machine_are_removed_and_no_other(tmp_path):
    import tempfile

    from course_rnn.grading import record
    from course_rnn.grading.paths import Course

    gone = subprocess.Popen(["true"])
    gone.wait()  # its pid is no process's now
    autograded = tmp_path / "autograded"
    autograded.mkdir()

    def slot_folder(name):  # as sandbox.Slot makes it
        return Path(tempfile.mkdtemp(prefix=f".course-rnn-{name}-", dir=autograded))
    dead, alive = slot_folder(record.dask_slot_name(gone.pid)), slot_folder(record.dask_slot_name(os.getpid()))
    elsewhere = slot_folder(f"dask{gone.pid}-anothermachine")  # a dead pid here, but whose is it?
    local = slot_folder("w0")
    graded = autograded / "alice" / A01
    for folder in (dead, alive, elsewhere, local, graded):
        (folder / "submission").mkdir(parents=True)
    record.remove_partials(Course.at(tmp_path, repo=REPO), A01)
    assert not dead.exists() and not local.exists()
    assert alive.exists() and elsewhere.exists() and graded.exists()


@pytest.fixture
def cluster(monkeypatch, postgres):
    """A LocalCluster of two single-threaded worker processes that read the gradebook URL
    from their environment, and a client.  Started with Dask's defaults (the statistical
    profiler on, as a plain ``dask worker``): grading must turn it off."""
    distributed = pytest.importorskip("distributed", reason="dask.distributed grades on a cluster")
    url = postgres()
    monkeypatch.setenv("COURSE_RNN_GRADEBOOK_URL", url)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None, silence_logs=40) as local:
        with distributed.Client(local) as client:
            yield client, url


def test_grade_dask_lets_go_of_each_submission_once_its_result_is_read(monkeypatch, tmp_path):
    """A future holds its result on a worker and its task on the scheduler: kept for the whole
    class, they grow with it.  With an in-process cluster and a stand-in for the grading
    task, count the futures still alive each time a result is shown (gc'd; weak references)."""
    import gc
    import weakref

    distributed = pytest.importorskip("distributed", reason="dask.distributed grades on a cluster")
    import dask.distributed
    from course_rnn.grading import scale
    from course_rnn.grading.paths import Course

    class NoClaims:
        def __init__(self, *args, **kwargs):
            pass

        def setup(self):
            return mock.MagicMock()

        def now(self):
            return None

        def close(self):
            pass
    folders = [tmp_path / "submitted" / f"s{i:02d}" / A01 for i in range(12)]
    monkeypatch.setattr(scale, "_prepare", lambda *args: ({}, folders, None, "postgresql://nowhere/db"))
    monkeypatch.setattr(scale, "Claims", NoClaims)
    monkeypatch.setattr(scale, "ensure_registered", lambda *args: None)
    monkeypatch.setattr(scale, "grade_task", lambda repo, course_dir, assignment, student, *rest: {
        "student": student, "status": "graded", "reason": "", "score": 1.0, "max_score": 1.0, "seconds": 0.0})
    yielded, alive = [], []
    as_completed = dask.distributed.as_completed

    def watched(futures):
        pending = as_completed(futures)  # (the list itself is not kept here)

        def each():
            for future in pending:
                yielded.append(weakref.ref(future))
                yield future
        return each()

    class Bar:  # tqdm's place: called once per result read
        def __init__(self, *args, **kwargs):
            pass

        def update(self):
            gc.collect()
            alive.append(sum(ref() is not None for ref in yielded[:-1]))  # (the last is being read)

        def close(self):
            pass
    monkeypatch.setattr(dask.distributed, "as_completed", watched)
    monkeypatch.setattr(scale, "tqdm", Bar)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None,
                                  silence_logs=40) as local, distributed.Client(local) as client:
        results = scale.grade_dask(Course.at(tmp_path, repo=REPO), A01, None, progress=False, client=client)
    assert sorted(r.student for r in results) == [f"s{i:02d}" for i in range(12)]
    assert len(alive) == 12 and max(alive) == 0, alive


def running_students(client):
    """``{worker address: students whose grading task runs there now}``."""
    prefix = f"grade-{A01}-"
    keys = client.run(lambda dask_worker: [str(ts.key) for ts in dask_worker.state.executing])
    return {address: [k[len(prefix):] for k in found if k.startswith(prefix)] for address, found in keys.items()}


def test_dask_grading_gives_the_catalogue_scores_and_survives_a_killed_worker(cluster, tmp_path):
    """A worker is SIGKILLed while it grades a submission it has not committed: Dask runs
    that task again on another worker, which grades it; nothing is lost or graded twice,
    and the dead worker's sandbox folder is cleaned up.  Each worker that graded did so with
    one warm zygote, started once, and without Dask's profiler."""
    from course_rnn.grading import record
    from course_rnn.grading.paths import Course
    from course_rnn.grading.scale import grade_dask

    def warm_state(dask_worker):  # on a worker (nested: sent by value, not imported from here)
        from course_rnn.grading import scale

        return {"pid": os.getpid(), "zygotes": [dict(warm.zygotes) for warm in scale._WARM.values()],
                "alive": [warm.slot.process.pid for warm in scale._WARM.values()
                          if warm.slot.process is not None and warm.slot.process.poll() is None],
                "profiling": "profile" in dask_worker.periodic_callbacks,
                "profiles": len(dask_worker.profile_history)}

    client, url = cluster
    expected = write_class(tmp_path)
    everyone = set(expected) | {"first_blank"}
    course = Course.at(tmp_path, repo=REPO)
    pids = client.run(os.getpid)
    results = {}

    def run():
        results["value"] = grade_dask(course, A01, None, progress=False, client=client)
    thread = threading.Thread(target=run)
    thread.start()
    victim, deadline = None, time.monotonic() + 600
    while victim is None and time.monotonic() < deadline and thread.is_alive():
        committed = {s for s, _ in log(url)}
        if committed:  # the workers are warm
            busy = [(address, student) for address, students in running_students(client).items()
                    for student in students if student not in committed]
            if busy and busy[0][1] not in {s for s, _ in log(url)}:
                victim = busy[0]
                slots = list((tmp_path / "autograded").glob(f".course-rnn-dask{pids[victim[0]]}-*"))
                os.kill(pids[victim[0]], signal.SIGKILL)  # the nanny starts a new worker process
        time.sleep(0.05)
    assert victim is not None, "no worker was grading an uncommitted submission before the class was done"
    thread.join(timeout=900)
    assert not thread.is_alive()
    statuses = {r.student: r.status for r in results["value"]}
    rows = log(url)
    students = [s for s, _ in rows]
    assert sorted(students) == sorted(everyone), "a submission lost or graded twice"
    assert set(statuses) == set(students) and set(statuses.values()) <= {"graded", "skipped"}
    killed = f"{socket.gethostname()}:{pids[victim[0]]}"
    assert dict(rows)[victim[1]] != killed, "the killed worker's task was not run again elsewhere"
    expected_scores(expected, url)
    assert len({by for _, by in rows}) >= 2, "more than one worker process graded"
    # one warm zygote per worker process, for all its submissions; no profiler
    states = [state for state in client.run(warm_state).values() if state["zygotes"]]
    assert states, "no worker kept a warm state"
    for state in states:
        assert len(state["zygotes"]) == 1, state  # one assignment, one warm state
        assert len(state["zygotes"][0]) == 1 and list(state["zygotes"][0]) == state["alive"], state
        assert not state["profiling"] and state["profiles"] == 0, state
    assert max(sum(state["zygotes"][0].values()) for state in states) >= 2, "no zygote served two submissions"
    # the killed worker's sandbox folder was left; cleaning up removes it, and only it
    assert len(slots) == 1, slots
    record.remove_partials(course, A01)
    assert not slots[0].exists()
    for state in states:
        assert len(list((tmp_path / "autograded").glob(f".course-rnn-dask{state['pid']}-*"))) == 1


#: Where Dask grading is compared with local grading: a01 (numpy only in the sandbox) and
#: a03 (torch loaded in it).  What the cluster adds (a task per submission, a warm zygote
#: per worker process, results into the shared gradebook) does not depend on the
#: assignment; a02, a04 and a05 added six minutes of grading to the suite.
DASK_COMPARED = ("a01_rnn_forward_bptt", "a03_lstm_gru")


@pytest.mark.slow
@pytest.mark.parametrize("graded", DASK_COMPARED, indirect=True)
def test_dask_grading_gives_every_catalogue_the_statuses_and_scores_of_local_grading(graded, cluster, tmp_path):
    """The trio and the catalogue of one assignment graded on a LocalCluster of two
    single-threaded worker processes into a PostgreSQL gradebook: every student gets the
    status and score, and every test cell the score, that ``course-rnn grade --workers 2``
    gave the same submission on one machine (tests/test_grading_e2e.py's run, shared).
    The trio, the correct cases and the first three with a bug of each catalogue: the
    cluster is checked to reproduce local grading, which test_grading_e2e.py checks on every
    case (whole catalogues here cost eight minutes of the suite and tested nothing more).
    On a01 and a03 only (``DASK_COMPARED``)."""
    from course_rnn.grading.paths import Course
    from course_rnn.grading.scale import grade_dask

    assert graded.returncode == 0, graded.stderr
    client, url = cluster
    fixtures.write_trio(tmp_path, graded.assignment)
    cases = [c for c in graded.cases if not c.lose] + [c for c in graded.cases if c.lose][:3]
    write_submissions(tmp_path, graded.assignment, cases)
    results = grade_dask(Course.at(tmp_path, repo=REPO), graded.assignment, None, progress=False, client=client)
    on_dask = {r.student: (r.status, f"{r.score:g}/{r.max_score:g}" if r.score is not None else "-", r.message)
               for r in results}
    students = set(fixtures.TRIO) | {case.student for case in cases}
    assert set(on_dask) == students
    local = {s: (graded.rows[s].status, graded.rows[s].score, graded.rows[s].reason) for s in students}
    differ = [f"{s}: Dask {on_dask[s]}, local {local[s]}" for s in sorted(students) if on_dask[s][:2] != local[s][:2]]
    assert differ == []
    cells = gradebook(url, graded.assignment)
    differ = [f"{s} {name}: Dask {cells[s].get(name)}, local {score:g}" for s in sorted(students)
              for name, (score, _) in graded.ours[s].items() if name.startswith("test_") and cells[s].get(name) != score]
    assert differ == []


def test_dask_scheduler_and_worker_commands_and_grade_scheduler_cli(postgres, tmp_path):
    """The two-machine setup of the README on one machine: ``dask scheduler``, ``dask worker
    --nthreads 1`` with the URL in its environment, ``course-rnn grade --scheduler``."""
    pytest.importorskip("distributed", reason="dask.distributed grades on a cluster")
    url = postgres()
    course = tmp_path / "course"
    fixtures.write_trio(course, A01)
    env = dict(os.environ, COURSE_RNN_GRADEBOOK_URL=url, DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED="False")
    dask = Path(sys.executable).with_name("dask")
    port = _free_port()
    scheduler = subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([str(dask), "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1", "--nworkers", "1",
                               "--no-dashboard"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        done = subprocess.run([str(COURSE_RNN), "grade", A01, "--course-dir", str(course), "--no-progress",
                               "--scheduler", f"tcp://127.0.0.1:{port}"], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=900)
    finally:
        for process in (worker, scheduler):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    assert done.returncode == 0, done.stderr[-3000:]
    lines = {line.split("\t")[0]: line.split("\t")[1:3] for line in done.stdout.splitlines()}
    full = f"{sum(fixtures.test_points(A01).values()):g}"
    assert lines["reference"] == ["graded", f"{full}/{full}"] and lines["untouched"] == ["graded", f"0/{full}"]
    assert lines["first_blank"][0] == "graded"
    assert sorted(s for s, _ in log(url)) == ["first_blank", "reference", "untouched"]
    assert_secret_nowhere([done.stdout, done.stderr], course)


def test_the_student_package_folders_of_dead_graders_of_this_machine_are_removed_and_no_other(tmp_path):
    """A Dask worker of another machine sharing the course folder must not delete the package
    a live grader there imports (its pid means nothing here)."""
    from course_rnn.grading import record
    from course_rnn.grading.autograde import student_package
    from course_rnn.grading.paths import Course

    gone = subprocess.Popen(["true"])
    gone.wait()
    autograded = tmp_path / "autograded"
    here, elsewhere = record.host_name(), "anothermachine"
    folders = {name: autograded / f".course-rnn-student-{name}"
               for name in (f"{here}-{gone.pid}", f"{elsewhere}-{gone.pid}", f"{here}-1")}
    for folder in folders.values():
        (folder / "course_rnn").mkdir(parents=True)
    made = student_package(Course.at(tmp_path, repo=REPO))
    assert (made / "course_rnn" / "__init__.py").is_file() and here in made.name
    # the course folder holds no solutions/: the targets still come from the repository's
    assert "NotImplementedError" in (made / "course_rnn" / "scratch" / "rnn.py").read_text(encoding="utf-8")
    assert "NotImplementedError" in (made / "course_rnn" / "scratch" / "lstm.py").read_text(encoding="utf-8")
    assert not folders[f"{here}-{gone.pid}"].exists()
    assert folders[f"{elsewhere}-{gone.pid}"].exists() and folders[f"{here}-1"].exists()  # (pid 1 lives)
