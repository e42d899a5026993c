"""Per-student HTML feedback that never shows the hidden tests.

nbgrader's ``generate_feedback`` renders the autograded notebooks, in which autograde has
put the hidden tests back, so out of the box the feedback shows their source, and the
traceback of a failing hidden test quotes the lines around the failing assertion.
:class:`HideHiddenTests` removes both (``nbgrader_config.py`` and
:func:`generate_feedback` install it), and :func:`find_leaks` then reads every HTML file
written and refuses to leave one that contains a line of hidden-test source.
"""

import html
import json
import re

from nbgrader.preprocessors import ClearHiddenTests

from course_rnn.grading.errors import FeedbackLeakError, GradingInputError
from course_rnn.grading.runner import run_nbgrader
from course_rnn.grading.validate import check_assignment, check_course_dir

FEEDBACK_PREPROCESSORS = [
    "course_rnn.grading.feedback.HideHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
_SHORTEST_TELLING_LINE = 12  # shorter lines ("else:", ")") say nothing about a test


class HideHiddenTests(ClearHiddenTests):
    """nbgrader's ClearHiddenTests, plus: the error output of a cell that had hidden tests
    keeps only its last line (``AssertionError: <message>``), not the traceback that
    quotes the test's source."""

    def preprocess_cell(self, cell, resources, cell_index):
        had_hidden_tests = BEGIN in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if had_hidden_tests:
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


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

    Returns the HTML files.  Raises GradingInputError (nothing written) if nothing has
    been autograded, and FeedbackLeakError, after deleting them, if any file shows a
    hidden-test line.
    """
    check_course_dir(course)
    notebooks = check_assignment(course, assignment)
    autograded = course.step("autograded")
    if not any(p.is_dir() for p in autograded.glob(f"*/{assignment}")):
        raise GradingInputError(
            f"nothing autograded for {assignment!r} in {autograded}; run course-rnn grade {assignment} first")
    run_nbgrader(course, "generate_feedback", assignment, "--force",
                 f"--GenerateFeedback.preprocessors={json.dumps(FEEDBACK_PREPROCESSORS)}")
    pages = sorted(course.step("feedback").glob(f"*/{assignment}/*.html"))
    leaks = find_leaks(pages, hidden_lines(notebooks))
    if leaks:
        for path in leaks:
            path.unlink()
        raise FeedbackLeakError("\n".join(
            f"{path} showed hidden-test source ({line!r}); deleted it, do not release feedback "
            f"until HideHiddenTests is in GenerateFeedback.preprocessors" for path, line in leaks.items()))
    return pages
