"""What an assignment asks, read from its released notebooks (``exercises/<name>/*.ipynb``).

The book's assignment pages are generated from the student release when the book is
built, so they always say what the notebooks say.  A notebook follows the layout of
``solutions/README.md``:

- the first markdown cell starts with ``# <title>``, then a paragraph saying what is done,
  ``**Learning goals.**`` with a list, and ``**Time.** ...``;
- each part starts with a markdown heading ``## Part X (n points): title``, optionally
  followed by a line ``Builds on: ...`` naming chapters as ``book/<chapter>.md``;
- its solution cells carry nbgrader metadata ``solution: true`` and ``grade_id`` = the
  function asked for, its hidden-test cells ``grade: true`` and ``points``; a test cell's
  first line is a docstring saying what it checks (the only part a student sees).

:func:`read_assignment` returns an :class:`Assignment`; :func:`assignment_page` and
:func:`catalogue_table` write the MyST Markdown of the book's pages.
"""

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

PART_HEADING = re.compile(
    r"^##\s+Part\s+(?P<label>\w+)\s*\((?P<points>\d+(?:\.\d+)?)\s+points?\)\s*:?\s*(?P<title>.*?)\s*$", re.M)
BUILDS_ON = re.compile(r"^Builds on:?\s*(?P<text>.+?)\s*(?:\n\s*\n|\Z)", re.M | re.S)
CHAPTER = re.compile(r"book/(?P<name>[\w/-]+)\.md")
DOCSTRING = re.compile(r'^\s*(?:"""|\'\'\')(?P<text>.*?)(?:"""|\'\'\')', re.S)


@dataclass(frozen=True)
class Test:
    """A hidden-test cell: its nbgrader id, its points, and what its docstring says it checks."""

    grade_id: str
    points: float
    checks: str


@dataclass(frozen=True)
class Part:
    """``## Part X (n points): title`` and the cells up to the next part."""

    label: str
    title: str
    points: float
    notebook: str
    builds_on: str | None
    chapters: tuple
    functions: tuple
    tests: tuple

    @property
    def test_points(self):
        """The points of the part's hidden tests (nbgrader's maximum score for it)."""
        return sum(t.points for t in self.tests)


@dataclass(frozen=True)
class Assignment:
    """An assignment as released to students."""

    name: str
    notebooks: tuple
    files: tuple
    title: str
    summary: str
    goals: tuple
    time: str | None
    parts: tuple

    @property
    def points(self):
        return sum(p.points for p in self.parts)

    def problems(self):
        """Inconsistencies a student would trip over (empty if none)."""
        found = []
        if not self.parts:
            found.append("no '## Part X (n points): title' heading was found")
        for part in self.parts:
            if part.test_points != part.points:
                found.append(f"Part {part.label} promises {part.points:g} points but its hidden tests "
                             f"are worth {part.test_points:g}")
        labels = [p.label for p in self.parts]
        if len(set(labels)) != len(labels):
            found.append(f"part labels repeat: {labels}")
        return found


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _paragraph_after(text, marker):
    """The text of the paragraph that starts with ``marker`` (without it), or None."""
    match = re.search(re.escape(marker) + r"\s*(.+?)(?:\n\s*\n|\Z)", text, re.S)
    return " ".join(match[1].split()) if match else None


def _goals(text):
    """The items of the list that follows ``**Learning goals.**``, each on one line."""
    match = re.search(r"\*\*Learning goals\.?\*\*[^\n]*\n\s*\n?((?:[ \t]*- .*\n?(?:[ \t]+\S.*\n?)*)+)", text)
    if not match:
        return ()
    items = re.split(r"^[ \t]*- ", match[1], flags=re.M)
    return tuple(" ".join(item.split()) for item in items if item.strip())


def _checks(source):
    """What a test cell says it checks: its docstring without the "Hidden test (n points):"."""
    match = DOCSTRING.match(source)
    if not match:
        return ""
    text = " ".join(match["text"].split())
    return re.sub(r"^Hidden test\s*(\([^)]*\))?\s*:\s*", "", text)


def _read_notebook(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not a valid notebook ({error}); release it again with "
                         f"`course-rnn release {path.parent.name}`") from error


def read_assignment(folder):
    """The :class:`Assignment` released in ``folder`` (``exercises/<name>``).

    Raises FileNotFoundError if the folder has no notebook, ValueError if one is not JSON.
    """
    folder = Path(folder)
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if not notebooks:
        raise FileNotFoundError(f"no released notebook in {folder}: release the assignment with "
                                f"`course-rnn release {folder.name}`")
    files = sorted(p for p in folder.rglob("*") if p.is_file()
                   and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts)
    title, summary, goals, time, parts = None, "", (), None, []
    for path in notebooks:
        current = None  # the part being read: a dict of its fields
        for cell in _read_notebook(path).get("cells", []):
            source = _source(cell)
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.get("cell_type") == "markdown":
                heading = re.search(r"^#\s+(.+?)\s*$", source, re.M)
                if title is None and heading:
                    title = heading[1]
                    rest = source[heading.end():].strip()
                    summary = " ".join(rest.split("\n\n")[0].split()) if rest else ""
                    goals = _goals(source)
                    time = _paragraph_after(source, "**Time.**")
                for match in PART_HEADING.finditer(source):
                    builds = BUILDS_ON.search(source, match.end())
                    builds_text = " ".join(builds["text"].split()) if builds else None
                    current = dict(label=match["label"], title=match["title"], points=float(match["points"]),
                                   notebook=path.name, builds_on=builds_text,
                                   chapters=tuple(dict.fromkeys(CHAPTER.findall(builds_text or ""))),
                                   functions=[], tests=[])
                    parts.append(current)
            elif current is not None and meta.get("solution"):
                defined = re.findall(r"^(?:def|class)\s+(\w+)", source, re.M)
                current["functions"] += defined or [meta.get("grade_id", "")]
            if current is not None and meta.get("grade"):
                current["tests"].append(Test(meta.get("grade_id", ""), float(meta.get("points", 0)),
                                             _checks(source)))
    return Assignment(
        name=folder.name, notebooks=tuple(notebooks), files=tuple(files),
        title=title or folder.name, summary=summary, goals=goals, time=time,
        parts=tuple(Part(**{**p, "functions": tuple(p["functions"]), "tests": tuple(p["tests"])})
                    for p in parts))


def _html(text):
    """Markdown-safe inline text: code spans kept, HTML special characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chapter_link(name, book_dir, page_dir):
    """A link from a page in ``page_dir`` to the chapter ``book/<name>.md``, titled with its
    heading; plain text if the chapter is not written yet."""
    source = Path(book_dir) / f"{name}.md"
    if not source.is_file():
        return f"*{name}* (chapter not written yet)"
    heading = re.search(r"^#\s+(.+?)\s*$", source.read_text(encoding="utf-8"), re.M)
    target = Path(os.path.relpath(Path(book_dir) / f"{name}.html", page_dir)).as_posix()
    return f'<a href="{target}">{_html(heading[1] if heading else name)}</a>'


def _download(path, page_dir):
    """A ``{download}`` role for ``path``, relative to the page's folder."""
    return f"{{download}}`{Path(path).name} <{Path(os.path.relpath(path, page_dir)).as_posix()}>`"


def not_released_page(name):
    """The body of an assignment page whose release does not exist yet."""
    return (f":::{{warning}}\nAssignment `{name}` is not released yet: `exercises/{name}/` has no "
            f"notebook. Instructors make it with `course-rnn release {name}`, and the next build "
            f"of the book lists its parts here.\n:::\n")


def assignment_page(assignment, book_dir, page_dir):
    """MyST Markdown for an assignment's page: what it covers, download links, a table of
    its parts (points, the chapter each builds on), and what each hidden test checks."""
    a = assignment
    lines = []
    if a.summary:
        lines += [a.summary, ""]
    if a.goals:
        lines += ["After it you can", ""] + [f"- {goal}" for goal in a.goals] + [""]
    facts = [f"**Points:** {a.points:g} in {len(a.parts)} parts"]
    if a.time:
        facts.append(f"**Time:** {a.time.rstrip('.')}")
    lines += ["; ".join(facts) + ".", ""]
    lines += ["**Download** the notebook" + ("s" if len(a.notebooks) > 1 else "")
              + (" and the files released with it" if len(a.files) > len(a.notebooks) else "")
              + " (the student version: no solutions, no hidden tests): "
              + ", ".join(_download(f, page_dir) for f in a.files) + ".", ""]
    for problem in a.problems():
        lines += [f":::{{warning}}\n{problem}.\n:::", ""]
    lines += ["| Part | Task | Points | Builds on |", "|---|---|---|---|"]
    for p in a.parts:
        chapters = ", ".join(_chapter_link(c, book_dir, page_dir) for c in p.chapters)
        builds = chapters or (_html(p.builds_on) if p.builds_on else "(not stated in the notebook)")
        task = _html(p.title) + (" (" + ", ".join(f"`{f}`" for f in p.functions) + ")" if p.functions else "")
        lines.append(f"| {p.label} | {task.replace('|', '&#124;')} | {p.points:g} | {builds} |")
    lines += ["", "What the hidden tests check, part by part (from the first line of each test cell, "
                  "which the notebook shows; the code of the tests stays hidden):", ""]
    for p in a.parts:
        for t in p.tests:
            lines.append(f"- Part {p.label}, {t.points:g} point{'s' if t.points != 1 else ''}: "
                         f"{_html(t.checks) or '`' + t.grade_id + '`'}")
    return "\n".join(lines) + "\n"


def catalogue_table(exercises_dir, names, page_dir=None):
    """MyST Markdown: one row per assignment (link to its page, title, parts, points), with
    the assignments not released yet marked as such."""
    rows = ["| Assignment | Title | Parts | Points |", "|---|---|---|---|"]
    for name in names:
        link = f'<a href="{name}.html">{name}</a>'
        try:
            a = read_assignment(Path(exercises_dir) / name)
        except FileNotFoundError:
            rows.append(f"| {link} | *not released yet* | | |")
            continue
        labels = ", ".join(p.label for p in a.parts)
        rows.append(f"| {link} | {_html(a.title)} | {labels} | {a.points:g} |")
    return "\n".join(rows) + "\n"
