"""``course-rnn report`` and ``export --parts`` on a graded a01 class, and the similarity
ranking of solution cells.

The class: the solved release, the untouched release, the release with its first part
blank, a few catalogue cases (tests/submissions/a01_rnn_forward_bptt/, each with the test
cells its author expects it to lose), one case submitted twice, and two planted near-copies
of the catalogue's correct solutions (variables renamed, independent statements
reordered, comments and formatting changed); the graded class also has a notebook that is
not JSON, one whose first cell never ends (tests/grader_fixtures), and the solved release
handed in after the due date (nbgrader_config.py's penalty: zero).  Oracles: nbgrader's
gradebook read directly, the instructor notebooks' metadata, the authors' expectations, the
planted copies and the submitted notebooks.
"""

import base64
import csv
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import grader_fixtures as fixtures
from submission_cases import load_cases, write_submissions

REPO = Path(__file__).resolve().parents[1]
COURSE_RNN = Path(sys.executable).with_name("course-rnn")
A01 = "a01_rnn_forward_bptt"
CASES = ("forward_hs_off_by_one", "forward_restarts_from_h0", "bptt_tanh_derivative_wrong",
         "output_backward_forgets_batch_average", "clip_in_place", "correct_lists_and_loops",
         "correct_vectorised_preallocated")
TWICE = "forward_hs_off_by_one"  # also submitted by a second student, "off_by_one_again"
BROKEN = ("invalid_json", "hang")  # grader_fixtures kinds: malformed, timed out
LIMIT = 10  # CPU seconds per cell: what the hanging cell gets

# correct_lists_and_loops's rnn_forward and rnn_backward, renamed, reordered, recommented
COPY_OF_LISTS = {
    "rnn_forward": '''
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    # keep every hidden state
    out = [ ]
    cur = h0
    for xt in x:
        cur = rnn_step_forward(xt, cur, W_ih, W_hh, b_ih, b_hh)
        out.append(cur)
    return np.array(out)
''',
    "rnn_backward": '''
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    """Backprop through time."""
    T, B, D = x.shape
    grad_W_hh = np.zeros(W_hh.shape)    # recurrent weights
    grad_b_hh = np.zeros(b_hh.shape)
    grad_x = np.zeros((T, B, D))
    grad_b_ih = np.zeros(b_ih.shape)
    grad_W_ih = np.zeros(W_ih.shape)
    carried = np.zeros(h0.shape)
    for step in range(T - 1, -1, -1):
        before = h0 if step == 0 else hs[step - 1]
        g = dhs[step] + carried
        d = g * (1 - np.square(hs[step]))
        for i in range(B):
            grad_W_hh += np.outer(d[i], before[i])
            grad_W_ih += np.outer(d[i], x[step, i])
            grad_b_hh += d[i]
            grad_b_ih += d[i]
        grad_x[step] = d.dot(W_ih)
        carried = d.dot(W_hh)
    return grad_x, carried, grad_W_ih, grad_W_hh, grad_b_ih, grad_b_hh
''',
}

# correct_vectorised_preallocated's rnn_backward, renamed and reordered
COPY_OF_VECTORISED = {
    "rnn_backward": '''
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    n_steps = x.shape[0]
    deltas = np.empty_like(hs)
    prev_states = np.concatenate([h0[None], hs[:-1]], axis=0)
    running = np.zeros_like(h0)
    for k in range(n_steps - 1, -1, -1):
        deltas[k] = (dhs[k] + running) * (1.0 - hs[k] * hs[k])
        running = deltas[k] @ W_hh
    gWhh = np.einsum("tbh,tbk->hk", deltas, prev_states)
    gWih = np.einsum("tbh,tbd->hd", deltas, x)
    gx = deltas @ W_ih
    gb = deltas.sum(axis=(0, 1))
    return gx, running, gWih, gWhh, gb, gb.copy()
''',
}


def plant(course_dir, student, cells):
    """A submission: the solved release with ``cells`` ({grade_id: code}) in its solution cells."""
    notebooks = fixtures.solved(A01)
    for cell in fixtures.solution_cells(notebooks):
        if fixtures.meta(cell)["grade_id"] in cells:
            cell["source"] = cells[fixtures.meta(cell)["grade_id"]].lstrip("\n")
    folder = Path(course_dir) / "submitted" / student / A01
    folder.mkdir(parents=True)
    for name, nb in notebooks.items():
        (folder / name).write_text(json.dumps(nb, indent=1), encoding="utf-8")


def write_class(course_dir):
    fixtures.write_trio(course_dir, A01)
    cases = [case for case in load_cases(A01) if case.name in CASES]
    write_submissions(course_dir, A01, cases)
    again = next(case for case in cases if case.name == TWICE)
    plant(course_dir, "off_by_one_again", again.cells)
    plant(course_dir, "copy_of_lists", COPY_OF_LISTS)
    plant(course_dir, "copy_of_vectorised", COPY_OF_VECTORISED)
    return {case.name: case for case in cases}


def course_rnn(*args):
    return subprocess.run([str(COURSE_RNN), *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=900)


def broken_kinds(course_dir):
    """The malformed and the hanging submission of grader_fixtures, written; {name: Kind}."""
    kinds = {kind.name: kind for kind in fixtures.kinds(A01, course_dir, 1) if kind.name in BROKEN}
    for kind in kinds.values():
        fixtures.write(course_dir, A01, kind)
    return kinds


def hand_in_late(course_dir):
    """A due date in the gradebook (as the instructor sets it, with plain nbgrader) and the
    solved release submitted after it, as student "late"."""
    nbgrader = [sys.executable, "-m", "nbgrader", "db", "assignment", "add", A01, "--duedate=2026-10-15 23:59:00 UTC",
                f"--CourseDirectory.root={course_dir}"]
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # (alembic)
    done = subprocess.run(nbgrader, cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    plant(course_dir, "late", {})
    (Path(course_dir) / "submitted" / "late" / A01 / "timestamp.txt").write_text("2026-10-16 08:00:00 UTC\n")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    cases = write_class(folder)
    broken_kinds(folder)
    hand_in_late(folder)
    done = course_rnn("grade", A01, "--course-dir", folder, "--no-progress", "--workers", "1",
                      "--timeout", LIMIT)
    assert done.returncode == 0, done.stderr[-3000:]
    done = course_rnn("report", A01, "--course-dir", folder)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder, cases


def gradebook(folder):
    """``{student: {grade_id: (score, max_score)}}``, read with nbgrader's own API."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", "course-rnn") as gb:
        return {s.student.id: {g.name: (g.score, g.max_score) for nb in s.notebooks for g in nb.grades}
                for s in gb.find_assignment(A01).submissions}


class _Tables(HTMLParser):
    """Every <table> of a page as {header: [column cells]} lists, rows in order."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._row = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"head": [], "rows": []})
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self.tables[-1]
            (table["rows"] if table["head"] else table["head"]).extend(
                [self._row] if table["head"] else self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(page):
    parser = _Tables()
    parser.feed(page.read_text(encoding="utf-8"))
    return [[dict(zip(t["head"], row)) for row in t["rows"]] for t in parser.tables]


def table_with(page, *headers):
    return next(t for t in tables(page) if t and all(h in t[0] for h in headers))


def test_pass_rate_of_every_test_is_students_with_its_points_over_the_class(graded):
    folder, _ = graded
    book = gradebook(folder)
    rows = table_with(folder / "reports" / f"{A01}.html", "test", "passed")
    assert {row["test"] for row in rows} == set(fixtures.test_points(A01))
    for row in rows:
        with_points = sum(1 for cells in book.values() if cells[row["test"]][0] > 0)
        assert re.search(r"\((\d+)/(\d+)\)", row["passed"]).groups() == (str(with_points), str(len(book))), row


def test_each_failure_message_counts_the_students_who_made_that_mistake(graded):
    """The two students who submitted the off-by-one forward pass and the one who restarted
    from h0 get one message (numbers aside); the untouched and first-part-blank releases
    fail rnn_forward with NotImplementedError instead."""
    folder, cases = graded
    book = gradebook(folder)
    lost_forward = {s for s, cells in book.items() if cells["test_rnn_forward"][0] < cells["test_rnn_forward"][1]}
    assert {TWICE, "off_by_one_again", "forward_restarts_from_h0"} <= lost_forward
    rows = table_with(folder / "reports" / f"{A01}.html", "students", "message")
    assert 1 <= len(rows) <= 10
    forward = [row for row in rows if row["message"].startswith("AssertionError: rnn_forward")]
    assert len(forward) == 1 and not re.search(r"\d\.\d", forward[0]["message"])
    assert int(forward[0]["students"]) == 3
    counts = [int(row["students"]) for row in rows]
    assert counts == sorted(counts, reverse=True)


def test_statuses_and_grading_times_cover_every_student(graded):
    folder, _ = graded
    rows = table_with(folder / "reports" / f"{A01}.html", "student", "status", "seconds")
    assert {row["student"] for row in rows} == set(gradebook(folder))
    assert all(row["status"] == "graded" and float(row["seconds"]) > 0 for row in rows if row["student"] not in BROKEN)


def test_the_malformed_and_the_hanging_submission_show_their_status_and_reason(graded, tmp_path):
    """The kinds' expected statuses and reason phrases come from grader_fixtures; the
    report's reason is the one the grader recorded (autograded/<student>/<a>/marker)."""
    folder, _ = graded
    from course_rnn.grading import record
    from course_rnn.grading.paths import Course

    kinds = {kind.name: kind for kind in fixtures.kinds(A01, tmp_path, 1) if kind.name in BROKEN}
    rows = {row["student"]: row for row in table_with(folder / "reports" / f"{A01}.html", "student", "status",
                                                       "reason")}
    for name, kind in kinds.items():
        assert rows[name]["status"] in kind.statuses, rows[name]
        assert kind.reason.strip() in rows[name]["reason"], rows[name]
        recorded = record.marker(Course.at(folder, repo=REPO), A01, name)
        assert rows[name]["reason"] == recorded["reason"].strip(), rows[name]
    counts = {row["status"]: int(row["students"]) for row in table_with(folder / "reports" / f"{A01}.html",
                                                                        "status", "students")}
    assert counts.get("malformed", 0) >= 1 and counts.get("timed out", 0) >= 1, counts
    assert sum(counts.values()) == len(gradebook(folder))


def part_tests():
    """``{part: {test grade_id: points}}`` from the instructor notebooks: a test cell belongs
    to the part its metadata names, else to the solution cell above it."""
    owner, parts = None, {}
    for nb in fixtures.instructor(A01).values():
        for cell in nb["cells"]:
            if fixtures.meta(cell).get("solution"):
                owner = fixtures.meta(cell)["grade_id"]
            elif fixtures.meta(cell).get("grade"):
                part = cell.get("metadata", {}).get("course_rnn", {}).get("part", owner)
                parts.setdefault(part, {})[fixtures.meta(cell)["grade_id"]] = fixtures.meta(cell)["points"]
    return parts


def test_pass_rate_and_mean_of_every_part_follow_the_gradebook(graded):
    """A part passes when every one of its tests kept all its points."""
    folder, _ = graded
    book = gradebook(folder)
    rows = {row["part"]: row for row in table_with(folder / "reports" / f"{A01}.html", "part", "passed")}
    parts = part_tests()
    assert set(rows) == set(parts)
    for part, tests in parts.items():
        passing = sum(all(cells[t][0] >= cells[t][1] for t in tests) for cells in book.values())
        assert re.search(r"\((\d+)/(\d+)\)", rows[part]["passed"]).groups() == (str(passing), str(len(book))), part
        assert float(rows[part]["points"]) == sum(tests.values())
        mean = sum(cells[t][0] for cells in book.values() for t in tests) / len(book)
        assert float(rows[part]["mean points"]) == pytest.approx(mean, abs=0.005), part
    assert len({rows[p]["passed"] for p in parts}) > 1, "every part passed by as many: a weak class"


class _Links(HTMLParser):
    """Every attribute value of every tag, and the text of <style> elements."""

    def __init__(self):
        super().__init__()
        self.values, self.styles, self._in_style = [], [], False

    def handle_starttag(self, tag, attrs):
        self.values += [(tag, name, value or "") for name, value in attrs]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def test_report_page_loads_nothing_from_the_network(graded):
    folder, _ = graded
    text = (folder / "reports" / f"{A01}.html").read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(text)
    remote = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
    assert [v for v in parser.values if v[1] in ("src", "href")], "no src or href at all: the parser saw nothing"
    assert not [v for v in parser.values if remote.match(v[2])]
    assert not re.search(r"(url\(|@import)\s*[\"']?\s*(https?:)?//", "".join(parser.styles), re.IGNORECASE)
    assert not re.search(r"\bfetch\(|XMLHttpRequest|import\(", text)


class _SideBySide(HTMLParser):
    """The similar-pair blocks: [(heading, [text of each <pre>])], in page order."""

    def __init__(self):
        super().__init__()
        self.blocks, self._heading, self._pre, self._in = [], None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "h3":
            self._heading, self._in = [], "h3"
        elif tag == "div" and "side" in (dict(attrs).get("class") or "").split():
            self.blocks.append(("".join(self._heading or []).strip(), []))
        elif tag == "pre" and self.blocks:
            self._pre, self._in = [], "pre"

    def handle_endtag(self, tag):
        if tag == "pre" and self._in == "pre":
            self.blocks[-1][1].append("".join(self._pre))
        if tag in ("h3", "pre"):
            self._in = None

    def handle_data(self, data):
        if self._in == "h3":
            self._heading.append(data)
        elif self._in == "pre":
            self._pre.append(data)


def submitted_cell(folder, student, grade_id):
    """The code of solution cell ``grade_id`` as the student submitted it (read directly)."""
    for path in sorted((folder / "submitted" / student / A01).glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if fixtures.meta(cell).get("grade_id") == grade_id:
                return fixtures.source(cell)
    raise KeyError((student, grade_id))


def test_similar_pairs_are_shown_side_by_side_with_each_students_own_code(graded):
    """The top pair of the similarity table comes first, and every block holds student A's
    cell on the left and student B's on the right, as they submitted them."""
    folder, _ = graded
    page = folder / "reports" / f"{A01}.html"
    top = table_with(page, "student A", "student B", "similarity")
    parser = _SideBySide()
    parser.feed(page.read_text(encoding="utf-8"))
    assert parser.blocks, "no side-by-side block"
    heading, codes = parser.blocks[0]
    assert heading.startswith(f"{top[0]['student A']} and {top[0]['student B']}: "), heading
    assert heading.split(": ", 1)[1].split(" ")[0] == top[0]["most similar cells"].split(" ")[0]
    differ = 0
    for heading, codes in parser.blocks:
        found = re.match(r"(\S+) and (\S+): (\S+) \(", heading)
        a, b, grade_id = found.groups()
        assert len(codes) == 2, heading
        assert codes[0].strip() == submitted_cell(folder, a, grade_id).strip(), heading
        assert codes[1].strip() == submitted_cell(folder, b, grade_id).strip(), heading
        differ += codes[0] != codes[1]
    assert differ >= 1, "every pair shown has identical code: the test could not tell A from B"


def test_parts_failed_together_follow_the_class(graded):
    """first_blank and untouched fail rnn_step_forward; untouched also fails every other
    part, so of the two students failing rnn_step_forward, 1 (50%) failed clip_gradients."""
    folder, _ = graded
    rows = table_with(folder / "reports" / f"{A01}.html", "failed C", "also failed D")
    row = next(r for r in rows if r["failed C"] == "rnn_step_forward" and r["also failed D"] == "clip_gradients")
    book = gradebook(folder)
    step = {s for s, c in book.items() if c["test_rnn_step_forward"][0] < c["test_rnn_step_forward"][1]}
    clip = {s for s, c in book.items() if c["test_clip_gradients"][0] < c["test_clip_gradients"][1]}
    assert int(row["students failing C"]) == len(step)
    assert row["of them failing D"].endswith(f"({len(step & clip)}/{len(step)})")


def test_export_parts_sum_to_the_raw_score_and_lose_where_the_author_expects(graded, tmp_path):
    folder, cases = graded
    to = tmp_path / "grades.csv"
    done = course_rnn("export", "--course-dir", folder, "--to", to, "--parts")
    assert done.returncode == 0, done.stderr[-2000:]
    with open(to, newline="") as f:
        reader = csv.DictReader(f)
        rows = {row["student_id"]: row for row in reader}
    nbgrader_columns = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                        "email", "raw_score", "late_submission_penalty", "score", "max_score"]
    assert reader.fieldnames[:11] == nbgrader_columns
    parts = [c for c in reader.fieldnames[11:]]
    solutions = [fixtures.meta(c)["grade_id"] for c in fixtures.solution_cells(fixtures.instructor(A01))]
    assert parts == [f"{A01}/{p}" for p in solutions if any(f"{A01}/{p}" == c for c in parts)]
    for student, row in rows.items():  # the parts hold points earned; a late penalty comes after
        assert sum(float(row[p]) for p in parts) == pytest.approx(float(row["raw_score"])), student
    full = sum(fixtures.test_points(A01).values())
    assert float(rows["late"]["raw_score"]) == full and float(rows["late"]["score"]) < full  # penalised
    # every test cell sits below the solution cell of its part, before the next one
    owner, part_points = None, {}
    for nb in fixtures.instructor(A01).values():
        for cell in nb["cells"]:
            if fixtures.meta(cell).get("solution"):
                owner = fixtures.meta(cell)["grade_id"]
            elif fixtures.meta(cell).get("grade"):
                part_points.setdefault(owner, {})[fixtures.meta(cell)["grade_id"]] = fixtures.meta(cell)["points"]
    for name, case in cases.items():
        for part, tests in part_points.items():
            full = sum(tests.values())
            got = float(rows[name][f"{A01}/{part}"])
            assert (got < full) == bool(case.lose & set(tests)), (name, part, got, full)


def test_similar_pairs_rank_planted_copies_above_unrelated_correct_solutions(tmp_path):
    from course_rnn.grading import similarity
    from course_rnn.grading.paths import Course

    write_class(tmp_path)
    course = Course.at(tmp_path, repo=REPO)
    cells = similarity.submitted_cells(course, A01)
    pairs = similarity.similar_pairs(cells, similarity.given_cells(course, A01), top=1000)
    ranked = [{p.a, p.b} for p in pairs]
    planted = [{"copy_of_lists", "correct_lists_and_loops"}, {"copy_of_vectorised", "correct_vectorised_preallocated"}]
    identical = {TWICE, "off_by_one_again"}
    assert sorted(map(sorted, ranked[:3])) == sorted(map(sorted, [identical, *planted]))
    assert all(p.score > 0.9 for p in pairs[:3])
    # everything else, the two unrelated correct solutions among them, far below
    assert all(p.score < 0.5 for p in pairs[3:])
    # the reference solution and the skeleton make no one similar to anyone
    assert not any({"reference", "untouched"} & pair for pair in ranked)


def test_report_opens_in_headless_chromium_without_errors_and_sorts(graded, tmp_path):
    pytest.importorskip("websocket", reason="websocket-client (installed with jupyter-server) drives chromium")
    from test_book import _DevTools, _find_chromium, _page_problems

    chromium = _find_chromium()
    if chromium is None:
        pytest.skip("chromium not found (install it with: apt-get install -y chromium)")
    folder, _ = graded
    page = folder / "reports" / f"{A01}.html"
    browser = _DevTools(chromium, tmp_path / "profile")
    try:
        script = r"""(async () => {
          const images = [...document.images].map(i => i.complete && i.naturalWidth > 0);
          const table = [...document.querySelectorAll('table.sortable')]
            .find(t => t.tHead.rows[0].cells[0].textContent === 'students');
          const counts = () => [...table.tBodies[0].rows].map(r => parseInt(r.cells[0].textContent));
          table.tHead.rows[0].cells[0].click();
          const up = counts();
          table.tHead.rows[0].cells[0].click();
          return {images, up, down: counts(), title: document.title};
        })()"""
        value, events = browser.open(page.as_uri(), script)
        shot = browser.call("Page.captureScreenshot", format="png")["data"]
    finally:
        browser.close()
    assert _page_problems(events) == []
    assert len(value["images"]) >= 3 and all(value["images"])
    assert value["up"] == sorted(value["up"]) and value["down"] == sorted(value["down"], reverse=True)
    png = base64.b64decode(shot)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    (folder / "reports" / "screenshot.png").write_bytes(png)


def test_report_before_grading_is_refused_in_one_line(tmp_path):
    fixtures.write_trio(tmp_path, A01)
    done = course_rnn("report", A01, "--course-dir", tmp_path)
    assert done.returncode == 1 and "grade it first" in done.stderr and "Traceback" not in done.stderr
