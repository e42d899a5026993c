"""Grading at scale: two graders on one PostgreSQL gradebook, and a Dask cluster.

Against a real PostgreSQL 15 server that the fixture starts (Debian's ``postgresql``:
``initdb`` + ``pg_ctl`` on a private socket folder and a free loopback port, stopped and
removed afterwards) and a real ``LocalCluster`` of worker processes.  The class is small
(a01, the cheapest assignment): the trio and a few catalogue cases whose authors say which
test cells they lose, so the expected scores come from the catalogue, not from the grader.
"""

import json
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

import pytest

import grader_fixtures as fixtures
from submission_cases import load_cases, write_submissions

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


def expected_scores(expected, url):
    """Assert the shared gradebook holds every student once, losing exactly what the
    catalogue says (the first-part-blank release: at least its first part)."""
    points = fixtures.test_points(A01)
    scores = gradebook(url)
    assert set(scores) == set(expected) | {"first_blank"}
    for student, lose in expected.items():
        lost = {t for t, s in scores[student].items() if s < points[t]}
        assert lost == (set(points) if lose is None else lose), student
    assert scores["first_blank"]["test_rnn_step_forward"] == 0


def gradebook(url):
    from nbgrader.api import Gradebook

    with Gradebook(url, "course-rnn") as gb:
        return {s.student.id: {g.name: g.score for nb in s.notebooks for g in nb.grades if g.name.startswith("test_")}
                for s in gb.find_assignment(A01).submissions}


def log(url):
    """``[(student, graded_by)]``: one row per committed grading."""
    with psycopg.connect(url, autocommit=True) as c:
        try:
            return c.execute("SELECT student, graded_by FROM course_rnn_grading_log").fetchall()
        except psycopg.errors.UndefinedTable:
            return []


def grader(course_dir, url, *extra):
    env = dict(os.environ, COURSE_RNN_GRADEBOOK_URL=url)
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


def test_an_unreachable_database_is_one_line_without_the_password(tmp_path):
    write_class(tmp_path)
    url = f"postgresql://grader:{SECRET}@127.0.0.1:{_free_port()}/nowhere"
    done = subprocess.run([str(COURSE_RNN), "grade", A01, "--course-dir", str(tmp_path), "--db", url, "--no-progress"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "cannot connect to the gradebook database at 127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr
    assert_secret_nowhere([done.stdout, done.stderr], tmp_path)


@pytest.fixture
def cluster(monkeypatch, postgres):
    """A LocalCluster of two single-threaded worker processes that read the gradebook URL
    from their environment, and a client."""
    distributed = pytest.importorskip("distributed", reason="dask.distributed grades on a cluster")
    url = postgres()
    monkeypatch.setenv("COURSE_RNN_GRADEBOOK_URL", url)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None, silence_logs=40) as local:
        with distributed.Client(local) as client:
            yield client, url


def test_dask_grading_gives_the_catalogue_scores_and_survives_a_killed_worker(cluster, tmp_path):
    from course_rnn.grading.paths import Course
    from course_rnn.grading.scale import grade_dask

    client, url = cluster
    expected = write_class(tmp_path)
    pids = client.run(os.getpid)
    results = {}

    def run():
        results["value"] = grade_dask(Course.at(tmp_path, repo=REPO), A01, None, progress=False, client=client)
    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 600
    while not log(url) and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.2)
    assert thread.is_alive(), "grading finished before a worker could be killed"
    busy = [pid for pid in pids.values()]
    os.kill(busy[0], signal.SIGKILL)  # the nanny starts a new worker; its task runs again elsewhere
    thread.join(timeout=900)
    assert not thread.is_alive()
    statuses = {r.student: r.status for r in results["value"]}
    students = [s for s, _ in log(url)]
    assert sorted(students) == sorted(set(expected) | {"first_blank"}), "a submission lost or graded twice"
    assert set(statuses) == set(students) and set(statuses.values()) <= {"graded", "skipped"}
    expected_scores(expected, url)
    assert len({by for _, by in log(url)}) >= 2, "more than one worker process graded"


def test_dask_scheduler_and_worker_commands_and_grade_scheduler_cli(postgres, tmp_path):
    """The two-machine setup of the README on one machine: ``dask scheduler``, ``dask worker
    --nthreads 1`` with the URL in its environment, ``course-rnn grade --scheduler``."""
    pytest.importorskip("distributed", reason="dask.distributed grades on a cluster")
    url = postgres()
    course = tmp_path / "course"
    fixtures.write_trio(course, A01)
    env = dict(os.environ, COURSE_RNN_GRADEBOOK_URL=url)
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
