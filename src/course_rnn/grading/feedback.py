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

A student's text is shown, never run: the page can be opened safely in a browser.
:class:`HideHiddenTests` also

- renders every markdown cell itself with raw HTML *escaped* (``<img onerror=...>``,
  ``<script>``, ``<style>``, ``<iframe>``, ``<svg onload>`` show as the text the student
  typed), then keeps of the result only an allow-list of the tags and attributes markdown
  makes (:func:`safe_markdown`): links and images to http(s), mailto and relative URLs,
  pasted png/jpeg/gif/webp images; never ``javascript:``, never an event handler;
- keeps of each output only what the template always escapes: plain text, LaTeX and
  images (an SVG only ever as an ``<img>``, where it runs nothing); HTML, markdown,
  JavaScript and widget outputs are shown as their source text (:func:`safe_output`);
- writes a student's text that looks like a hidden-test marker (``### BEGIN HIDDEN
  TESTS`` printed, or typed in a cell) with a no-break space, ``HIDDEN\u00a0TESTS``: it
  reads the same, is no marker for nbgrader, and is no leak.  So any marker left in a page
  is instructor source, and :func:`find_leaks` still catches it.
"""

import html
import json
import re
from pathlib import Path

import bleach
from bleach.css_sanitizer import CSSSanitizer
from mistune.util import safe_entity
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbgrader import utils
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
ESCAPED = {marker: marker.replace("HIDDEN TESTS", "HIDDEN\u00a0TESTS") for marker in (BEGIN, END)}
REMOVED = "[a line of the hidden tests was removed here]"
OUTPUT_LIMIT = 20_000
_SHORTEST_TELLING_LINE = 12  # shorter lines ("else:", ")") say nothing about a test


class HideHiddenTests(ClearHiddenTests):
    """nbgrader's ClearHiddenTests, plus: a hidden test's error keeps only the student's
    frames and its last line; long outputs are cut; any hidden-test line anywhere else is
    replaced by :data:`REMOVED`; the student's markers are escaped and their HTML made
    inert (see the module's docstring)."""

    _lines, _ours = frozenset(), False  # set per notebook by preprocess()
    hidden_lines_file = Unicode(
        "", help="JSON list of hidden-test lines to remove (default: read from solutions/)").tag(config=True)

    def preprocess(self, nb, resources):
        self._lines = self._hidden_lines(resources)
        self._ours = "course_rnn" in nb.get("metadata", {})  # graded by course-rnn: student frames only
        nb.get("metadata", {}).pop("widgets", None)  # widget state: scripts for a widget manager
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
        if not (utils.is_grade(cell) and not utils.is_solution(cell)):
            cell.source = escape_markers(cell.source)  # the student's: only test cells hold tests
        had_hidden_tests = BEGIN in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        cell.source = redact(cell.source, self._lines)
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                if had_hidden_tests and not self._ours:
                    output.traceback = [f"{output.ename}: {output.evalue}"]
                output.traceback = [escape_markers(redact(_truncate(line), self._lines))
                                    for line in output.traceback[-40:]]
                output.evalue = escape_markers(redact(_truncate(output.evalue), self._lines))
            elif output.output_type == "stream":
                output.text = escape_markers(redact(_truncate(output.text), self._lines))
            else:
                safe_output(output)
                for kind, value in list(output.get("data", {}).items()):
                    if kind.startswith("text/") and isinstance(value, str):
                        output.data[kind] = escape_markers(redact(_truncate(value), self._lines))
        if cell.cell_type == "markdown":
            cell.source = safe_markdown(cell.source, cell.get("attachments", {}))
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if "grade_id" in nbgrader:  # nbgrader's template writes it into the page unescaped
            nbgrader["grade_id"] = re.sub(r"[^\w-]", "_", str(nbgrader["grade_id"]))
        return cell, resources


def escape_markers(text):
    """``text`` with the hidden-test markers written with a no-break space: no marker."""
    for marker, escaped in ESCAPED.items():
        text = text.replace(marker, escaped)
    return text


SAFE_OUTPUTS = ("text/plain", "text/latex", "image/png", "image/jpeg", "image/svg+xml")


def safe_output(output):
    """Keep of a display or result ``output`` only what nbconvert's template escapes (see
    SAFE_OUTPUTS); anything else (HTML, markdown, JavaScript, widgets) becomes its source
    shown as plain text, unless the output has a plain text of its own."""
    data = output.get("data", {})
    dropped = {kind: data.pop(kind) for kind in list(data) if kind not in SAFE_OUTPUTS}
    if dropped and "text/plain" not in data:
        data["text/plain"] = "\n".join(value if isinstance(value, str) else json.dumps(value)
                                       for value in dropped.values())
    for kind in list(output.get("metadata", {})):
        if kind not in SAFE_OUTPUTS:
            output.metadata.pop(kind)
    return output


_MARKDOWN_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
                  "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "li", "ol", "p", "pre", "s",
                  "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
_IMAGE_DATA = ("data:image/png;", "data:image/jpeg;", "data:image/gif;", "data:image/webp;")


def _as_browsers_read(url):
    """``(scheme, url)`` as a browser reads ``url`` (scheme "" for a relative one): it drops
    tabs and newlines anywhere in a URL, and spaces and control characters around it."""
    cleaned = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(33)))).lower()
    found = re.match(r"([a-z][a-z0-9+.\-]*):", cleaned)
    return (found.group(1) if found else ""), cleaned


def _allowed_attribute(tag, name, value):
    scheme, cleaned = _as_browsers_read(value)
    if name == "href":
        return tag == "a" and scheme in ("", "http", "https", "mailto")
    if name == "src":
        return tag == "img" and (scheme in ("", "http", "https") or cleaned.startswith(_IMAGE_DATA))
    if tag == "input":  # a task list's box
        return (name == "type" and value == "checkbox") or name in ("checked", "disabled", "class")
    return name in ("class", "id", "title", "alt") or (tag == "ol" and name == "start") \
        or (tag in ("td", "th") and name == "style")  # a table column's alignment: text-align only


class _EscapingRenderer(IPythonRenderer):
    """nbconvert's renderer with raw HTML escaped (``escape=True``), but entities such as
    ``&amp;`` or ``&#x27;`` in the text read as entities, as CommonMark says."""

    def text(self, text):
        return safe_entity(text)

    def block_mermaidjs(self, code):  # nbconvert writes a mermaid block's code unescaped
        return self.block_code(code)


def safe_markdown(source, attachments=None):
    """A markdown cell's ``source`` as HTML that runs nothing, in a form the template's own
    markdown renderer passes through unchanged (one line of HTML: a raw HTML block).

    Rendered with raw HTML escaped and harmful link protocols refused, then cleaned to
    :data:`_MARKDOWN_TAGS` and :func:`_allowed_attribute` (bleach): the allow-list catches
    whatever the renderer might let through.
    """
    try:
        rendered = MarkdownWithMath(renderer=_EscapingRenderer(
            escape=True, allow_harmful_protocols=False, attachments=attachments)).render(source)
    except Exception:  # noqa: BLE001 -- e.g. a missing attachment: show the text as it is
        rendered = f"<pre>{html.escape(source)}</pre>"
    clean = bleach.clean(rendered, tags=_MARKDOWN_TAGS, attributes=_allowed_attribute,
                         protocols={"http", "https", "mailto", "data"}, strip=True, strip_comments=True,
                         css_sanitizer=CSSSanitizer(allowed_css_properties=["text-align"]))
    return "<div>" + clean.replace("\r", "&#13;").replace("\n", "&#10;") + "</div>"


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
                     f"Status: {html.escape(graded.get('status', ''))}. "
                     f"{html.escape(escape_markers(redact(graded.get('reason', ''), lines)))}</p>")
    for cell in nb.get("cells", []):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):  # a marker left here is a leak: not escaped
            source = re.split(f"^.*{BEGIN}", source, maxsplit=1, flags=re.MULTILINE)[0]
            got = scores.get(meta.get("grade_id"))
            parts.append(f"<h3>{html.escape(meta.get('grade_id', ''))}: "
                         f"{(got or 0):g} / {float(meta.get('points', 0)):g} points</h3>")
        else:
            source = escape_markers(source)
        parts.append(f"<pre>{html.escape(redact(_truncate(source), lines))}</pre>")
        for output in cell.get("outputs", []):
            text = output.get("text") or "\n".join(output.get("traceback", [])) or \
                output.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            parts.append(f"<pre class='output'>{html.escape(escape_markers(redact(_truncate(text), lines)))}</pre>")
    return "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>" + "\n".join(parts) + "</body></html>"
