"""Pairs of students whose solution cells are near-identical, for a person to look at.

Each solution cell is parsed and reduced to a multiset of *statement fingerprints*: every
statement (those inside loops and functions too) with its nesting depth, every name
replaced by ``_``, every literal by ``0``, docstrings dropped.  Comments and formatting
vanish with parsing, renamed variables with the names, and reordering independent
statements does not change a multiset.

What everybody writes is no evidence, so a fingerprint weighs ``log((1 + N) / (1 + n))``
(N students, n of them wrote it in that cell), and fingerprints of the instructor's
solution and of the released skeleton weigh nothing: a student who pasted the reference,
or left a cell as released, is similar to no one through that cell.  The similarity of
two students is the weighted Dice coefficient of their fingerprints over the cells both
wrote themselves: ``2 * shared / (own_a + own_b)``, 1 for identical code, 0 for nothing
in common (so one copied cell among parts solved separately still stands out).

A high score is a reason to read two notebooks side by side, never a verdict: short cells
leave few ways to write them, and students may have worked together as allowed.
"""

import ast
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from course_rnn.grading import notebooks as nbs

_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


@dataclass
class Pair:
    """Two students, their similarity (0..1), and the cells that contributed most."""

    a: str
    b: str
    score: float
    cells: list = field(default_factory=list)  # [(grade_id, similarity of that cell)], best first
    shared: float = 0.0  # the weight of the fingerprints they share (ties: more shared code first)


class _Erase(ast.NodeTransformer):
    """Names to ``_``, literals to ``0``; attributes and keywords (the library's API) stay."""

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id="_", ctx=node.ctx), node)

    def visit_arg(self, node):
        node.arg, node.annotation = "_", None
        return node

    def visit_Constant(self, node):
        return ast.copy_location(ast.Constant(value=0), node)

    def visit_FunctionDef(self, node):
        node.name = "_"
        if node.body and isinstance(node.body[0], ast.Expr) and isinstance(
                getattr(node.body[0], "value", None), ast.Constant) and isinstance(node.body[0].value.value, str):
            node.body = node.body[1:] or [ast.Pass()]
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        node.name = "_"
        self.generic_visit(node)
        return node


def fingerprints(code):
    """The statement fingerprints of ``code`` as a Counter (empty if it does not parse)."""
    try:
        tree = _Erase().visit(ast.parse(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Counter()
    found = Counter()

    def walk(statements, depth):
        for statement in statements:
            children = []
            for name in _BODIES:
                value = getattr(statement, name, None)
                if isinstance(value, list) and value:
                    children.append(value)
                    setattr(statement, name, [])
            found[f"{depth}:{ast.dump(statement, annotate_fields=False)}"] += 1
            for body in children:
                walk([s for item in body for s in _statements(item)], depth + 1)
    walk(tree.body, 0)
    return found


def _statements(item):
    """A statement as itself; an except handler or match case as its body's statements."""
    if isinstance(item, ast.stmt):
        return [item]
    return list(getattr(item, "body", []))


def submitted_cells(course, assignment):
    """``{student: {grade_id: code}}`` of every solution cell in ``submitted/`` (what the
    students wrote, graded or not); unreadable notebooks are left out."""
    cells = {}
    for folder in sorted(course.step("submitted").glob(f"*/{assignment}")):
        student = folder.parent.name
        for path in sorted(folder.glob("*.ipynb")):
            try:
                nb = json.loads(path.read_text(encoding="utf-8"))
                for cell in nb.get("cells", []):
                    meta = nbs.nbgrader_meta(cell)
                    if meta.get("solution") and cell.get("cell_type") == "code" and meta.get("grade_id"):
                        cells.setdefault(student, {})[str(meta["grade_id"])] = nbs.source_text(cell)
            except (OSError, ValueError, AttributeError, TypeError):
                continue
    return cells


def given_cells(course, assignment):
    """``{grade_id: [instructor solution, released skeleton]}``: code nobody is similar through."""
    given = {}
    for path in course.notebooks(assignment):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            meta = nbs.nbgrader_meta(cell)
            if meta.get("solution") and cell.get("cell_type") == "code":
                given[meta["grade_id"]] = [_MARKERS.sub("", nbs.source_text(cell)), nbs.release_text(cell)]
    return given


def similar_pairs(cells, given=None, top=20, minimum=0.0):
    """Pairs of students ranked by similarity, most similar first.

    ``cells``: ``{student: {grade_id: code}}``; ``given``: ``{grade_id: [code, ...]}`` whose
    fingerprints are ignored (reference solution, skeleton).  At most ``top`` pairs with a
    score above ``minimum``.
    """
    given = given or {}
    ignored = {g: set().union(*(fingerprints(code) for code in codes)) for g, codes in given.items()}
    prints = {student: {g: Counter({f: n for f, n in fingerprints(code).items() if f not in ignored.get(g, ())})
                        for g, code in own.items()}
              for student, own in cells.items()}
    students = sorted(prints)
    N = len(students)
    seen = Counter((g, f) for s in students for g, c in prints[s].items() for f in c)
    weight = {key: math.log((1 + N) / (1 + n)) for key, n in seen.items()}

    def mass(g, counter):
        return sum(n * weight[(g, f)] for f, n in counter.items())

    own = {s: {g: mass(g, c) for g, c in prints[s].items()} for s in students}
    pairs = []
    for i, a in enumerate(students):
        for b in students[i + 1:]:
            shared_cells, shared_total, total = [], 0.0, 0.0
            for g in set(prints[a]) & set(prints[b]):
                if not (own[a][g] > 0 and own[b][g] > 0):
                    continue  # one of them kept the reference or the skeleton here
                ca, cb = prints[a][g], prints[b][g]
                shared = sum(min(n, cb[f]) * weight[(g, f)] for f, n in ca.items() if f in cb)
                total += own[a][g] + own[b][g]
                if shared > 0:
                    shared_total += shared
                    shared_cells.append((g, 2 * shared / (own[a][g] + own[b][g])))
            score = 2 * shared_total / total if total > 0 else 0.0
            if score > minimum:
                pairs.append(Pair(a, b, score, sorted(shared_cells, key=lambda c: -c[1]), shared_total))
    pairs.sort(key=lambda p: (-p.score, -p.shared, p.a, p.b))
    return pairs[:top]
