"""A class of N generated submissions of a01, graded three ways: submissions per second, the
grader's peak memory, and how many got each status.

The class (``BENCH_SCALE_N``, default 200): 5% broken or malicious (a notebook that is not
JSON, a function that never returns, a memory bomb, a process that kills itself, a cheat
that patches ``np.allclose``), the rest correct (the solved release and the catalogue's two
correct solutions) or with one bug (the catalogue's other cases, round robin).  Graded

- locally, ``course-rnn grade --workers 1`` and ``--workers 2`` (SQLite gradebook);
- on a ``LocalCluster`` of 2 single-threaded worker processes (``grade --scheduler``), into a
  throw-away PostgreSQL server started here (needs root and Debian's ``postgresql``).

Memory: the grader process's resident set (``VmRSS``; the sandboxed children are limited
separately), and for Dask each worker's, sampled after ``gc.collect()`` in the worker;
halfway through the run (for a Dask worker: once it has graded half of the submissions it
grades, so that its start-up, however long a busy machine makes it, is not counted as
growth) and at its end, with the peak (``VmHWM``) beside them.  Memory that
does not grow with the class is about the same at both times: the benchmark fails (non-zero
exit) if the grader's or any worker's resident set at the end exceeds its halfway value by
more than max(10%, 10 MiB).  Every run must give the same status and score to every student.

Run: ``python benchmarks/run.py scale`` (CI runs it with ``BENCH_SCALE_N=10``;
``BENCH_SCALE_RUNS=local1,local2,dask`` picks runs).  What a course of 1000 students x 5
assignments would take: benchmarks/SCALE.md.
"""

import gc
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


def memory_mib(pid="self"):
    """``(VmRSS, VmHWM)`` of a process in MiB: its resident set now, and its peak."""
    status = Path(f"/proc/{pid}/status").read_text()
    return tuple(int(re.search(rf"{key}:\s+(\d+)", status).group(1)) / 1024 for key in ("VmRSS", "VmHWM"))


def follow(process, found):
    """Sample ``process`` every 0.2 s until it ends: ``found`` gets (seconds, RSS, peak) points."""
    start = time.perf_counter()
    while process.poll() is None:
        try:
            found.append((time.perf_counter() - start, *memory_mib(process.pid)))
        except (OSError, AttributeError):
            pass
        time.sleep(0.2)


def halfway_and_end(points, end=None):
    """``(RSS halfway, RSS at the end, peak)`` from (seconds, RSS, peak) points in time
    order.  Halfway: the median of the samples in the tenth of the run before its middle;
    end: ``end`` if given (a sample after the run), else the median of its last tenth.
    Medians, so that one sample taken while a big submission is in memory does not decide."""
    if not points:
        return 0.0, 0.0, 0.0
    total = points[-1][0]

    def median_between(low, high):
        window = sorted(rss for x, rss, _ in points if low <= x <= high)
        if not window:  # too few samples: the one nearest the window's end
            window = [min(points, key=lambda p: abs(p[0] - high))[1]]
        return window[len(window) // 2]
    half = median_between(0.4 * total, 0.5 * total)
    last = end[1] if end is not None else median_between(0.9 * total, total)
    peak = max([hwm for _, _, hwm in points] + ([end[2]] if end is not None else []))
    return half, last, peak


def grows(half, end):
    """True if memory at the end exceeds halfway by more than max(10%, 10 MiB)."""
    return end - half > max(0.1 * half, 10.0)


def local(course_dir, workers):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen([str(BIN / "course-rnn"), "grade", A01, "--course-dir", str(course_dir), "--workers",
                                str(workers), "--no-progress", *LIMITS], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=REPO)
    samples = []
    watcher = threading.Thread(target=follow, args=(process, samples), daemon=True)
    watcher.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - start
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"course-rnn grade failed:\n{stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, [("grader", halfway_and_end(samples))], parse(stdout)


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
    import dask.config
    from distributed import Client, LocalCluster

    from course_rnn.grading.paths import Course
    from course_rnn.grading.sandbox import Limits
    from course_rnn.grading.scale import WORKER_CONFIG, grade_dask

    server = Postgres()
    os.environ["COURSE_RNN_GRADEBOOK_URL"] = server.url
    try:
        with dask.config.set(WORKER_CONFIG), LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                                          dashboard_address=None, silence_logs=40) as cluster, \
                Client(cluster) as client:
            client.run(lambda: None)  # workers up before the clock starts
            samples, stop = {}, threading.Event()
            follower = threading.Thread(target=follow_workers, args=(client, samples, stop), daemon=True)
            follower.start()
            start = time.perf_counter()
            try:
                results = grade_dask(Course.at(course_dir, repo=REPO), A01, None, progress=False, client=client,
                                     limits=Limits(seconds=5, submission_seconds=60, memory_bytes=768 * 2**20))
            finally:
                stop.set()
                follower.join()
            wall = time.perf_counter() - start
            final = client.run(_worker_memory)
            cpu = sum(client.run(lambda: sum(os.times()[:4])).values())
    finally:
        del os.environ["COURSE_RNN_GRADEBOOK_URL"]
        server.close()
    rows = {r.student: (r.status, f"{r.score:g}/{r.max_score:g}" if r.score is not None else "-") for r in results}
    memory = [(f"worker {i + 1}", halfway_by_count(samples[worker], (wall, *final[worker])))
              for i, worker in enumerate(sorted(final)) if worker in samples]
    return wall, cpu, memory, rows


def _worker_memory():
    """On a worker: its (RSS, peak) in MiB, after a garbage collection, and how many
    submissions it has graded so far."""
    from course_rnn.grading import scale

    gc.collect()
    return (*memory_mib(), sum(sum(warm.zygotes.values()) for warm in scale._WARM.values()))


def halfway_by_count(points, end):
    """``(RSS halfway, RSS at the end, peak)`` of a Dask worker from (seconds, RSS, peak,
    graded) points: halfway is the median of the first three samples taken once the worker
    had graded half of the submissions it graded in all (``end[3]``); the end is ``end``."""
    half_count = end[3] / 2
    after = [rss for _, rss, _, graded in points if half_count <= graded < end[3]][:3]
    if not after:
        # too few samples (a tiny class, or a worker a busy machine left with one or two
        # submissions): from its first graded submission, so that the start-up it did before
        # it (imports, the warm sandbox: 119 -> 134 MiB in a CI replica) is not taken for growth
        after = [rss for _, rss, _, graded in points if graded >= 1][:3] or [end[1]]
    peak = max([hwm for _, _, hwm, _ in points] + [end[2]])
    return sorted(after)[len(after) // 2], end[1], peak


def follow_workers(client, samples, stop):
    """Every second, each worker's memory: ``samples[worker]`` gets (seconds, RSS, peak)
    points (``client.run`` answers from the worker's event loop while a task runs)."""
    start = time.perf_counter()
    while not stop.wait(1.0):
        try:
            for worker, memory in client.run(_worker_memory).items():
                samples.setdefault(worker, []).append((time.perf_counter() - start, *memory))
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
    print(f"\n{'':28s} {'':9s} {'subs/s':>7s} {'wall s':>7s} {'CPU s/sub':>9s} {'RSS half':>8s} "
          f"{'RSS end':>8s} {'peak':>6s}")
    growing = []
    for name, (wall, cpu, memory, _) in runs.items():
        for i, (process, (half, end, peak)) in enumerate(memory):
            print(f"{name if i == 0 else '':28s} {process:9s} " + (f"{N / wall:7.2f} {wall:7.0f} {cpu / N:9.2f}"
                  if i == 0 else f"{'':7s} {'':7s} {'':9s}") + f" {half:8.0f} {end:8.0f} {peak:6.0f}")
            if grows(half, end):
                growing.append(f"{name}, {process}: {half:.0f} MiB halfway, {end:.0f} MiB at the end")
    print("RSS (MiB): the grader's resident set (Dask: each worker's, after gc) halfway through the run "
          "and at its end; peak: its largest resident set. About equal: memory does not grow with the class.")
    print("statuses (the same in every run):", dict(Counter(status for status, _ in first.values())))
    print("broken kinds:", {kinds[s]: first[s][0] for s in sorted(first) if kinds[s] in BROKEN})
    if growing:
        raise SystemExit("memory grows with the class (more than max(10%, 10 MiB) from halfway to the end): "
                         + "; ".join(growing))


if __name__ == "__main__":
    main()
