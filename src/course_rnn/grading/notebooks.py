"""What to run for one submitted notebook: its cells matched to the instructor's source.

Locked and test cells always come from the instructor notebook in ``solutions/``; solution
cells and free cells from the submission.  Matching is by nbgrader's ``grade_id``; a notebook
whose metadata was lost (copied into a new notebook, edited elsewhere) is matched by the
functions each solution cell defines.  Every deviation becomes a note with a status:

- ``missing cells``: a solution cell is gone (the release's stub is graded in its place),
  or the metadata is gone (cells matched by function name);
- ``tampered``: a locked or test cell was edited or deleted (the source's is used anyway);
- ``malformed``: not a notebook, or duplicated grade ids (the first one is graded, the copy
  runs as a free cell, as nbgrader does).
"""

import ast
import json
import re
from dataclasses import dataclass, field

from course_rnn.grading.forbid import parse

MISSING, TAMPERED, MALFORMED = "missing cells", "tampered", "malformed"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*$", re.S | re.M)


class Malformed(ValueError):
    """A submitted file that cannot be read as a notebook; the message says why."""


@dataclass
class Cell:
    """One cell of the notebook as graded.

    ``kind``: markdown, locked (run, from the source), check (self-check: not run), test
    (hidden test: run by the parent), solution or free (run, from the submission).
    """

    kind: str
    source: str
    cell: dict
    grade_id: str = None
    points: float = 0.0
    forbid: list = field(default_factory=list)
    defines: list = field(default_factory=list)
    part: str = None

    @property
    def runs_in_child(self):
        return self.kind in ("locked", "solution", "free")


def source_text(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def nbgrader_meta(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def kind_of(cell):
    """The role of an instructor cell (see :class:`Cell`)."""
    meta = nbgrader_meta(cell)
    if cell.get("cell_type") != "code":
        return "markdown"
    if not meta:
        return "free"
    if meta.get("solution"):
        return "solution"
    if meta.get("grade"):
        return "test"
    if str(meta.get("grade_id", "")).startswith("check_"):
        return "check"
    return "locked"


def defined_names(source):
    """Names a cell defines at top level: functions, classes and assigned names."""
    try:
        tree = parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # the child reports it as the cell's error
        return []
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
    return names


def release_text(cell):
    """What the student received for an instructor cell: solutions stubbed, hidden tests cut."""
    text = source_text(cell)
    if nbgrader_meta(cell).get("solution"):
        return _SOLUTION.sub(lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}raise NotImplementedError()", text)
    kept, inside = [], False
    for line in text.splitlines():
        if BEGIN_HIDDEN in line:
            inside = True
        elif END_HIDDEN in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def normal(text):
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def source_cells(nb):
    """The instructor notebook as :class:`Cell` objects (tests with their hidden code)."""
    cells = []
    solutions = []
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        kind = kind_of(cell)
        forbid = cell.get("metadata", {}).get("course_rnn", {}).get("forbid", [])
        made = Cell(kind, source_text(cell), cell, meta.get("grade_id"), float(meta.get("points", 0) or 0),
                    list(forbid) if kind == "solution" else [], defined_names(source_text(cell)))
        if kind == "solution":
            solutions.append(made.grade_id)
        cells.append(made)
    for made in cells:
        if made.kind == "test":
            made.part = part_of(made.cell, solutions)
        elif made.kind == "solution":
            made.part = made.grade_id
    return cells


def part_of(cell, solution_ids):
    """The part (solution grade id) a test cell belongs to, as its metadata declares it
    (``"course_rnn": {"part": ...}``); before that metadata existed, by the test's name:
    ``test_<name>[_<aspect>]`` -> ``<name>``."""
    declared = cell.get("metadata", {}).get("course_rnn", {}).get("part")
    if declared in solution_ids:
        return declared
    test_id = nbgrader_meta(cell).get("grade_id", "")
    owners = [s for s in solution_ids if test_id == f"test_{s}" or test_id.startswith(f"test_{s}_")]
    return max(owners, key=len) if owners else None


def read_notebook(path):
    """A submitted notebook as a version-4 dict; older versions are converted.

    Raises Malformed with a one-line reason for anything else.
    """
    try:
        text = read_regular(path).decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed(f"{path.name} is not UTF-8 text") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise Malformed(f"{path.name} is not valid JSON ({error.msg} at line {error.lineno})") from None
    except RecursionError:
        raise Malformed(f"{path.name} is JSON nested too deeply to be a notebook") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise Malformed(f"{path.name} is JSON but not a notebook (no 'nbformat' field)")
    try:
        nb = _upgraded(text) if raw.get("nbformat") != 4 else raw
    except Exception as error:  # nbformat raises many kinds for notebooks it cannot convert
        raise Malformed(f"{path.name} is a version {raw.get('nbformat')} notebook that cannot be "
                        f"converted to version 4 ({type(error).__name__})") from None
    nb = json.loads(json.dumps(nb))  # plain dicts and lists
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) and c.get("cell_type") in
                                              ("code", "markdown", "raw") for c in cells):
        raise Malformed(f"{path.name} has no readable list of cells")
    for cell in cells:
        cell["source"] = source_text(cell)
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
    return nb


class Linked(Malformed):
    """A submitted file that is a link (or not a regular file): never followed."""


def read_regular(path, limit=64 * 2**20):
    """The bytes of ``path`` if it is a regular file, opened without following a link
    (``O_NOFOLLOW``), at most ``limit`` bytes; :class:`Linked` or :class:`Malformed` otherwise."""
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if os.path.islink(path):
            raise Linked(f"{path.name} is a link, not a file; links in a submission are not followed") from None
        raise Malformed(f"{path.name} cannot be read ({error.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise Linked(f"{path.name} is not a regular file")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise Malformed(f"{path.name} is larger than {limit // 2**20} MiB")
    return data


def _upgraded(text):
    import nbformat  # slow to import; only old notebooks need it

    return nbformat.reads(text, as_version=4)


def assemble(source, submitted):
    """Match a submitted notebook to the instructor's cells.

    Returns ``(cells, notes)``: the notebook to grade as :class:`Cell` objects (every
    instructor grade_id exactly once, in the student's order) and ``[(status, reason)]``.
    """
    notes = []
    by_id = {c.grade_id: i for i, c in enumerate(source) if c.grade_id}
    cells = submitted["cells"]
    matched = {}  # submitted index -> source index
    if any(nbgrader_meta(c) for c in cells):
        seen = {}
        for i, cell in enumerate(cells):
            grade_id = nbgrader_meta(cell).get("grade_id")
            if grade_id in seen:
                notes.append((MALFORMED, f"grade id {grade_id!r} appears twice (cells {seen[grade_id] + 1} "
                                         f"and {i + 1}): the first is graded, the copy runs as a free cell"))
            elif grade_id in by_id:
                seen[grade_id] = i
                matched[i] = by_id[grade_id]
    else:
        matched = _match_by_content(source, cells)
        notes.append((MISSING, f"the notebook has no nbgrader metadata: {sum(1 for k in matched.values() if source[k].kind == 'solution')} "
                               f"solution cells were found by the functions they define"))
    graded, done = [], set()

    def restore_until(k):
        for j in range(k):
            if j not in done and source[j].grade_id:
                graded.append(_restored(source[j], notes))
                done.add(j)

    for i, cell in enumerate(cells):
        if i in matched:
            k = matched[i]
            restore_until(k)
            done.add(k)
            graded.append(_merged(source[k], cell, notes))
        elif cell.get("cell_type") == "code":
            free = dict(cell, metadata={k: v for k, v in cell["metadata"].items() if k != "nbgrader"})
            graded.append(Cell("free", source_text(cell), free))
        else:
            graded.append(Cell("markdown", source_text(cell), cell))
    restore_until(len(source))
    return graded, notes


def _match_by_content(source, cells):
    """Submitted cells matched without metadata: solution cells by the functions they
    define, locked cells by their text."""
    matched, taken = {}, set()
    locked = {normal(release_text(c.cell)): k for k, c in enumerate(source)
              if c.grade_id and c.kind != "solution"}
    for k, solution in enumerate(source):
        if solution.kind != "solution" or not solution.defines:
            continue
        for i, cell in enumerate(cells):
            if i not in matched and cell.get("cell_type") == "code" and \
                    set(defined_names(source_text(cell))) & set(solution.defines):
                matched[i] = k
                break
    for i, cell in enumerate(cells):
        k = locked.get(normal(source_text(cell)))
        if i not in matched and k is not None and k not in taken:
            matched[i], _ = k, taken.add(k)
    return matched


def _merged(instructor, submitted, notes):
    metadata = dict(submitted.get("metadata", {}), nbgrader=nbgrader_meta(instructor.cell))
    if instructor.kind == "solution":
        return Cell("solution", source_text(submitted), dict(submitted, metadata=metadata),
                    instructor.grade_id, instructor.points, instructor.forbid,
                    defined_names(source_text(submitted)), instructor.part)
    if normal(source_text(submitted)) != normal(release_text(instructor.cell)):
        what = "test cell" if instructor.kind == "test" else "locked cell"
        notes.append((TAMPERED, f"{what} {instructor.grade_id!r} was edited; the original was graded"))
    return _copy(instructor)


def _restored(instructor, notes):
    if instructor.kind == "solution":
        notes.append((MISSING, f"solution cell {instructor.grade_id!r} is missing; graded as left blank"))
        stub = release_text(instructor.cell)
        cell = dict(instructor.cell, source=stub, outputs=[], execution_count=None)
        return Cell("solution", stub, cell, instructor.grade_id, instructor.points, instructor.forbid,
                    defined_names(stub), instructor.part)
    what = "test cell" if instructor.kind == "test" else "locked cell"
    notes.append((TAMPERED, f"{what} {instructor.grade_id!r} was deleted; the original was graded"))
    return _copy(instructor)


def _copy(instructor):
    cell = json.loads(json.dumps(instructor.cell))
    if cell.get("cell_type") == "code":
        cell["outputs"], cell["execution_count"] = [], None
    return Cell(instructor.kind, instructor.source, cell, instructor.grade_id, instructor.points,
                instructor.forbid, instructor.defines, instructor.part)
