"""Per-student HTML feedback that never shows the hidden tests, and a page for everyone.

nbgrader's ``generate_feedback`` renders the autograded notebooks, in which the hidden
tests are back, so out of the box the feedback shows their source, and the traceback of a
failing hidden test under plain ``nbgrader autograde`` quotes the lines around the failing
assertion.  :class:`HideHiddenTests` (installed by ``nbgrader_config.py`` and by
:func:`generate_feedback`) removes the hidden regions, keeps of a hidden test's error only
the student's own frames and the message, cuts long outputs, and replaces any other line
of hidden-test source (a student can print one by chance) with a marker.  Then
:func:`find_leaks` reads every page written; a page that still shows a hidden line is
written again as plain escaped text, never deleted, and every graded student gets a page,
even one nbgrader could not render.
"""

import html
import json
import re
from pathlib import Path

from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Unicode

from course_rnn.grading.errors import FeedbackLeakError, GradingInputError, NbgraderError
from course_rnn.grading.runner import run_nbgrader
from course_rnn.grading.validate import check_assignment, check_course_dir

FEEDBACK_PREPROCESSORS = [
    "course_rnn.grading.feedback.HideHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
REMOVED = "[a line of the hidden tests was removed here]"
OUTPUT_LIMIT = 20_000
_SHORTEST_TELLING_LINE = 12  # shorter lines ("else:", ")") say nothing about a test


class HideHiddenTests(ClearHiddenTests):
    """nbgrader's ClearHiddenTests, plus: a hidden test's error keeps only the student's
    frames and its last line; long outputs are cut; any hidden-test line anywhere else is
    replaced by :data:`REMOVED`."""

    _lines, _ours = frozenset(), False  # set per notebook by preprocess()
    hidden_lines_file = Unicode(
        "", help="JSON list of hidden-test lines to remove (default: read from solutions/)").tag(config=True)

    def preprocess(self, nb, resources):
        self._lines = self._hidden_lines(resources)
        self._ours = "course_rnn" in nb.get("metadata", {})  # graded by course-rnn: student frames only
        return super().preprocess(nb, resources)

    def _hidden_lines(self, resources):
        if self.hidden_lines_file:
            return set(json.loads(Path(self.hidden_lines_file).read_text(encoding="utf-8")))
        from course_rnn.grading.paths import find_repo

        assignment = resources.get("nbgrader", {}).get("assignment")
        try:
            return hidden_lines(sorted((find_repo() / "solutions" / assignment).glob("*.ipynb")))
        except (FileNotFoundError, TypeError):
            return set()

    def preprocess_cell(self, cell, resources, cell_index):
        had_hidden_tests = BEGIN in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        cell.source = redact(cell.source, self._lines)
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                if had_hidden_tests and not self._ours:
                    output.traceback = [f"{output.ename}: {output.evalue}"]
                output.traceback = [redact(_truncate(line), self._lines) for line in output.traceback[-40:]]
                output.evalue = redact(_truncate(output.evalue), self._lines)
            elif output.output_type == "stream":
                output.text = redact(_truncate(output.text), self._lines)
            else:
                for kind, value in list(output.get("data", {}).items()):
                    if kind.startswith("text/") and isinstance(value, str):
                        output.data[kind] = redact(_truncate(value), self._lines)
        return cell, resources


def _truncate(text, limit=OUTPUT_LIMIT):
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters not shown]\n"


def redact(text, lines):
    """``text`` with every occurrence of a hidden line replaced by :data:`REMOVED`."""
    for line in sorted(lines, key=len, reverse=True):
        if line in text:
            text = text.replace(line, REMOVED)
    return text


def hidden_lines(notebooks):
    """The telling lines of hidden-test source in ``notebooks``: stripped, at least
    _SHORTEST_TELLING_LINE long, and not also written outside the hidden regions."""
    hidden, visible = set(), set()
    for path in notebooks:
        with open(path, encoding="utf-8") as f:
            cells = json.load(f)["cells"]
        for cell in cells:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            inside = False
            for line in source.splitlines():
                if BEGIN in line:
                    inside = True
                elif END in line:
                    inside = False
                else:
                    (hidden if inside else visible).add(line.strip())
    return {line for line in hidden - visible if len(line) >= _SHORTEST_TELLING_LINE}


def visible_text(page):
    """The text a reader sees in an HTML page: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def find_leaks(html_files, lines):
    """``{file: first hidden line found in it}`` for every file that shows hidden source."""
    leaks = {}
    for path in html_files:
        text = visible_text(path.read_text(encoding="utf-8"))
        found = [line for line in sorted(lines) if line in text]
        if BEGIN in text or END in text or found:
            leaks[path] = found[0] if found else BEGIN
    return leaks


def generate_feedback(course, assignment):
    """Write ``feedback/<student>/<assignment>/*.html`` for every autograded submission.

    Returns the HTML files, one per autograded notebook.  Raises GradingInputError
    (nothing written) if nothing has been autograded.  A page nbgrader could not render,
    or that still showed a hidden-test line, is written as plain escaped text instead.
    """
    check_course_dir(course)
    notebooks = check_assignment(course, assignment)
    autograded = course.step("autograded")
    graded = sorted(p for p in autograded.glob(f"*/{assignment}") if p.is_dir())
    if not graded:
        raise GradingInputError(
            f"nothing autograded for {assignment!r} in {autograded}; run course-rnn grade {assignment} first")
    lines = hidden_lines(notebooks)
    lines_file = course.course_dir / f".{assignment}.hidden-lines.json"
    lines_file.write_text(json.dumps(sorted(lines)), encoding="utf-8")
    try:
        run_nbgrader(course, "generate_feedback", assignment, "--force",
                     f"--GenerateFeedback.preprocessors={json.dumps(FEEDBACK_PREPROCESSORS)}",
                     f"--HideHiddenTests.hidden_lines_file={lines_file}")
    except NbgraderError:
        pass  # the pages it could not write are written below
    finally:
        lines_file.unlink()
    pages = []
    for folder in graded:
        for notebook in sorted(folder.glob("*.ipynb")):
            page = course.step("feedback") / folder.parent.name / assignment / f"{notebook.stem}.html"
            if not page.is_file() or find_leaks([page], lines):
                page.parent.mkdir(parents=True, exist_ok=True)
                page.write_text(plain_page(notebook, lines), encoding="utf-8")
            pages.append(page)
    leaks = find_leaks(pages, lines)
    if leaks:  # only if a hidden line survived redaction: a bug, never shipped
        raise FeedbackLeakError("\n".join(f"{path} still shows hidden-test source ({line!r})"
                                          for path, line in leaks.items()))
    return pages


def plain_page(notebook, lines):
    """A feedback page as escaped plain text: scores, the student's code and outputs."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    graded = json.loads((Path(notebook).parent / ".course-rnn-graded.json").read_text(encoding="utf-8")) \
        if (Path(notebook).parent / ".course-rnn-graded.json").is_file() else {}
    scores = graded.get("notebooks", {}).get(Path(notebook).name, {}).get("scores", {})
    parts = [f"<h1>Feedback: {html.escape(Path(notebook).stem)}</h1>"]
    if graded:
        parts.append(f"<p>Score: {graded.get('score', 0):g} / {graded.get('max_score', 0):g}. "
                     f"Status: {html.escape(graded.get('status', ''))}. {html.escape(graded.get('reason', ''))}</p>")
    for cell in nb.get("cells", []):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            source = "\n".join(line for line in source.split(f"### {BEGIN}")[0].splitlines())
            got = scores.get(meta.get("grade_id"))
            parts.append(f"<h3>{html.escape(meta.get('grade_id', ''))}: "
                         f"{(got or 0):g} / {float(meta.get('points', 0)):g} points</h3>")
        parts.append(f"<pre>{html.escape(redact(_truncate(source), lines))}</pre>")
        for output in cell.get("outputs", []):
            text = output.get("text") or "\n".join(output.get("traceback", [])) or \
                output.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            parts.append(f"<pre class='output'>{html.escape(redact(_truncate(text), lines))}</pre>")
    return "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>" + "\n".join(parts) + "</body></html>"
