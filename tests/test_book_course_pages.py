"""The course pages of the built book: each assignment page says what its released notebook
says and links a downloadable copy of the student version (never a solution), an
unreleased assignment says so, and the instructors' page covers every command with the
options the installed version has."""

import argparse
import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, _parse
from course_rnn.cli import parser

ASSIGNMENTS = ["a01_rnn_forward_bptt", "a02_generation", "a03_lstm_gru", "a04_sequence_tasks", "a05_tree_lstm"]


def _text(page):
    return re.sub(r"\s+", " ", "".join(_parse(page).text))


def _downloads(page):
    return [(page.parent / attrs["href"]).resolve() for tag, attrs in _parse(page).tags
            if tag == "a" and "_downloads/" in attrs.get("href", "")]


def _nbgrader_points(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return sum(c["metadata"].get("nbgrader", {}).get("points", 0) for c in cells
               if c["metadata"].get("nbgrader", {}).get("grade"))


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_assignment_page_matches_its_release_and_links_the_student_notebook(built_book, name):
    page = built_book / "book" / "assignments" / f"{name}.html"
    assert page.is_file(), f"{page} was not built"
    text = _text(page)
    assert "Traceback" not in text
    notebooks = sorted((ROOT / "exercises" / name).glob("*.ipynb"))
    if not notebooks:
        assert "is not released yet" in text and f"course-rnn release {name}" in text
        assert not _downloads(page)
        return
    total = sum(_nbgrader_points(nb) for nb in notebooks)
    assert f"Points: {total:g} in" in text, f"the page does not give nbgrader's total of {total:g} points"
    headings = [m for nb in notebooks for m in re.findall(
        r"## Part (\w+) \((\d+) points?\)", nb.read_text(encoding="utf-8"))]
    assert headings
    table = re.sub(r"\s+", " ", page.read_text(encoding="utf-8"))
    for label, points in headings:
        assert re.search(rf"<td><p>{label}</p></td>.*?<td><p>{points}</p></td>", table), \
            f"Part {label} ({points} points) is not in the table"
    downloads = _downloads(page)
    assert {d.name for d in downloads} >= {nb.name for nb in notebooks}
    for nb in notebooks:
        copy = next(d for d in downloads if d.name == nb.name)
        assert copy.is_file(), f"the download link {copy} points nowhere"
        assert copy.read_bytes() == nb.read_bytes(), "the download is not the released notebook"
        assert "BEGIN SOLUTION" not in copy.read_text() and "BEGIN HIDDEN TESTS" not in copy.read_text()


def test_nothing_from_solutions_is_downloadable(built_book):
    """A download may equal a file of solutions/ only if the release has the same file
    (data shipped with an assignment); a solution notebook never."""
    for download in (built_book / "_downloads").rglob("*"):
        if download.is_file():
            for source in ROOT.glob(f"solutions/**/{download.name}"):
                released = ROOT / "exercises" / source.relative_to(ROOT / "solutions")
                if released.is_file() and released.read_bytes() == source.read_bytes():
                    continue
                assert download.read_bytes() != source.read_bytes(), f"{download} is from solutions/"


def test_assignments_index_lists_every_assignment_with_a_link_to_its_page(built_book):
    page = built_book / "book" / "assignments" / "index.html"
    links = {attrs.get("href") for tag, attrs in _parse(page).tags if tag == "a"}
    for name in ASSIGNMENTS:
        assert f"{name}.html" in links, f"the index does not link {name}"
        assert (page.parent / f"{name}.html").is_file()
    released = [n for n in ASSIGNMENTS if list((ROOT / "exercises" / n).glob("*.ipynb"))]
    assert _text(page).count("not released yet") == len(ASSIGNMENTS) - len(released)


def test_instructors_page_gives_every_step_with_its_plain_nbgrader_command_and_current_options(built_book):
    text = _text(built_book / "book" / "instructors.html")
    assert "Traceback" not in text
    for command in ("course-rnn build", "course-rnn release A", "course-rnn grade", "course-rnn feedback",
                    "course-rnn export", "jupyter-book build", "nbgrader generate_assignment",
                    "nbgrader autograde", "nbgrader generate_feedback", "nbgrader export"):
        assert command in text, f"the instructors' page does not mention {command!r}"
    subcommands = next(a for a in parser()._actions if a.dest == "command").choices
    for name, sub in subcommands.items():
        for action in sub._actions:
            if action.help == argparse.SUPPRESS:  # kept for old scripts, not documented
                continue
            for flag in action.option_strings:
                assert flag in text, f"course-rnn {name} {flag} is not on the instructors' page"
