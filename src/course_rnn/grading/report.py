"""``course-rnn report ASSIGNMENT``: one HTML page on what the class got right and wrong.

Read after grading, from three places: nbgrader's gradebook (the score of every test cell,
manual scores included), the commit markers in ``autograded/`` (status, reason, grading
time) and the autograded notebooks (the message each failed hidden test printed).  The
page shows the score histogram, per-part and per-test pass rates, the ten most common
failure messages (numbers replaced by ``#`` so that one mistake is one line), every status
with its reason, grading times, which parts are failed together, and the most similar
pairs of submissions (:mod:`~course_rnn.grading.similarity`) side by side.

A test *passes* when it kept all its points; a part passes when all its tests do.  The
page is self-contained: figures are embedded PNGs, the tables sort with a few lines of
inline JavaScript, nothing is loaded from the network.
"""

import base64
import html
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course_rnn.grading import notebooks as nbs
from course_rnn.grading import record
from course_rnn.grading.errors import GradingInputError
from course_rnn.grading.paths import COURSE_ID, gradebook_url
from course_rnn.grading.validate import check_assignment, check_course_dir

_NUMBER = re.compile(r"(?<![A-Za-z_])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass
class ClassResults:
    """One assignment's grades, test by test, for every student in the gradebook."""

    assignment: str
    tests: dict                      # test grade_id -> (part, points), in notebook order
    scores: dict                     # student -> {test grade_id: score}
    statuses: dict = field(default_factory=dict)   # student -> marker dict (status, reason, seconds)
    messages: dict = field(default_factory=dict)   # student -> {test grade_id: failure message}

    @property
    def students(self):
        return sorted(self.scores)

    @property
    def parts(self):
        return list(dict.fromkeys(part for part, _ in self.tests.values()))

    def passed(self, student, test):
        return self.scores[student].get(test, 0.0) >= self.tests[test][1] > 0 or (
            self.tests[test][1] == 0 and self.scores[student].get(test) is not None)

    def part_score(self, student, part):
        return sum(self.scores[student].get(t, 0.0) for t, (p, _) in self.tests.items() if p == part)

    def part_passed(self, student, part):
        return all(self.passed(student, t) for t, (p, _) in self.tests.items() if p == part)

    def total(self, student):
        return sum(self.scores[student].get(t, 0.0) for t in self.tests)

    @property
    def max_score(self):
        return sum(points for _, points in self.tests.values())


def test_cells(course, assignment):
    """``{test grade_id: (part, points)}`` from the instructor notebooks, in order; a part is
    a solution cell's grade_id."""
    tests = {}
    for path in course.notebooks(assignment):
        task = None
        for cell in nbs.source_cells(json.loads(path.read_text(encoding="utf-8"))):
            if cell.kind == "solution":
                task = cell.grade_id
            elif cell.kind == "test":  # a test not named after its part checks the task above it
                tests[cell.grade_id] = (cell.part or task or cell.grade_id, cell.points)
    return tests


def gradebook_scores(course, assignment, tests):
    """``{student: {test grade_id: score}}`` from nbgrader's gradebook (manual score if any)."""
    api = record.nbgrader_api()
    scores = {}
    with api.Gradebook(gradebook_url(course), COURSE_ID) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except api.MissingEntry:
            return {}
        for submission in submissions:
            cells = scores.setdefault(submission.student.id, {})
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name in tests:
                        cells[grade.name] = float(grade.score or 0.0)
    return scores


def class_results(course, assignment):
    """Everything the report shows about ``assignment`` (GradingInputError if nothing graded)."""
    check_course_dir(course)
    check_assignment(course, assignment)
    tests = test_cells(course, assignment)
    url = gradebook_url(course)
    exists = not url.startswith("sqlite:///") or Path(url[len("sqlite:///"):]).is_file()
    scores = gradebook_scores(course, assignment, tests) if exists else {}
    if not scores:
        raise GradingInputError(f"no graded submission of {assignment} in the gradebook; "
                                f"grade it first (course-rnn grade {assignment})")
    results = ClassResults(assignment, tests, scores)
    elsewhere = _graded_elsewhere(url, assignment)
    for student in scores:
        results.statuses[student] = record.marker(course, assignment, student) or elsewhere.get(student, {})
        results.messages[student] = failure_messages(course, assignment, student, tests)
    return results


def _graded_elsewhere(url, assignment):
    """Statuses that another machine sharing a PostgreSQL gradebook recorded (its autograded
    notebooks, and so its failure messages, are on that machine)."""
    from course_rnn.grading.claims import connect, is_postgres

    if not is_postgres(url):
        return {}
    with connect(url) as connection:
        try:
            rows = connection.execute("SELECT student, status, graded_by FROM course_rnn_graded "
                                      "WHERE assignment = %s", (assignment,)).fetchall()
        except Exception:  # noqa: BLE001 -- no such table: nothing was graded with claims
            return {}
    return {student: {"status": status, "reason": f"graded on {by}"} for student, status, by in rows}


def failure_messages(course, assignment, student, tests):
    """``{test grade_id: first line of what the failed hidden test said}`` from the
    autograded notebooks (the error's ``Name: value``, else the last printed line)."""
    found = {}
    for path in sorted((course.step("autograded") / student / assignment).glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for cell in cells:
            grade_id = nbs.nbgrader_meta(cell).get("grade_id")
            if grade_id not in tests:
                continue
            outputs = cell.get("outputs", [])
            errors = [o for o in outputs if o.get("output_type") == "error"]
            printed = "".join(nbs.source_text({"source": o.get("text", "")}) for o in outputs
                              if o.get("output_type") == "stream").strip().splitlines()
            if errors:
                first = (str(errors[-1].get("evalue", "")).strip().splitlines() or [""])[0]
                found[grade_id] = f"{errors[-1].get('ename', 'Error')}: {first}".rstrip(": ")
            elif printed:
                found[grade_id] = printed[-1]
    return found


def message_group(message):
    """A failure message with its numbers replaced by ``#`` (one mistake, one line)."""
    return _NUMBER.sub("#", message)


def common_failures(results, top=10):
    """``[(message with #, students, tests)]``: the ``top`` messages of failed tests, by the
    number of students who got each."""
    students, where = Counter(), {}
    for student in results.students:
        mine = set()
        for test in results.tests:
            if not results.passed(student, test):
                group = message_group(results.messages[student].get(test, "(no message: the test did not run)"))
                mine.add(group)
                where.setdefault(group, set()).add(test)
        students.update(mine)
    ranked = sorted(students.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [(message, n, sorted(where[message])) for message, n in ranked]


def part_correlations(results):
    """``[(C, D, failed C, failed C and D, phi)]`` for every ordered pair of parts that
    both were failed by someone, most correlated first (phi: the correlation of the two
    failure indicators, nan when a part was failed by everyone)."""
    parts = results.parts
    failed = {p: np.array([not results.part_passed(s, p) for s in results.students], dtype=float) for p in parts}
    rows = []
    for c in parts:
        for d in parts:
            if c == d or not failed[c].any() or not failed[d].any():
                continue
            both = int((failed[c] * failed[d]).sum())
            phi = _correlation(failed[c], failed[d])
            rows.append((c, d, int(failed[c].sum()), both, phi))
    return sorted(rows, key=lambda r: (-(r[4] if np.isfinite(r[4]) else -2), r[0], r[1]))


def _correlation(a, b):
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def write_report(course, assignment, to=None, similar=10):
    """Write the report page (default ``reports/<assignment>.html`` in the course
    directory) and return its path."""
    from course_rnn.grading import similarity

    results = class_results(course, assignment)
    pairs = similarity.similar_pairs(similarity.submitted_cells(course, assignment),
                                     similarity.given_cells(course, assignment), top=similar, minimum=0.0)
    cells = similarity.submitted_cells(course, assignment) if pairs else {}
    to = Path(to).resolve() if to is not None else course.course_dir / "reports" / f"{assignment}.html"
    to.parent.mkdir(parents=True, exist_ok=True)
    to.write_text(render(results, pairs, cells), encoding="utf-8")
    return to


# The page.

_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(th => {
  th.addEventListener('click', () => {
    const column = th.cellIndex;
    const body = th.closest('table').tBodies[0];
    const up = th.dataset.order !== 'up';
    th.closest('tr').querySelectorAll('th').forEach(h => { delete h.dataset.order; });
    th.dataset.order = up ? 'up' : 'down';
    const key = row => {
      const cell = row.cells[column];
      const value = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent;
      const number = parseFloat(value);
      return isNaN(number) ? value.toLowerCase() : number;
    };
    const rows = [...body.rows].sort((a, b) => {
      const x = key(a), y = key(b);
      return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
    });
    rows.forEach(row => body.appendChild(row));
  });
});
"""

_STYLE = """
body { font-family: sans-serif; max-width: 70em; margin: 1em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #eee; cursor: pointer; user-select: none; }
th[data-order=up]::after { content: " \\25B2"; } th[data-order=down]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; }
.side { display: flex; gap: 1em; } .side pre { flex: 1; overflow-x: auto; background: #f6f6f6; padding: 0.5em; }
.note { color: #555; }
"""


def _figure(draw):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    draw(ax)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{data}">'


def _table(headers, rows, numeric=()):
    """A sortable table; ``rows`` hold (text, sort value) pairs or plain values."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            text, key = value if isinstance(value, tuple) else (value, None)
            attrs = ' class="num"' if i in numeric else ""
            if key is not None:
                attrs += f' data-value="{html.escape(str(key))}"'
            cells.append(f"<td{attrs}>{text if isinstance(text, _Html) else html.escape(str(text))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="sortable"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


class _Html(str):
    """Text already escaped."""


def _percent(n, total):
    return (f"{100 * n / total:.0f}% ({n}/{total})", n / total) if total else ("-", 0)


def render(results, pairs=(), cells=None):
    """The report page as one HTML string."""
    students, n = results.students, len(results.students)
    totals = [results.total(s) for s in students]
    top = results.max_score
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>Report: {html.escape(results.assignment)}</title><style>{_STYLE}</style></head><body>",
           f"<h1>{html.escape(results.assignment)}: {n} submissions</h1>",
           f"<p>Mean score {np.mean(totals):.2f} of {top:g}, median {np.median(totals):g}; "
           f"{sum(t >= top for t in totals)} with full marks, {sum(t == 0 for t in totals)} with none.</p>"]

    def histogram(ax):
        ax.hist(totals, bins=np.arange(-0.5, top + 1.5, 1.0), color="#4477aa", edgecolor="white")
        ax.set_xlabel(f"score (of {top:g})")
        ax.set_ylabel("students")
        ax.set_title("Scores")
    out += ["<h2 id='scores'>Score histogram</h2>", _figure(histogram)]

    parts = results.parts
    part_rate = {p: sum(results.part_passed(s, p) for s in students) for p in parts}
    out.append("<h2 id='parts'>Parts</h2>")

    def part_bars(ax):
        ax.barh(range(len(parts)), [part_rate[p] / n for p in parts], color="#66aa55")
        ax.set_yticks(range(len(parts)), parts)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("fraction of students passing every test of the part")
    out.append(_figure(part_bars))
    out.append(_table(["part", "points", "mean points", "passed"],
                      [(p, f"{sum(pts for q, pts in results.tests.values() if q == p):g}",
                        f"{np.mean([results.part_score(s, p) for s in students]):.2f}",
                        _percent(part_rate[p], n)) for p in parts], numeric=(1, 2, 3)))

    out.append("<h2 id='tests'>Hidden tests</h2>")
    out.append(_table(["test", "part", "points", "passed"],
                      [(t, part, f"{pts:g}", _percent(sum(results.passed(s, t) for s in students), n))
                       for t, (part, pts) in results.tests.items()], numeric=(2, 3)))

    out.append("<h2 id='failures'>Most common failure messages</h2>"
               "<p class='note'>Numbers replaced by #; a student counts once per message.</p>")
    out.append(_table(["students", "tests", "message"],
                      [(count, ", ".join(tests), message) for message, count, tests in common_failures(results)],
                      numeric=(0,)))

    out.append("<h2 id='statuses'>Statuses</h2>")
    counts = Counter(results.statuses[s].get("status", "unknown") for s in students)
    out.append(_table(["status", "students"], sorted(counts.items(), key=lambda i: -i[1]), numeric=(1,)))
    out.append(_table(["student", "status", "score", "seconds", "reason"],
                      [(s, results.statuses[s].get("status", "unknown"), (f"{results.total(s):g}", results.total(s)),
                        _seconds(results.statuses[s].get("seconds")), results.statuses[s].get("reason", ""))
                       for s in students], numeric=(2, 3)))

    seconds = [results.statuses[s]["seconds"] for s in students
               if isinstance(results.statuses[s].get("seconds"), (int, float))]
    out.append("<h2 id='time'>Grading time per submission</h2>")
    if seconds:
        out.append(f"<p>Median {np.median(seconds):.1f} s, longest {max(seconds):.1f} s, "
                   f"total {sum(seconds):.0f} s of worker time.</p>")

        def times(ax):
            ax.hist(seconds, bins=20, color="#aa7744", edgecolor="white")
            ax.set_xlabel("seconds")
            ax.set_ylabel("submissions")
        out.append(_figure(times))
    else:
        out.append("<p class='note'>Not recorded (graded before grading times were kept).</p>")

    out.append("<h2 id='correlations'>Parts failed together</h2>"
               "<p class='note'>Of the students who failed part C, how many also failed part D; "
               "phi is the correlation of the two failures across the class.</p>")
    rows = part_correlations(results)
    out.append(_table(["failed C", "also failed D", "students failing C", "of them failing D", "phi"],
                      [(c, d, k, _percent(both, k), (f"{phi:.2f}" if np.isfinite(phi) else "-",
                                                    phi if np.isfinite(phi) else -2))
                       for c, d, k, both, phi in rows], numeric=(2, 3, 4)))
    matrix = np.array([[_correlation(*(np.array([not results.part_passed(s, p) for s in students], float)
                                       for p in (c, d))) for d in parts] for c in parts])
    if np.isfinite(matrix).any():
        def heatmap(ax):
            image = ax.imshow(np.nan_to_num(matrix), cmap="RdBu_r", vmin=-1, vmax=1)
            ax.set_xticks(range(len(parts)), parts, rotation=60, ha="right", fontsize=7)
            ax.set_yticks(range(len(parts)), parts, fontsize=7)
            ax.figure.colorbar(image, ax=ax, label="phi of failures")
        out.append(_figure(heatmap))

    out.append("<h2 id='similar'>Similar submissions</h2>"
               "<p class='note'>Solution cells compared after normalising names, literals, comments and "
               "formatting; the reference solution and the released skeleton do not count. A high score "
               "is a reason to read both notebooks, never a verdict.</p>")
    if pairs:
        out.append(_table(["student A", "student B", "similarity", "most similar cells"],
                          [(p.a, p.b, f"{p.score:.2f}", ", ".join(f"{g} ({x:.2f})" for g, x in p.cells[:3]))
                           for p in pairs], numeric=(2,)))
        for p in pairs:
            if not p.cells:
                continue
            grade_id = p.cells[0][0]
            out.append(f"<h3>{html.escape(p.a)} and {html.escape(p.b)}: {html.escape(grade_id)} "
                       f"({p.cells[0][1]:.2f})</h3><div class='side'>"
                       + "".join(f"<pre>{html.escape((cells or {}).get(s, {}).get(grade_id, ''))}</pre>"
                                 for s in (p.a, p.b)) + "</div>")
    else:
        out.append("<p>No pair shares code beyond the reference and the skeleton.</p>")
    out.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(out)


def _seconds(value):
    return (f"{value:.1f}", value) if isinstance(value, (int, float)) else ("-", -1)
