"""Score submissions the way ``nbgrader autograde`` does, in IPython, one forked child each.

Usage: ``python tests/ipython_oracle.py COURSE_DIR ASSIGNMENT`` prints, as JSON,
``{student: {test grade_id: [score, max_score]}}`` for every ``COURSE_DIR/submitted/<student>/
ASSIGNMENT/``.

nbgrader's rule, applied here independently of nbgrader and of course-rnn's grader: the
instructor's version of every test cell and locked cell replaces the student's (hidden tests
included, as ``OverwriteCells`` restores them), every code cell runs in order in one IPython
shell whose working directory is the submission's folder, errors do not stop the run, and a
test cell scores its points if it raised nothing.  What the oracle saves is what a kernel per
notebook costs: numpy, torch and the package are imported once, in this process, and each
submission runs in a child forked from it (so what one submission changes, another never
sees).  ``tests/test_submissions.py`` checks it against plain ``nbgrader autograde`` on the
solved, the untouched and the half-done release of every assignment.
"""

import importlib
import json
import os
import select
import signal
import sys
import time
from pathlib import Path

from grader_fixtures import meta as _nbgrader, source as _source

REPO = Path(__file__).resolve().parents[1]
#: imported once before forking: what the notebooks and their hidden tests import
PRELOAD = ("numpy", "scipy.stats", "torch", "torch.nn", "course_rnn.scratch", "course_rnn.sampling",
           "course_rnn.grading.checks", "course_rnn.data", "course_rnn.nn", "course_rnn.trees",
           "course_rnn.textmetrics", "matplotlib")
#: nbgrader's cell time limit in the course (``--Execute.timeout=300``); the oracle allows a
#: whole submission ten such cells' worth of wall clock before it gives up on it
SUBMISSION_SECONDS = 3000


def instructor_cells(assignment):
    """``{notebook: {grade_id: (source, points or None)}}``: the cells autograde restores (test
    cells with their points, locked cells without)."""
    found = {}
    for path in sorted((REPO / "solutions" / assignment).glob("*.ipynb")):
        cells = {}
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            meta = _nbgrader(cell)
            if "grade_id" not in meta:
                continue
            if meta.get("grade") and not meta.get("solution"):
                cells[meta["grade_id"]] = (_source(cell), float(meta.get("points", 0)))
            elif meta.get("locked"):
                cells[meta["grade_id"]] = (_source(cell), None)
        found[path.name] = cells
    return found


def score_notebook(path, restored, shell):
    """Run one notebook in ``shell``; ``{test grade_id: [score, max]}``."""
    scores = {grade_id: [0.0, points] for grade_id, (_, points) in restored.items() if points is not None}
    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return scores
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        grade_id = _nbgrader(cell).get("grade_id")
        source, points = restored.get(grade_id, (_source(cell), None))
        result = shell.run_cell(source, store_history=False)
        if points is not None:
            scores[grade_id] = [points if result.success else 0.0, points]
    return scores


def _child(folder, cells, write_end):
    """In the forked child: run the submission's notebooks; write the scores and exit."""
    from IPython.core.interactiveshell import InteractiveShell

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.chdir(folder)
    shell = InteractiveShell.instance()
    scores = {}
    for notebook, restored in cells.items():
        scores.update(score_notebook(folder / notebook, restored, shell))
    os.write(write_end, json.dumps(scores).encode())
    os.close(write_end)
    os._exit(0)


def grade_one(folder, cells):
    """Fork a child for one submission; its scores (every test 0 if it died or ran too long)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            _child(Path(folder), cells, write_end)
        finally:
            os._exit(1)
    os.close(write_end)
    data, deadline = b"", time.monotonic() + SUBMISSION_SECONDS
    while True:
        ready, _, _ = select.select([read_end], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            break
        chunk = os.read(read_end, 1 << 16)
        if not chunk:
            break
        data += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    zero = {g: [0.0, p] for restored in cells.values() for g, (_, p) in restored.items() if p is not None}
    return {**zero, **json.loads(data)} if data else zero


def main(course_dir, assignment):
    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    import torch

    torch.set_num_threads(1)
    cells = instructor_cells(assignment)
    scores = {}
    for folder in sorted((Path(course_dir) / "submitted").iterdir()):
        submission = folder / assignment
        if submission.is_dir():
            scores[folder.name] = grade_one(submission, cells)
    json.dump(scores, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:])
