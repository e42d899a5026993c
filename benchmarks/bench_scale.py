"""A class of N generated submissions of a01, graded three ways: submissions per second, the
grader's peak memory, and how many got each status.

The class (``BENCH_SCALE_N``, default 200): 5% broken or malicious (a notebook that is not
JSON, a function that never returns, a memory bomb, a process that kills itself, a cheat
that patches ``np.allclose``), the rest correct (the solved release and the catalogue's two
correct solutions) or with one bug (the catalogue's other cases, round robin).  Graded

- locally, ``course-rnn grade --workers 1`` and ``--workers 2`` (SQLite gradebook);
- on a ``LocalCluster`` of 2 single-threaded worker processes (``grade --scheduler``), into a
  throw-away PostgreSQL server started here (needs root and Debian's ``postgresql``).

Peak memory: the grader process's maximum resident set (``ru_maxrss``; the sandboxed
children are limited separately), and for Dask the largest worker's; both at the end of the
run and halfway through it (bounded memory: the two are about equal).  Every run must give
the same status and score to every student.  Run: ``python benchmarks/run.py scale``
(CI runs it with ``BENCH_SCALE_N=20``; ``BENCH_SCALE_RUNS=local1,local2,dask`` picks runs).  What a course of 1000 students x 5 assignments
would take: benchmarks/SCALE.md.
"""

import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
N = int(os.environ.get("BENCH_SCALE_N", "200"))
A01 = "a01_rnn_forward_bptt"
LIMITS = ["--timeout", "5", "--submission-timeout", "60", "--memory", "768M"]
_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
_CELL = re.compile(r"^# %% *(\S+) *$", re.MULTILINE)

BROKEN = {  # name -> code put in front of the first solution cell ("malformed": not a notebook)
    "malformed": None,
    "hangs": "while True:\n    pass\n",
    "memory_bomb": "_hog = bytearray(8 * 2**30)\n",
    "kills_itself": "import os\nos._exit(3)\n",
    "patches_allclose": "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n",
}


def solved():
    code = {}
    for path in (REPO / "solutions" / A01).glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution"):
                code[meta["grade_id"]] = _MARKERS.sub("", "".join(cell["source"]))
    return code


def catalogue():
    """``{case: {grade_id: code}}`` of tests/submissions/a01 (hand-written student code)."""
    cases = {}
    for path in sorted((REPO / "tests" / "submissions" / A01).glob("*.py")):
        parts = _CELL.split(path.read_text())
        cases[path.stem] = {parts[i]: parts[i + 1].strip("\n") + "\n" for i in range(1, len(parts), 2)}
    return cases


def notebook(cells):
    """The release of a01 with ``cells`` ({grade_id: code}) in its solution cells."""
    out = {}
    for path in (REPO / "exercises" / A01).glob("*.ipynb"):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution"):
                cell["source"] = cells[meta["grade_id"]]
        out[path.name] = nb
    return out


def generate(course_dir):
    """N submissions in ``course_dir/submitted``; returns {student: kind}."""
    reference, cases = solved(), catalogue()
    first = next(iter(reference))
    correct = [k for k in cases if k.startswith("correct")]
    buggy = [k for k in cases if not k.startswith("correct") and "wraps" not in k and "finite" not in k]
    broken = max(1, round(0.05 * N))
    kinds = {}
    for i in range(N):
        student = f"s{i:04d}"
        if i % 20 == 7 and sum(k in BROKEN for k in kinds.values()) < broken:
            kind = list(BROKEN)[sum(k in BROKEN for k in kinds.values()) % len(BROKEN)]
            cells = dict(reference)
            if BROKEN[kind]:
                cells[first] = BROKEN[kind] + reference[first]
        elif i % 2:
            kind = buggy[(i // 2) % len(buggy)]
            cells = {**reference, **cases[kind]}
        else:
            kind = (["reference"] + correct)[(i // 2) % (len(correct) + 1)]
            cells = {**reference, **cases.get(kind, {})}
        folder = course_dir / "submitted" / student / A01
        folder.mkdir(parents=True)
        for name, nb in notebook(cells).items():
            (folder / name).write_text("{ this is not json" if kind == "malformed" else json.dumps(nb))
        kinds[student] = kind
    return kinds


def parse(stdout):
    """``{student: (status, score)}`` from ``course-rnn grade``'s lines."""
    rows = {}
    for line in stdout.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3:
            rows[fields[0]] = (fields[1], fields[2])
    return rows


def peak_of(process, found):
    """Follow the peak resident set (VmHWM) of ``process`` until it ends, in MiB: ``found``
    gets one (seconds, MiB) point per sample."""
    start = time.perf_counter()
    while process.poll() is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
            found.append((time.perf_counter() - start, int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024))
        except (OSError, AttributeError):
            pass
        time.sleep(0.2)


def halfway_and_end(points):
    """(peak at half the run, peak at its end) from (x, MiB) points in x order: a grader
    whose memory grows with the class has a clearly higher peak at the end."""
    if not points:
        return 0.0, 0.0
    half = points[-1][0] / 2
    return max((mib for x, mib in points if x <= half), default=points[0][1]), max(mib for _, mib in points)


def local(course_dir, workers):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen([str(BIN / "course-rnn"), "grade", A01, "--course-dir", str(course_dir), "--workers",
                                str(workers), "--no-progress", *LIMITS], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=REPO)
    peak = []
    watcher = threading.Thread(target=peak_of, args=(process, peak), daemon=True)
    watcher.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - start
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"course-rnn grade failed:\n{stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, halfway_and_end(peak), parse(stdout)


class Postgres:
    """A throw-away PostgreSQL server on a free loopback port (as root, Debian's package)."""

    def __init__(self):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins or os.geteuid() != 0:
            raise SystemExit("the Dask run needs root and Debian's postgresql (apt-get install postgresql)")
        self.bin, self.folder = bins[-1], Path(f"/var/tmp/bench-pg-{uuid.uuid4().hex[:8]}")
        self.folder.mkdir(mode=0o700)
        shutil.chown(self.folder, "postgres")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._as_postgres(self.bin / "initdb", "-D", self.folder / "data", "-A", "trust")
        self._as_postgres(self.bin / "pg_ctl", "-D", self.folder / "data", "-w", "-l", self.folder / "log", "-o",
                          f"\"-k {self.folder} -p {self.port} -c listen_addresses=127.0.0.1\"", "start")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command):
        subprocess.run(["su", "postgres", "-c", " ".join(map(str, command))], check=True, capture_output=True,
                       timeout=120, cwd="/")  # a folder the postgres user can enter

    def close(self):
        self._as_postgres(self.bin / "pg_ctl", "-D", self.folder / "data", "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def dask(course_dir):
    from distributed import Client, LocalCluster

    from course_rnn.grading.paths import Course
    from course_rnn.grading.sandbox import Limits
    from course_rnn.grading.scale import grade_dask

    server = Postgres()
    os.environ["COURSE_RNN_GRADEBOOK_URL"] = server.url
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=40) as cluster, Client(cluster) as client:
            client.run(lambda: None)  # workers up before the clock starts
            peaks, stop = {}, threading.Event()
            follower = threading.Thread(target=follow_workers, args=(client, peaks, stop), daemon=True)
            follower.start()
            start = time.perf_counter()
            try:
                results = grade_dask(Course.at(course_dir, repo=REPO), A01, None, progress=False, client=client,
                                     limits=Limits(seconds=5, submission_seconds=60, memory_bytes=768 * 2**20))
            finally:
                stop.set()
                follower.join()
            wall = time.perf_counter() - start
            for worker, mib in client.run(_worker_peak_mib).items():
                peaks.setdefault(worker, []).append((wall, mib))
            cpu = sum(client.run(lambda: sum(os.times()[:4])).values())
    finally:
        del os.environ["COURSE_RNN_GRADEBOOK_URL"]
        server.close()
    rows = {r.student: (r.status, f"{r.score:g}/{r.max_score:g}" if r.score is not None else "-") for r in results}
    halves = [halfway_and_end(points) for points in peaks.values()] or [(0.0, 0.0)]
    return wall, cpu, max(halves, key=lambda h: h[1]), rows


def _worker_peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def follow_workers(client, peaks, stop):
    """Every second, each worker's peak resident set: ``peaks[worker]`` gets (seconds, MiB)
    points (``client.run`` answers from the worker's event loop while a task runs)."""
    start = time.perf_counter()
    while not stop.wait(1.0):
        try:
            for worker, mib in client.run(_worker_peak_mib).items():
                peaks.setdefault(worker, []).append((time.perf_counter() - start, mib))
        except Exception:  # noqa: BLE001 -- a sample lost while the cluster is busy
            pass


def main():
    print(f"{N} generated submissions of {A01}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-", dir="/var/tmp") as tmp:
        base = Path(tmp) / "class"
        kinds = generate(base)
        print("kinds:", dict(Counter("broken: " + k if k in BROKEN else "correct" if k == "reference"
                                     or k.startswith("correct") else "one bug" for k in kinds.values())))
        chosen = os.environ.get("BENCH_SCALE_RUNS", "local1,local2,dask").split(",")
        for key, name, run in (("local1", "local, 1 worker", lambda d: local(d, 1)),
                               ("local2", "local, 2 workers", lambda d: local(d, 2)),
                               ("dask", "LocalCluster, 2 x 1 thread", dask)):
            if key not in chosen:
                continue
            folder = Path(tmp) / re.sub(r"\W+", "-", name)
            shutil.copytree(base, folder)
            runs[name] = run(folder)
            print(f"  {name}: {runs[name][0]:.0f} s", flush=True)
    first = next(iter(runs.values()))[3]
    assert len(first) == N, f"{len(first)} of {N} submissions reported"
    for name, (_, _, _, rows) in runs.items():
        assert rows == first, f"{name} gave other statuses or scores than {next(iter(runs))}"
    full = [s for s, k in kinds.items() if k == "reference" or k.startswith("correct")]
    assert all(first[s][1] == "20/20" for s in full), "a correct submission lost points"
    print(f"\n{'':28s} {'subs/s':>7s} {'wall s':>7s} {'CPU s/sub':>9s} {'peak MiB':>9s} {'at half':>8s}")
    for name, (wall, cpu, (half, peak), _) in runs.items():
        print(f"{name:28s} {N / wall:7.2f} {wall:7.0f} {cpu / N:9.2f} {peak:9.0f} {half:8.0f}")
    print("peak MiB: the grader's peak resident set (Dask: the largest worker's); at half: the same "
          "peak halfway through the run (Dask: through the worker's submissions). Equal: memory does "
          "not grow with the class.")
    print("statuses (the same in every run):", dict(Counter(status for status, _ in first.values())))
    print("broken kinds:", {kinds[s]: first[s][0] for s in sorted(first) if kinds[s] in BROKEN})


if __name__ == "__main__":
    main()
