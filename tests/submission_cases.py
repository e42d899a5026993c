"""The catalogue of hand-written student submissions, and grading it by nbgrader's rule.

A case is a file ``tests/submissions/<assignment>/<case>.py`` written as a student would::

    \"\"\"One line: what the student did (wrong).

    expect: lose test_rnn_backward_through_time
    expect-status: graded
    \"\"\"
    # %% rnn_step_forward
    def rnn_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
        ...

``# %% <grade_id>`` starts the source of the solution cell with that grade_id (in whichever
notebook of the assignment holds it); solution cells the case does not list get the
instructor's solution.  ``expect: full`` means every test cell keeps full marks;
``expect: lose A, B`` means exactly the test cells A and B lose points and every other
keeps full marks.  ``expect-status:`` lines are read by the grader's own tests, and so is
``expect-forbidden: A, B``: the solution cells (parts) whose forbidden tool the case uses,
which course-rnn must see and zero (plain nbgrader enforces no tool), and so is
``expect-withheld: A, B``: test cells that course-rnn may also take off because the case calls
a package function the students' edition withholds (plain nbgrader runs with the full
package; a student's own machine, like the sandbox, has only the students' edition).

Submissions are built from the student release in ``exercises/`` (so locked and test cells
are exactly what a student receives) and scored by nbgrader's rule in IPython
(:func:`graded_by_oracle`); the solved, untouched and half-done releases are also graded by
one plain ``nbgrader autograde`` run (:func:`graded_by_nbgrader`), the scores read back from
nbgrader's gradebook, and the two must agree.
"""

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
CATALOGUE = REPO / "tests" / "submissions"
COURSE_ID = "course-rnn"
_CELL = re.compile(r"^# %% *(\S+) *$", re.MULTILINE)
_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


@dataclass
class Case:
    """One hand-written submission: its cells and what grading it must give."""

    assignment: str
    name: str
    path: Path
    summary: str
    cells: dict                  # grade_id -> source
    lose: frozenset              # test grade_ids that must lose points; empty: full marks
    statuses: list = field(default_factory=list)  # the `expect-status:` lines
    forbidden: frozenset = frozenset()             # the `expect-forbidden:` parts
    withheld: frozenset = frozenset()              # the `expect-withheld:` tests

    @property
    def student(self):
        """The nbgrader student id of this case (the file name)."""
        return self.name

    def __repr__(self):
        return f"Case({self.assignment}/{self.name})"


def load_cases(assignment):
    """Every case of ``assignment``, sorted by name; a malformed file is an error naming it."""
    folder = CATALOGUE / assignment
    cases = [parse_case(assignment, path) for path in sorted(folder.glob("*.py"))]
    if not cases:
        raise FileNotFoundError(f"no submission cases in {folder}")
    return cases


def parse_case(assignment, path):
    """Read one case file (see the module docstring for its format)."""
    text = path.read_text(encoding="utf-8")
    match = re.match(r'\s*"""(.*?)"""', text, re.DOTALL)
    if not match:
        raise ValueError(f"{path}: a case file starts with a docstring saying what it does")
    doc = match.group(1).strip()
    expect = [line.split(":", 1)[1].strip() for line in doc.splitlines() if line.startswith("expect:")]
    if len(expect) != 1:
        raise ValueError(f"{path}: the docstring needs exactly one 'expect: full' or 'expect: lose A, B' line")
    if expect[0] == "full":
        lose = frozenset()
    elif expect[0].startswith("lose "):
        lose = frozenset(name.strip() for name in expect[0][5:].split(","))
    else:
        raise ValueError(f"{path}: cannot read {expect[0]!r}; write 'expect: full' or 'expect: lose A, B'")
    statuses = [line.split(":", 1)[1].strip() for line in doc.splitlines() if line.startswith("expect-status:")]
    forbidden = frozenset(name.strip() for line in doc.splitlines() if line.startswith("expect-forbidden:")
                          for name in line.split(":", 1)[1].split(","))
    withheld = frozenset(name.strip() for line in doc.splitlines() if line.startswith("expect-withheld:")
                         for name in line.split(":", 1)[1].split(","))
    body = text[match.end():]
    parts = _CELL.split(body)
    cells = {parts[i]: parts[i + 1].strip("\n") + "\n" for i in range(1, len(parts), 2)}
    if not cells:
        raise ValueError(f"{path}: no '# %% <grade_id>' cell in the file")
    return Case(assignment, path.stem, path, doc.splitlines()[0], cells, lose, statuses, forbidden, withheld)


def _read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_sources(assignment):
    """``{grade_id: instructor solution code}`` (markers removed) for every solution cell."""
    sources = {}
    for notebook in sorted((REPO / "solutions" / assignment).glob("*.ipynb")):
        for cell in _read(notebook)["cells"]:
            if _nbgrader(cell).get("solution"):
                sources[_nbgrader(cell)["grade_id"]] = _MARKERS.sub("", _source(cell))
    return sources


def graded_cells(assignment):
    """``{grade_id: points}`` for every graded test cell of the assignment."""
    points = {}
    for notebook in sorted((REPO / "solutions" / assignment).glob("*.ipynb")):
        for cell in _read(notebook)["cells"]:
            meta = _nbgrader(cell)
            if meta.get("grade") and not meta.get("solution"):
                points[meta["grade_id"]] = meta["points"]
    return points


def student_notebooks(case):
    """``{file name: notebook dict}``: the release with the case's code in its solution cells."""
    release = REPO / "exercises" / case.assignment
    solutions = solution_sources(case.assignment)
    unknown = set(case.cells) - set(solutions)
    if unknown:
        raise ValueError(f"{case.path}: no solution cell with grade_id {sorted(unknown)} in "
                         f"{case.assignment}; the solution cells are {sorted(solutions)}")
    unknown_tests = case.lose - set(graded_cells(case.assignment))
    if unknown_tests:
        raise ValueError(f"{case.path}: 'expect: lose' names {sorted(unknown_tests)}, which are not "
                         f"test cells of {case.assignment}")
    notebooks = {}
    for path in sorted(release.glob("*.ipynb")):
        nb = _read(path)
        for cell in nb["cells"]:
            grade_id = _nbgrader(cell).get("grade_id")
            if _nbgrader(cell).get("solution"):
                cell["source"] = case.cells.get(grade_id, solutions[grade_id])
        notebooks[path.name] = nb
    return notebooks


def write_submissions(course_dir, assignment, cases):
    """``course_dir/submitted/<case>/<assignment>/``: each case's notebooks plus every other
    file of the release (shipped weights, data).  Returns the student ids."""
    release = REPO / "exercises" / assignment
    students = []
    for case in cases:
        folder = Path(course_dir) / "submitted" / case.student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for item in release.iterdir():
            if item.suffix != ".ipynb" and item.name != ".ipynb_checkpoints":
                (shutil.copytree if item.is_dir() else shutil.copy)(item, folder / item.name)
        for name, nb in student_notebooks(case).items():
            (folder / name).write_text(json.dumps(nb, indent=1), encoding="utf-8")
        students.append(case.student)
    return students


def nbgrader(course_dir, *args, timeout=1800):
    """Run plain nbgrader on ``course_dir`` with the course's settings given on the command
    line (no nbgrader_config.py is read from the course directory); returns the process."""
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    command = [sys.executable, "-m", "nbgrader", *args,
               f"--CourseDirectory.root={course_dir}",
               f"--CourseDirectory.source_directory={REPO / 'solutions'}",
               f"--CourseDirectory.course_id={COURSE_ID}"]
    done = subprocess.run(command, cwd=course_dir, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return done


def autograde_scores(course_dir, assignment):
    """Register ``assignment`` in ``course_dir``'s gradebook, autograde every submission in one
    plain ``nbgrader autograde`` run, and return ``{student: {test grade_id: (score, max)}}``."""
    from nbgrader.api import Gradebook

    course_dir = Path(course_dir)
    release = course_dir / ".release"
    nbgrader(course_dir, "generate_assignment", assignment, "--force",
             f"--CourseDirectory.release_directory={release}")
    # the course's cell time limit (nbgrader_config.py): a04's hidden test trains a tagger
    nbgrader(course_dir, "autograde", assignment, "--force", "--Execute.timeout=300")
    scores = {}
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", COURSE_ID) as gb:
        for submission in gb.find_assignment(assignment).submissions:
            cells = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    cells[grade.name] = (grade.score, grade.max_score)
            scores[submission.student.id] = cells
    return scores


def graded_by_nbgrader(tmp_path_factory, assignment):
    """The solved release ("reference"), the untouched release ("untouched") and the release
    with its first part left blank ("first_blank") of ``assignment``, graded in one plain
    ``nbgrader autograde`` run, once per test session (the pytest-xdist workers share it).
    ``.scores`` is ``{student: {grade_id: (score, max)}}``, ``.seconds`` the run's wall-clock
    time, ``.cpu_seconds`` the CPU time of nbgrader and its kernels (what a busy machine does
    not change), ``.submissions`` how many it graded."""
    import grader_fixtures as fixtures

    def run(folder):
        fixtures.write_trio(folder, assignment)
        start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        scores = autograde_scores(folder, assignment)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # nbgrader, and the kernels it reaped
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return {"scores": scores, "seconds": time.perf_counter() - start, "cpu_seconds": cpu,
                "submissions": len(fixtures.TRIO)}

    _, value = fixtures.shared_once(tmp_path_factory, f"plain-{assignment}", run)
    scores = {student: {g: tuple(pair) for g, pair in cells.items()} for student, cells in value["scores"].items()}
    return SimpleNamespace(assignment=assignment, scores=scores, seconds=value["seconds"],
                           cpu_seconds=value["cpu_seconds"], submissions=value["submissions"])


#: Assignments whose catalogue the oracle does not score (the trio only): each a04 submission
#: trains a tagger twice (19 minutes of the suite for its catalogue on a loaded machine), and
#: a03's is the largest after it (4 minutes).  Their cases are scored by course-rnn in
#: tests/test_grading_e2e.py against what their authors expect; nbgrader's rule is checked
#: on their trio.  (Plain nbgrader scored both catalogues as their authors expect up to
#: the stop that introduced the oracle.)
ORACLE_TRIO_ONLY = {"a03_lstm_gru", "a04_sequence_tasks"}
#: Assignments on which the oracle scores nothing: a04's trio is scored by plain nbgrader
#: (which the oracle must match on every other assignment), and that is what the sandboxed
#: grader is compared with; the oracle's run of the trio trained the tagger three more times
#: and checked nothing plain nbgrader's does not.
NO_ORACLE = {"a04_sequence_tasks"}


def nbgrader_scores(tmp_path_factory, assignment):
    """What nbgrader's rule gives the trio and the oracle-scored cases of ``assignment``:
    the oracle's scores, or plain ``nbgrader autograde``'s on ``NO_ORACLE``."""
    if assignment in NO_ORACLE:
        return graded_by_nbgrader(tmp_path_factory, assignment).scores
    return graded_by_oracle(tmp_path_factory, assignment).scores


def oracle_cases(assignment):
    """The catalogue cases the oracle scores for ``assignment``."""
    if assignment in ORACLE_TRIO_ONLY or not (CATALOGUE / assignment).is_dir():
        return []
    return load_cases(assignment)


def graded_by_oracle(tmp_path_factory, assignment):
    """The trio and every catalogue case of ``assignment`` (but see ``ORACLE_TRIO_ONLY``)
    scored by nbgrader's rule in IPython (``tests/ipython_oracle.py``: the instructor's test
    and locked cells restored, every cell run in order, a test cell scores if it raised
    nothing), once per test session.  Plain ``nbgrader autograde`` took a kernel per
    notebook, 3,200 s of the suite for the five catalogues; the oracle imports once and
    forks, and test_submissions.py checks that it gives the trio exactly what plain nbgrader
    gives it.  ``.scores`` as above."""
    import grader_fixtures as fixtures

    def run(folder):
        fixtures.write_trio(folder, assignment)
        write_submissions(folder, assignment, oracle_cases(assignment))
        done = subprocess.run([sys.executable, str(Path(__file__).with_name("ipython_oracle.py")), str(folder),
                               assignment], capture_output=True, text=True, timeout=7200)
        if done.returncode != 0:
            raise RuntimeError(f"the IPython oracle failed on {assignment} (exit {done.returncode}):\n"
                               f"{done.stderr[-3000:]}")
        return {"scores": json.loads(done.stdout)}

    _, value = fixtures.shared_once(tmp_path_factory, f"oracle-{assignment}", run)
    scores = {student: {g: tuple(pair) for g, pair in cells.items()} for student, cells in value["scores"].items()}
    return SimpleNamespace(assignment=assignment, scores=scores)


def assert_case(case, scores):
    """Assert that the case lost points in exactly the test cells it names, and only there."""
    got = scores.get(case.student)
    assert got is not None, f"{case} was not graded"
    lost = {grade_id for grade_id, (score, max_score) in got.items() if score < max_score}
    half = {grade_id: f"{score:g}/{max_score:g}" for grade_id, (score, max_score) in got.items()}
    missing = case.lose - lost
    extra = lost - case.lose
    assert not missing and not extra, (
        f"{case} ({case.summary}): expected to lose {sorted(case.lose) or 'nothing'}, "
        f"but lost {sorted(lost) or 'nothing'}; scores {half}")
