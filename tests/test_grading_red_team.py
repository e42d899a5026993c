"""Red team, one worker: what one student's run could do to the next, to the course disk, or
with links; and the grader working from a clone under /tmp.

The hostile catalogue of every assignment (tests/grader_fixtures, graded in
test_grading_adversarial.py) covers the attacks one submission makes on its own grade.  Here
the order matters: with ``--workers 1`` the submissions of one run go through one warm
sandbox in name order, so ``a_attacker`` runs just before ``b_victim``, a correct notebook
that looks for anything left behind.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import grader_fixtures as fixtures
from course_rnn.grading.sandbox import bwrap_problem

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bwrap_problem() is not None, reason=f"no sandbox here: {bwrap_problem()}")]

REPO = Path(__file__).resolve().parents[1]
COURSE_RNN = str(Path(sys.executable).parent / "course-rnn")
ASSIGNMENT = "a01_rnn_forward_bptt"

LEAVE = r'''
import ctypes, os, mmap
libc = ctypes.CDLL(None)
for _folder in ("/tmp", "/dev/shm", "."):
    try:
        with open(os.path.join(_folder, "left-by-attacker"), "wb") as _f:
            for _ in range(64):  # until the tmpfs or the file-size limit says no
                _f.write(b"answer" * (2**20 // 6))
    except OSError as _error:
        print(_folder, "full:", _error)
try:
    with open("/dev/left-by-attacker", "w") as _f:
        _f.write("answer")
except OSError as _error:
    print("/dev:", _error)
print("shmget", libc.shmget(4242, 2**20, 0o1666))
print("msgget", libc.msgget(4243, 0o1666))
'''

LOOK = r'''
import ctypes, os
_libc = ctypes.CDLL(None)
_found = [p for f in ("/tmp", "/dev/shm", "/dev", ".") for p in os.listdir(f) if "attacker" in p]
_found += ["shm"] if _libc.shmget(4242, 2**20, 0o666) != -1 else []
_found += ["msg"] if _libc.msgget(4243, 0o666) != -1 else []
assert not _found, f"left by another student: {_found}"
'''

READ_NESTED = r'''
import os
for _where, _, _names in os.walk("."):
    for _name in _names:
        try:
            print(os.path.join(_where, _name), open(os.path.join(_where, _name), "rb").read(16))
        except OSError as _error:
            print(_name, _error)
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course graded once: the attacker, the victim just after it in the same worker, a
    notebook that is a link to the instructor's solution, and the reference."""
    course_dir = tmp_path_factory.mktemp("red-team")
    kinds = {k.name: k for k in fixtures.kinds(ASSIGNMENT, course_dir, 1)}
    good, blank = kinds["reference"].files, kinds["untouched"].files
    attacker = fixtures.Kind("a_attacker", fixtures.free_cell(blank, LEAVE), (), "zero")
    victim = fixtures.Kind("b_victim", fixtures.free_cell(good, LOOK, after=1), (), "full")
    for kind in (attacker, victim):
        fixtures.write(course_dir, ASSIGNMENT, kind)
    linked = course_dir / "submitted" / "c_linked" / ASSIGNMENT
    linked.mkdir(parents=True)
    for name in good:
        (linked / name).symlink_to(REPO / "solutions" / ASSIGNMENT / name)
    # a folder named like a notebook, holding a link to the gradebook, beside a correct notebook
    nested = course_dir / "submitted" / "d_nested_link" / ASSIGNMENT
    fixtures.write(course_dir, ASSIGNMENT, fixtures.Kind("d_nested_link", fixtures.free_cell(good, READ_NESTED), (), "full"))
    (nested / "extra.ipynb").mkdir()
    (nested / "extra.ipynb" / "gradebook.db").symlink_to(course_dir / "gradebook.db")
    # a correct notebook whose first part imports the student's own module beside it, as
    # nbgrader allows (it copies the submission folder)
    first = fixtures.meta(fixtures.solution_cells(good)[0])["grade_id"]
    helper = fixtures.wrap_first_function(good, first, "from my_helpers import double\nassert double(21) == 42")
    fixtures.write(course_dir, ASSIGNMENT, fixtures.Kind("e_helper_module", helper, (), "full"))
    (course_dir / "submitted" / "e_helper_module" / ASSIGNMENT / "my_helpers.py").write_text(
        "def double(x):\n    return 2 * x\n")
    before = _disk(course_dir)
    done = subprocess.run([COURSE_RNN, "grade", ASSIGNMENT, "--course-dir", str(course_dir), "--workers", "1",
                           "--timeout", "30", "--memory", "512M", "--no-progress"],
                          cwd=course_dir, capture_output=True, text=True, timeout=1800)
    rows = {line.split("\t")[0]: line.split("\t")[1:] for line in done.stdout.splitlines()}
    return course_dir, done, rows, before


def _disk(folder):
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file() and not p.is_symlink())


def test_what_one_student_leaves_costs_the_next_student_nothing(course):
    course_dir, done, rows, _ = course
    assert done.returncode == 0, done.stderr[-3000:]
    full = sum(fixtures.test_points(ASSIGNMENT).values())
    status, score, reason = rows["b_victim"]
    assert (status, score) == ("graded", f"{full:g}/{full:g}"), reason
    notebook = next((course_dir / "autograded" / "b_victim" / ASSIGNMENT).glob("*.ipynb"))
    outputs = json.dumps([c.get("outputs", []) for c in json.loads(notebook.read_text())["cells"]])
    assert "left by another student" not in outputs


def test_writes_of_a_submission_never_reach_the_course_disk(course):
    """The submission folder is a tmpfs of the child's own, charged to its memory limit."""
    course_dir, _, rows, before = course
    assert rows["a_attacker"][0] in ("graded", "memory limit"), rows["a_attacker"]
    assert _disk(course_dir) - before < 20 * 2**20  # the autograded notebooks and the gradebook only


def test_a_linked_notebook_is_tampered_and_scores_nothing(course):
    _, _, rows, _ = course
    status, score, reason = rows["c_linked"]
    assert status == "tampered" and score.startswith("0/"), (status, score, reason)
    assert "link" in reason


def test_a_link_anywhere_in_the_submission_folder_is_tampered_and_never_followed(course):
    """A folder named like a notebook, holding a link to the gradebook: nothing of the link
    target reaches the student's process, and the submission scores nothing."""
    course_dir, _, rows, _ = course
    status, score, reason = rows["d_nested_link"]
    assert status == "tampered" and score.startswith("0/"), (status, score, reason)
    assert "extra.ipynb/gradebook.db" in reason
    for notebook in (course_dir / "autograded" / "d_nested_link").rglob("*.ipynb"):
        if notebook.is_file():
            assert "SQLite format" not in notebook.read_text(encoding="utf-8", errors="replace")


def test_a_students_own_module_beside_the_notebook_is_importable_as_under_nbgrader(course):
    _, _, rows, _ = course
    full = sum(fixtures.test_points(ASSIGNMENT).values())
    status, score, reason = rows["e_helper_module"]
    assert (status, score) == ("graded", f"{full:g}/{full:g}"), reason


def test_the_grader_works_from_a_clone_under_tmp(tmp_path_factory):
    """The sandbox mounts a fresh /tmp; a repository and virtualenv under /tmp are bound over
    it, in the sandbox and in each child."""
    base = Path("/tmp") / f"course-rnn-clone-{tmp_path_factory.getbasetemp().name}"
    shutil.rmtree(base, ignore_errors=True)
    try:
        subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(base / "repo")], check=True)
        for tracked in ("src", "solutions", "exercises"):  # this run's working tree, not only what is committed
            shutil.rmtree(base / "repo" / tracked)
            shutil.copytree(REPO / tracked, base / "repo" / tracked,
                            ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base / "venv")], check=True)
        site = next((base / "venv" / "lib").glob("python3*/site-packages"))
        here = next(p for p in map(Path, sys.path) if p.name == "site-packages" and (p / "numpy").is_dir())
        (site / "deps.pth").write_text(f"{base / 'repo' / 'src'}\n{here}\n")  # the clone's package first
        course_dir = base / "course"
        fixtures.write_trio(course_dir, ASSIGNMENT)
        code = ("import sys\nfrom course_rnn.cli import main\nsys.exit(main(['grade', %r, '--course-dir', %r, "
                "'--no-progress', '--timeout', '30']))" % (ASSIGNMENT, str(course_dir)))
        path = f"{base / 'venv' / 'bin'}:{Path(sys.executable).parent}:{os.environ['PATH']}"  # nbgrader's alembic
        done = subprocess.run([str(base / "venv" / "bin" / "python"), "-c", code], cwd=course_dir,
                              capture_output=True, text=True, timeout=1800, env=dict(os.environ, PATH=path))
        assert done.returncode == 0, done.stderr[-3000:]
        rows = {line.split("\t")[0]: line.split("\t")[2] for line in done.stdout.splitlines()}
        full = sum(fixtures.test_points(ASSIGNMENT).values())
        assert rows["reference"] == f"{full:g}/{full:g}" and rows["untouched"] == f"0/{full:g}", done.stdout
    finally:
        shutil.rmtree(base, ignore_errors=True)
