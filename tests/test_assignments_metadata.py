"""What the grader reads from the notebooks' metadata agrees with what students read: every
hidden-test cell names the one part it belongs to, each part forbids exactly the tools its
Rules and task text forbid, and ``check_array`` reports the quantity it tests."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from course_rnn.grading.checks import check_array

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(p.name for p in (REPO / "solutions").iterdir() if any(p.glob("*.ipynb")))

HAND = {"course_rnn", "torch", "torch.autograd", "numerical_gradient"}
# The forbidden tools of each solution cell, as the notebook's **Rules.** paragraph and the
# part's own text state them ("numpy only" forbids torch; torch.autograd is listed beside
# torch where the part's text names it).
RULES = {
    "a01_rnn_forward_bptt": {  # "course_rnn, torch and numerical_gradient are not allowed in your solutions"
        **dict.fromkeys(("rnn_step_forward", "rnn_forward", "gradient_check", "clip_gradients"),
                        {"course_rnn", "torch", "numerical_gradient"}),
        **dict.fromkeys(("rnn_backward", "output_forward", "loss_and_gradients"), HAND)},
    "a02_generation": dict.fromkeys(  # "numpy only: course_rnn and torch are not allowed"
        ("next_char_distribution", "greedy", "sample", "top_k_filter", "beam_search", "perplexity"),
        {"course_rnn", "torch"}),
    "a03_lstm_gru": {  # "Parts A to D: numpy only ... torch.autograd, course_rnn, numerical_gradient"
        **dict.fromkeys(("lstm_step_forward", "lstm_step_backward", "lstm_forward", "gru_step_forward"), HAND),
        "LSTMCellScratch": {"course_rnn", "torch.nn.rnn"}},
    "a04_sequence_tasks": dict.fromkeys(  # "numpy and torch (not the course package course_rnn)"
        ("pad_batch_first", "masked_cross_entropy", "BiLSTMTagger", "BiLSTMClassifier", "train_tagger"),
        {"course_rnn"}),
    "a05_tree_lstm": {  # "numpy only: not course_rnn, not torch; in Part D ... numerical_gradient"
        **dict.fromkeys(("bottom_up_order", "child_sum_forward", "nary_forward"), {"course_rnn", "torch"}),
        "node_softmax_loss": HAND},
}


def _cells(assignment):
    for path in sorted((REPO / "solutions" / assignment).glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            yield path.name, cell


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_test(cell):
    return bool(_nbgrader(cell).get("grade")) and not _nbgrader(cell).get("solution")


def test_the_rules_table_covers_every_assignment():
    assert sorted(RULES) == ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_grade_cell_names_exactly_one_part_a_solution_cell_of_its_notebook(assignment):
    solutions = {}
    for notebook, cell in _cells(assignment):
        if _nbgrader(cell).get("solution"):
            solutions.setdefault(notebook, []).append(_nbgrader(cell)["grade_id"])
    tests = 0
    for notebook, cell in _cells(assignment):
        if not _is_test(cell):
            continue
        tests += 1
        name = _nbgrader(cell)["grade_id"]
        part = cell.get("metadata", {}).get("course_rnn", {}).get("part")
        assert isinstance(part, str), f"{name}: metadata course_rnn.part must be one solution grade_id, got {part!r}"
        assert part in solutions.get(notebook, []), (
            f"{name}: its part {part!r} is not a solution cell of {notebook} ({solutions.get(notebook)})")
    assert tests > 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_part_is_the_solution_cell_above_its_tests(assignment):
    """Parts are declared, not guessed; in these notebooks a test follows its part's solution cell."""
    part = None
    for _, cell in _cells(assignment):
        if _nbgrader(cell).get("solution"):
            part = _nbgrader(cell)["grade_id"]
        elif _is_test(cell):
            assert cell["metadata"]["course_rnn"]["part"] == part, _nbgrader(cell)["grade_id"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_forbid_metadata_is_what_the_rules_and_the_part_text_say(assignment):
    markdown = [_source(c) for _, c in _cells(assignment) if c["cell_type"] == "markdown"]
    rules = next(text for text in markdown if "**Rules.**" in text)
    rules = rules[rules.index("**Rules.**"):].split("\n\n")[0]
    part_text, solutions = "", {}
    for _, cell in _cells(assignment):
        if cell["cell_type"] == "markdown":
            part_text = _source(cell) if _source(cell).startswith("## Part") else part_text + _source(cell)
        elif _nbgrader(cell).get("solution"):
            solutions[_nbgrader(cell)["grade_id"]] = (cell, part_text)
    assert sorted(solutions) == sorted(RULES[assignment])
    for grade_id, (cell, text) in solutions.items():
        forbid = cell.get("metadata", {}).get("course_rnn", {}).get("forbid")
        assert isinstance(forbid, list) and set(forbid) == RULES[assignment][grade_id], (
            f"{assignment}/{grade_id} forbids {forbid}; its Rules forbid {sorted(RULES[assignment][grade_id])}")
        for tool in forbid:
            said = (rules + text).lower()
            named = (f"`{tool}`" in rules + text or (tool == "torch" and "numpy only" in said)
                     or (tool == "torch.autograd" and "automatic differentiation" in said))
            assert named, f"{assignment}/{grade_id} forbids {tool}, which neither the Rules nor the part's text name"
        for sentence in re.split(r"(?<=[.:;])\s", text):
            if "not allowed" in sentence:
                for tool in re.findall(r"`([\w.]+)`(?!'s)", sentence):
                    if tool in HAND:
                        assert tool in forbid, f"{assignment}/{grade_id}: the part says {tool} is not allowed"


def test_check_array_reports_the_multiple_of_the_allowed_error_that_np_allclose_tests():
    want = np.array([1.0, -2.0, 0.0, 4.0])
    rtol, atol = 1e-10, 1e-12
    allowed = atol + rtol * np.abs(want)       # np.allclose's test, entry by entry
    check_array("x", want + 0.99 * allowed, want, rtol=rtol, atol=atol)   # inside: passes
    got = want.copy()
    got[3] += 3 * allowed[3]                   # the worst entry: 3 times what it may differ
    got[2] += 2 * allowed[2]
    with pytest.raises(AssertionError) as failure:
        check_array("x", got, want, rtol=rtol, atol=atol, hint="Revisit the softmax.")
    message = str(failure.value)
    assert "3.0e+00 times" in message and "rtol=1e-10, atol=1e-12" in message
    assert message.endswith("Revisit the softmax.")


def test_check_array_never_reports_a_failure_as_within_the_tolerance():
    """The old message printed |a - b| / (|a| + |b|), which can be below rtol when allclose fails."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        want = rng.standard_normal(6) * 10.0 ** rng.integers(-14, 3)
        got = want * (1 + rng.choice([-1, 1], 6) * 10.0 ** rng.uniform(-12, -8, 6))
        if np.allclose(got, want, rtol=1e-10, atol=1e-12):
            check_array("x", got, want, rtol=1e-10, atol=1e-12)
            continue
        with pytest.raises(AssertionError) as failure:
            check_array("x", got, want, rtol=1e-10, atol=1e-12)
        multiple = float(re.search(r"largest error is ([0-9.e+-]+) times", str(failure.value)).group(1))
        assert multiple > 1.0


def test_check_array_with_no_absolute_tolerance_and_exact_zeros():
    want = np.array([0.0, 1.0])
    check_array("x", want.copy(), want, rtol=1e-10, atol=0.0)
    with pytest.raises(AssertionError, match=r"inf times"):
        check_array("x", np.array([1e-300, 1.0]), want, rtol=1e-10, atol=0.0)


# Each assignment's introduction names the chapter sections it builds on; they must exist.

BUILDS_ON = "**Builds on, and what is new here.**"


def _headings(markdown):
    """The text of every Markdown heading of a page outside its fenced blocks (a ``# comment``
    in a code cell is no heading), whitespace collapsed."""
    headings, fence = set(), None
    for line in markdown.splitlines():
        opening = re.match(r"\s*(`{3,}|~{3,})", line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None:
            if re.fullmatch(rf"\s*{fence[0]}{{{len(fence)},}}\s*", line):
                fence = None
        elif heading := re.match(r"#{1,6}\s+(.+?)(?:\s+#+)?\s*$", line):
            headings.add(" ".join(heading.group(1).split()))
    return headings


def _chapter_files():
    """``{title: page}`` for every chapter of book/: its ``# `` title and the part before a colon
    (*Sequence labelling* for "Sequence labelling: part-of-speech tagging")."""
    files = {}
    for page in sorted((REPO / "book").glob("*.md")):
        titles = re.findall(r"^# (.+)$", page.read_text(encoding="utf-8"), re.M)
        if titles:
            files.setdefault(titles[0].strip(), page)
            files.setdefault(titles[0].split(":")[0].strip(), page)
    return files


def builds_on_references(notebook):
    """``[(section, chapter, page)]`` named by the first sentence of the introduction's
    **Builds on, and what is new here.** paragraph: clauses ``*S1*, *S2* and *S3* of *Chapter*``
    joined by semicolons.  A chapter is the page the introduction's own table links beside that
    name (``*LSTM* (`book/lstm.md`)``), or the page whose title it is."""
    assignment = notebook.parent.name
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    introduction = [_source(c) for c in cells[:next(i for i, c in enumerate(cells) if c["cell_type"] == "code")]]
    holding = [text for text in introduction if BUILDS_ON in text]
    assert len(holding) == 1 and sum(BUILDS_ON in _source(c) for c in cells) == 1, (
        f"{assignment}: the paragraph {BUILDS_ON} must be in the introduction, once")
    text = " ".join(holding[0].split())
    paragraph = text[text.index(BUILDS_ON) + len(BUILDS_ON):].strip()
    sentence = re.match(r"(.+?\.)(?:\s|$)", paragraph).group(1)
    linked = {name: REPO / page for name, page in re.findall(r"\*(\S[^*]*?)\* \(`(book/[\w-]+\.md)`\)", text)}
    titled = _chapter_files()
    references = []
    for clause in re.split(r";\s*", sentence.rstrip(".")):
        match = re.fullmatch(r"(.*) of \*([^*]+)\*", clause)
        assert match, f"{assignment}: cannot read {clause!r} as '*Section* ... of *Chapter*'"
        sections, chapter = re.findall(r"\*([^*]+)\*", match.group(1)), match.group(2)
        assert sections, f"{assignment}: {clause!r} names no section"
        pages = {p for p in (linked.get(chapter), titled.get(chapter)) if p is not None}
        assert len(pages) == 1, f"{assignment}: chapter *{chapter}* is {sorted(map(str, pages)) or 'no page of book/'}"
        (page,) = pages
        references += [(section, chapter, page) for section in sections]
    return references


@pytest.mark.parametrize("notebook", sorted((REPO / "solutions").glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_every_chapter_section_an_assignment_builds_on_is_a_heading_of_that_chapter(notebook):
    assignment = notebook.parent.name
    references = builds_on_references(notebook)
    assert references, f"{assignment}: its {BUILDS_ON} paragraph names no section"
    for section, chapter, page in references:
        headings = _headings(page.read_text(encoding="utf-8"))
        assert section in headings, (
            f"{assignment} builds on *{section}* of *{chapter}*, which is no heading of "
            f"{page.relative_to(REPO)} ({sorted(headings)})")
