"""``course-rnn grade`` against one plain ``nbgrader autograde`` of the same submissions.

N identical correct submissions of the first assignment (the solved release) are graded
three ways in the same run, each in its own course directory where the assignment is
already registered (``nbgrader generate_assignment``, not timed): one ``nbgrader autograde``
of all of them (a Jupyter kernel per submission), then ``course-rnn grade`` with 1 and with
2 workers (sandboxed zygotes, a fork per submission).  Both must give every submission
full marks.  Prints wall and CPU seconds per submission and the throughput ratio.
Run: ``python benchmarks/run.py grader`` (``BENCH_GRADER_N=24`` for more submissions).
"""

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
N = int(os.environ.get("BENCH_GRADER_N", "12"))
_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def solved_release(assignment):
    """``{file name: notebook}``: the release with the instructor's solution code."""
    code = {}
    for path in (REPO / "solutions" / assignment).glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution"):
                code[meta["grade_id"]] = _MARKERS.sub("", "".join(cell["source"]))
    notebooks = {}
    for path in (REPO / "exercises" / assignment).glob("*.ipynb"):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution"):
                cell["source"] = code[meta["grade_id"]]
        notebooks[path.name] = nb
    return notebooks


def nbgrader(course_dir, *args):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course_dir}",
            f"--CourseDirectory.source_directory={REPO / 'solutions'}",
            "--CourseDirectory.course_id=course-rnn"], env


def prepare(course_dir, assignment, notebooks):
    for i in range(N):
        folder = course_dir / "submitted" / f"student{i:02d}" / assignment
        folder.mkdir(parents=True)
        for name, nb in notebooks.items():
            (folder / name).write_text(json.dumps(nb))
    command, env = nbgrader(course_dir, "generate_assignment", assignment, "--force",
                            f"--CourseDirectory.release_directory={course_dir / '.release'}")
    subprocess.run(command, env=env, cwd=course_dir, check=True, capture_output=True)


def timed(command, cwd, env=None):
    """Wall and CPU (user + system, all child processes) seconds of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{command[:4]} failed:\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def totals(course_dir, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", "course-rnn") as gb:
        return sorted((s.student.id, s.score, s.max_score) for s in gb.find_assignment(assignment).submissions)


def main():
    assignment = sorted(p.name for p in (REPO / "exercises").iterdir() if any(p.glob("*.ipynb")))[0]
    notebooks = solved_release(assignment)
    print(f"{N} correct submissions of {assignment}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-grader-") as tmp:
        dirs = {name: Path(tmp) / name for name in ("nbgrader", "workers1", "workers2")}
        for folder in dirs.values():
            prepare(folder, assignment, notebooks)
        command, env = nbgrader(dirs["nbgrader"], "autograde", assignment, "--force")
        rows["nbgrader autograde"] = timed(command, dirs["nbgrader"], env)
        for workers in (1, 2):
            folder = dirs[f"workers{workers}"]
            rows[f"course-rnn grade --workers {workers}"] = timed(
                [str(BIN / "course-rnn"), "grade", assignment, "--course-dir", str(folder), "--workers",
                 str(workers), "--no-progress"], folder)
        plain = totals(dirs["nbgrader"], assignment)
        for workers in (1, 2):
            assert totals(dirs[f"workers{workers}"], assignment) == plain, "scores differ from nbgrader's"
        assert all(score == full for _, score, full in plain), "a correct submission lost points"
    base = rows["nbgrader autograde"][0]
    print(f"{'':34s} {'wall s/sub':>10s} {'CPU s/sub':>10s} {'throughput vs nbgrader':>24s}")
    for name, (wall, cpu) in rows.items():
        print(f"{name:34s} {wall / N:10.3f} {cpu / N:10.3f} {base / wall:23.2f}x")
    print(f"same scores: all {N} submissions {plain[0][1]:g}/{plain[0][2]:g} in every run")


if __name__ == "__main__":
    main()
