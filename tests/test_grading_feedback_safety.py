"""Feedback a browser can open safely, and student text never taken for a hidden test.

A student's markdown, raw cells and outputs reach the instructor's and the student's
browser in the HTML feedback; each payload below would set ``document.title`` to
``XSS-<where>`` if it ran.  Headless Chromium loads the pages and the title tells what ran
(a page rendered without the course's preprocessor is the control: there, they run).  A
student who writes ``### BEGIN HIDDEN TESTS`` gets feedback like anyone else, while hidden
source that does reach a page is still caught.
"""

import html
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

import grader_fixtures as fixtures
from course_rnn.grading import feedback
from course_rnn.grading.errors import FeedbackLeakError
from course_rnn.grading.paths import Course

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "a01_rnn_forward_bptt"
COURSE_RNN = str(Path(sys.executable).parent / "course-rnn")


def run(where):
    return f"document.title='XSS-{where}'"


MARKDOWN_ATTACKS = {
    "img": f'<img src=x onerror="{run("img")}">',
    "script": f"<script>{run('script')}</script>",
    "svg": f'<svg onload="{run("svg")}"><circle r="1"/></svg>',
    "details": f'<details open ontoggle="{run("details")}"><summary>more</summary>x</details>',
    "iframe": f"<iframe srcdoc=\"<script>parent.{run('iframe')}</script>\"></iframe>",
    "body": f'<body onload="{run("body")}">',
    "style": "<style>/* XSS-style */ body { display: none }</style>",
    "inline": f'Some <b onmouseover="{run("inline")}">bold</b> words.',
    "mermaid": f"```mermaid\n</pre><img src=x onerror=\"{run('mermaid')}\">\n```",
}
LINK_ATTACKS = [
    f"[a](javascript:{run('link')})", f"[b](JaVaScRiPt:{run('link')})", f"[c](<java\tscript:{run('link')}>)",
    f"[d](&#106;avascript:{run('link')})", f"[e](vbscript:{run('link')})",
    "[f](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "![g](data:image/svg+xml,<svg/onload=alert(1)>)",
    f'<a href="javascript:{run("a")}">h</a>',
]


class ActiveContent(HTMLParser):
    """What in an HTML document could run or restyle the page on a student's behalf: event
    handler attributes, URLs a browser would run (read as browsers do: whitespace and
    controls dropped; an SVG is harmless only as an image), and script, style or frame
    elements carrying a payload's mark."""

    RUNNING = ("script", "style", "iframe", "frame", "object", "embed", "svg", "base", "form")

    def __init__(self, text):
        super().__init__()
        self.found, self.inside = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            url = re.sub(r"[\x00-\x20]", "", value or "").lower()
            runs = url.startswith(("javascript:", "vbscript:", "data:text")) or (
                url.startswith("data:image/svg") and tag != "img")  # an image's SVG runs no script
            if name.startswith("on") or runs:
                self.found.append((tag, name, value))
            elif "XSS" in (value or "") and tag in self.RUNNING:
                self.found.append((tag, name, value))
        self.inside.append(tag)

    def handle_endtag(self, tag):
        if tag in self.inside:
            del self.inside[len(self.inside) - 1 - self.inside[::-1].index(tag):]

    def handle_data(self, data):
        if "XSS" in data and self.inside and self.inside[-1] in self.RUNNING:
            self.found.append((self.inside[-1], "content", data[:80]))


def visible_text(page):
    return html.unescape(re.sub(r"<[^>]+>", "", page))


# The renderer of student markdown, on its own: raw HTML is text, markdown still works.

@pytest.mark.parametrize("where", MARKDOWN_ATTACKS)
def test_raw_html_in_student_markdown_is_shown_as_the_text_typed(where):
    source = f"My answer.\n\n{MARKDOWN_ATTACKS[where]}\n"
    page = feedback.safe_markdown(source)
    assert ActiveContent(page).found == []
    shown = visible_text(page)
    assert "My answer." in shown and "XSS" in shown  # what the student typed, as text


def test_links_that_would_run_code_are_refused_however_they_are_written():
    page = feedback.safe_markdown(" ".join(LINK_ATTACKS))
    assert ActiveContent(page).found == []
    assert all(letter in visible_text(page) for letter in "abcdefh")  # the link texts stay


def test_student_markdown_keeps_math_code_tables_links_and_pasted_images():
    source = ("# Part A\n\nIt's $a<b$ and `x<y && z`, see [the docs](https://example.org/doc) or "
              "<https://example.org>.\n\n![plot](data:image/png;base64,iVBORw0KGgo=)\n\n"
              "| T | loss |\n|:--|--:|\n| 1 | 0.5 |\n\n- [x] done\n\n&copy; me &amp; you\n")
    page = feedback.safe_markdown(source)
    assert "<h1" in page and "Part A" in page
    assert "$a&lt;b$" in page  # MathJax reads the text a<b
    assert "<code>x&lt;y &amp;&amp; z</code>" in page
    assert '<a href="https://example.org/doc">the docs</a>' in page and 'href="https://example.org"' in page
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="plot">' in page
    assert '<td style="text-align:right;">0.5</td>' in page
    assert 'type="checkbox"' in page and "checked" in page
    assert visible_text(page).count("It's") == 1 and "© me & you" in visible_text(page)
    assert "\n" not in page  # one line: a raw HTML block that nbgrader's template passes through


def test_outputs_keep_only_what_the_template_escapes_and_show_the_rest_as_text():
    output = nbformat.v4.new_output("display_data", data={
        "text/html": f'<img src=x onerror="{run("html")}">', "application/javascript": run("js")})
    feedback.safe_output(output)
    assert set(output.data) == {"text/plain"}
    assert "onerror" in output.data["text/plain"] and "XSS-js" in output.data["text/plain"]
    image = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>",
                                                         "text/markdown": "**x**"})
    feedback.safe_output(image)
    assert image.data == {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}


# Markers: a student's is text, an instructor's left in a page is a leak.

def hidden_test_cell():
    return nbformat.v4.new_code_cell(
        '"""Hidden test (1 point)."""\n### BEGIN HIDDEN TESTS\nassert secret_answer == 42\n### END HIDDEN TESTS',
        metadata={"nbgrader": {"grade": True, "grade_id": "test_x", "locked": True, "points": 1,
                               "schema_version": 3, "solution": False, "task": False}})


def test_a_student_writing_hidden_test_markers_gets_them_back_as_text(tmp_path):
    answer = nbformat.v4.new_code_cell("# ### BEGIN HIDDEN TESTS\nx = 1", metadata={"nbgrader": {
        "grade": False, "grade_id": "x", "locked": False, "schema_version": 3, "solution": True, "task": False}})
    answer.outputs = [nbformat.v4.new_output("stream", name="stdout", text="### BEGIN HIDDEN TESTS\n")]
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("### BEGIN HIDDEN TESTS\n\nI wonder what the hidden tests check."),
        answer, nbformat.v4.new_code_cell("print('### END HIDDEN TESTS')"), hidden_test_cell()])
    lines_file = tmp_path / "lines.json"
    lines_file.write_text("[]")
    nb, _ = feedback.HideHiddenTests(hidden_lines_file=str(lines_file)).preprocess(nb, {})
    page = tmp_path / "page.html"
    page.write_text("\n".join([c.source for c in nb.cells] + [nb.cells[1].outputs[0].text]), encoding="utf-8")
    shown = visible_text(page.read_text(encoding="utf-8"))
    assert shown.count("BEGIN HIDDEN\u00a0TESTS") == 3 and "END HIDDEN\u00a0TESTS" in shown
    assert "I wonder what the hidden tests check." in shown and "x = 1" in shown
    assert "secret_answer" not in shown  # the instructor's hidden test is still removed
    assert feedback.find_leaks([page], {"assert secret_answer == 42"}) == {}


def test_an_instructors_marker_or_hidden_line_left_in_a_page_is_a_leak(tmp_path):
    pages = {name: tmp_path / f"{name}.html" for name in ("marker", "line", "escaped")}
    pages["marker"].write_text("<pre>### BEGIN HIDDEN TESTS</pre>")
    pages["line"].write_text("<pre>assert secret_answer == 42</pre>")
    pages["escaped"].write_text("<pre>### BEGIN HIDDEN&nbsp;TESTS</pre>")
    leaks = feedback.find_leaks(list(pages.values()), {"assert secret_answer == 42"})
    assert set(leaks) == {pages["marker"], pages["line"]}


# In a browser: nbgrader's feedback template, headless Chromium.

def chromium():
    for path in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser")):
        if path and Path(path).exists():
            return path
    pytest.skip("chromium not found (apt-get install -y chromium)")


def dom_after_load(page, profile):
    """The page's DOM once loaded and its load-time events have run (offline)."""
    done = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
         "--virtual-time-budget=3000", "--dump-dom", Path(page).as_uri()],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "<html" in done.stdout, done.stderr[-2000:]
    return done.stdout


def title_of(dom):
    return html.unescape(re.search(r"<title>(.*?)</title>", dom, re.S).group(1).strip())


def attack_notebook():
    """One notebook with every place a student can put HTML: markdown, a raw cell, HTML,
    markdown, JavaScript, SVG and widget outputs, stream and error text, a grade_id."""
    markdown = "\n\n".join(["My notes."] + list(MARKDOWN_ATTACKS.values()) + LINK_ATTACKS)
    code = nbformat.v4.new_code_cell("show()", metadata={"nbgrader": {
        "grade": False, "grade_id": f'x"><img src=x onerror="{run("grade-id")}">', "locked": False,
        "schema_version": 3, "solution": True, "task": False}})
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": f'<img src=x onerror="{run("html")}">'}),
        nbformat.v4.new_output("display_data", data={"text/html": f"<script>{run('isolated')}</script>"},
                               metadata={"text/html": {"isolated": True}}),
        nbformat.v4.new_output("display_data", data={"application/javascript": run("javascript")}),
        nbformat.v4.new_output("execute_result", data={"text/markdown": f'<img src=x onerror="{run("md-out")}">'},
                               execution_count=1),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": (
            f'<svg xmlns="http://www.w3.org/2000/svg" onload="{run("svg-out")}"><circle r="1"/></svg>')}),
        nbformat.v4.new_output("stream", name="stdout", text=f'<img src=x onerror="{run("stdout")}">\n'),
        nbformat.v4.new_output("error", ename="ValueError", evalue=f'<img src=x onerror="{run("error")}">',
                               traceback=[f'<img src=x onerror="{run("traceback")}">']),
    ]
    raw = nbformat.v4.new_raw_cell(f'<img src=x onerror="{run("raw")}">', metadata={"raw_mimetype": "text/html"})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown), raw, code])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}}
    return nb


def render_like_nbgrader_feedback(nb, preprocessors):
    """HTML as ``nbgrader generate_feedback`` writes it (its template and exporter), without
    the gradebook's scores."""
    import nbgrader.converters.generate_feedback as generate_feedback
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    formgrader = Path(generate_feedback.__file__).parents[1] / "server_extensions" / "formgrader"
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [str(formgrader / "templates")]
    bootstrap = formgrader / "static" / "node_modules" / "bootstrap" / "dist" / "css"
    config.HTMLExporter.extra_template_paths = [str(bootstrap)]
    exporter = HTMLExporter(config=config)
    for preprocessor in preprocessors:
        exporter.register_preprocessor(preprocessor, enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"nbgrader": {
        "notebook": "safe-page", "score": 1, "max_score": 2, "late_penalty": 0, "assignment": ASSIGNMENT}})
    return body


def test_no_student_script_runs_in_a_page_rendered_by_nbgraders_feedback_template(tmp_path):
    lines_file = tmp_path / "lines.json"
    lines_file.write_text("[]")
    pages = {}
    ours = feedback.HideHiddenTests(hidden_lines_file=str(lines_file))
    for name, preprocessors in (("unsafe", []), ("safe", [ours])):
        pages[name] = tmp_path / f"{name}.html"
        pages[name].write_text(render_like_nbgrader_feedback(attack_notebook(), preprocessors), encoding="utf-8")
    unsafe = dom_after_load(pages["unsafe"], tmp_path / "profile")
    assert title_of(unsafe).startswith("XSS-")  # the control: unsanitised, the payloads run
    dom = dom_after_load(pages["safe"], tmp_path / "profile")
    assert title_of(dom) == "safe-page"
    assert ActiveContent(dom).found == []
    shown = visible_text(dom)
    for where in ("img", "script", "html", "javascript", "md-out", "stdout", "traceback", "raw"):
        assert f"XSS-{where}" in shown, f"the {where} payload should be shown as text"


# End to end: `course-rnn grade` then `course-rnn feedback` on a01.

def with_markdown(notebooks, text, free_code=""):
    """The solved notebooks with a markdown cell after Part A's task, and ``free_code`` on top
    of the first free cell."""
    notebooks = fixtures.copy(notebooks)
    cells = next(iter(notebooks.values()))["cells"]
    free = next(c for c in cells if c["cell_type"] == "code" and not fixtures.meta(c))
    free["source"] = free_code + fixtures.source(free)
    cells.insert(3, {"cell_type": "markdown", "metadata": {}, "source": text})
    return notebooks


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Three solved a01 submissions, graded and given feedback: one writes HTML attacks in
    markdown, one writes hidden-test markers, one gets a comment that quotes a hidden line."""
    course_dir = tmp_path_factory.mktemp("feedback-safety")
    solved = fixtures.solved(ASSIGNMENT)
    students = {
        "xss": with_markdown(solved, "My notes.\n\n" + "\n\n".join(MARKDOWN_ATTACKS.values()),
                             f"print('<img src=x onerror=\"{run('print')}\">')\n"),
        "marker": with_markdown(solved, "### BEGIN HIDDEN TESTS\n\nI wonder what the hidden tests check.",
                                "print('### BEGIN HIDDEN TESTS')\n# ### END HIDDEN TESTS\n"),
        "quoted": solved,
    }
    for student, notebooks in students.items():
        fixtures.write(course_dir, ASSIGNMENT, fixtures.Kind(student, notebooks, (), "full"))
    graded = subprocess.run([COURSE_RNN, "grade", ASSIGNMENT, "--course-dir", str(course_dir), "--workers", "2",
                             "--timeout", "40", "--memory", "1G", "--no-progress"],
                            cwd=course_dir, capture_output=True, text=True, timeout=900)
    assert graded.returncode == 0, graded.stderr[-3000:]
    quoted = max(sorted(hidden_lines()), key=len)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", "course-rnn") as gb:
        part_a = fixtures.meta(fixtures.solution_cells(solved)[0])["grade_id"]
        notebook = Path(next(iter(solved))).stem
        gb.find_comment(part_a, notebook, ASSIGNMENT, "quoted").manual_comment = f"Compare with `{quoted}`."
        gb.db.commit()
    done = subprocess.run([COURSE_RNN, "feedback", ASSIGNMENT, "--course-dir", str(course_dir)],
                          cwd=course_dir, capture_output=True, text=True, timeout=900)
    pages = {p.parts[-3]: p for p in (course_dir / "feedback").glob(f"*/{ASSIGNMENT}/*.html")}
    return SimpleNamespace(dir=course_dir, done=done, pages=pages, quoted=quoted)


def hidden_lines():
    return feedback.hidden_lines(sorted((REPO / "solutions" / ASSIGNMENT).glob("*.ipynb")))


@pytest.mark.slow
def test_feedback_succeeds_and_shows_a_students_hidden_test_markers_as_text(course):
    assert course.done.returncode == 0, course.done.stderr[-3000:]
    assert set(course.pages) == {"xss", "marker", "quoted"}
    page = course.pages["marker"].read_text(encoding="utf-8")
    assert "Student's answer" in page  # rendered by nbgrader, not the plain fallback
    shown = visible_text(page)
    assert "I wonder what the hidden tests check." in shown and "BEGIN HIDDEN\u00a0TESTS" in shown
    assert "HIDDEN TESTS" not in shown


@pytest.mark.slow
def test_student_markdown_runs_no_javascript_in_the_graded_feedback_page(course, tmp_path):
    page = course.pages["xss"]
    assert "Student's answer" in page.read_text(encoding="utf-8")
    dom = dom_after_load(page, tmp_path / "profile")
    assert "XSS" not in title_of(dom)
    assert ActiveContent(dom).found == []
    assert "onerror" in visible_text(dom) and "XSS-print" in visible_text(dom)  # shown as typed


@pytest.mark.slow
def test_a_hidden_line_quoted_in_a_graders_comment_never_reaches_the_student(course):
    page = course.pages["quoted"].read_text(encoding="utf-8")
    assert course.quoted not in visible_text(page)
    assert [line for line in hidden_lines() if line in visible_text(page)] == []
    assert "<h1>Feedback:" in page  # the leaking page was replaced by the plain one
    assert "HIDDEN TESTS" not in visible_text(page) and "test_rnn_step_forward" in visible_text(page)


@pytest.mark.slow
def test_feedback_fails_loudly_if_hidden_source_survives_even_the_plain_page(course, tmp_path, monkeypatch):
    copy = tmp_path / "course"
    shutil.copytree(course.dir, copy)
    shutil.rmtree(copy / "feedback")
    plain_page = feedback.plain_page
    monkeypatch.setattr(feedback, "run_nbgrader", lambda *args, **kwargs: None)  # every page is the plain one
    monkeypatch.setattr(feedback, "plain_page", lambda notebook, lines: plain_page(notebook, lines).replace(
        "</body>", f"<pre>{html.escape(course.quoted)}</pre></body>"))  # a fallback with a bug
    with pytest.raises(FeedbackLeakError, match=re.escape(repr(course.quoted))):
        feedback.generate_feedback(Course(repo=REPO, course_dir=copy), ASSIGNMENT)
