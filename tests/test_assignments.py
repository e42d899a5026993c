"""course_rnn.assignments reads what an assignment asks from its released notebooks: title,
parts with their points and chapters, the functions asked for, and what each hidden test
checks; a missing or broken release is reported clearly."""

import json
from pathlib import Path

import nbformat
import pytest

from course_rnn.assignments import assignment_page, catalogue_table, not_released_page, read_assignment

ROOT = Path(__file__).resolve().parents[1]


def _grade_cell(source, **nbgrader):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"schema_version": 3, "locked": True, **nbgrader}
    return cell


def _release(folder, name="work.ipynb", part_b_points=3, builds_on="Builds on: the chapter *LSTM* (`book/lstm.md`)."):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Assignment 9: a test\n\nYou will write two functions.\n\n**Learning goals.** After it you can\n\n"
            "- do one thing;\n- do another\n  thing on two lines.\n\n**Time.** About 2 hours.\n"),
        nbformat.v4.new_markdown_cell(f"## Part A (2 points): the first step\n\n{builds_on}\n\nDo it."),
        _grade_cell("def first(x):\n    raise NotImplementedError()", solution=True, grade=False, grade_id="first",
                    locked=False),
        _grade_cell('"""Self-check for Part A."""\nassert True', grade=False, grade_id="check_first"),
        _grade_cell('"""Hidden test (2 points): first matches the reference\non random inputs."""',
                    grade=True, points=2, grade_id="test_first"),
        nbformat.v4.new_markdown_cell(f"## Part B ({part_b_points} points): the second | step"),
        _grade_cell("def second(x):\n    pass\n\n\ndef helper(y):\n    pass", solution=True, grade=False,
                    grade_id="second", locked=False),
        _grade_cell('"""Hidden test (1 point): second, shapes."""', grade=True, points=1, grade_id="test_second_a"),
        _grade_cell('"""Hidden test (2 points): second, values."""', grade=True, points=2, grade_id="test_second_b"),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder


def test_parts_points_chapters_functions_and_tests_are_read_from_the_release(tmp_path):
    a = read_assignment(_release(tmp_path / "exercises" / "a09_test"))
    assert a.name == "a09_test" and a.title == "Assignment 9: a test"
    assert a.summary == "You will write two functions."
    assert a.goals == ("do one thing;", "do another thing on two lines.")
    assert a.time == "About 2 hours."
    assert [(p.label, p.title, p.points) for p in a.parts] == [("A", "the first step", 2), ("B", "the second | step", 3)]
    assert a.parts[0].chapters == ("lstm",) and a.parts[1].chapters == ()
    assert a.parts[0].functions == ("first",) and a.parts[1].functions == ("second", "helper")
    assert [t.grade_id for t in a.parts[1].tests] == ["test_second_a", "test_second_b"]
    assert a.parts[0].tests[0].checks == "first matches the reference on random inputs."
    assert a.points == 5 and a.problems() == []


def test_a_part_whose_hidden_tests_do_not_add_up_to_its_points_is_reported(tmp_path):
    a = read_assignment(_release(tmp_path / "exercises" / "a09_test", part_b_points=4))
    assert a.problems() == ["Part B promises 4 points but its hidden tests are worth 3"]
    page = assignment_page(a, tmp_path / "book", tmp_path / "book" / "assignments")
    assert ":::{warning}\nPart B promises 4 points" in page


def test_every_released_assignment_reads_and_its_points_are_nbgraders():
    """Oracle: nbgrader's maximum score is the sum of the `points` of the grade cells."""
    releases = sorted(p for p in (ROOT / "exercises").iterdir() if p.is_dir())
    assert releases, "no assignment is released"
    for folder in releases:
        a = read_assignment(folder)
        cells = [c for nb in folder.glob("*.ipynb") for c in json.loads(nb.read_text())["cells"]]
        total = sum(c["metadata"].get("nbgrader", {}).get("points", 0) for c in cells
                    if c["metadata"].get("nbgrader", {}).get("grade"))
        assert a.points == total, f"{folder.name}: parts promise {a.points}, nbgrader gives {total}"
        assert a.parts and a.title.startswith("Assignment"), folder.name


def test_page_links_the_student_notebook_relative_to_the_page_and_the_chapter_by_its_title(tmp_path):
    release = _release(tmp_path / "exercises" / "a09_test")
    (release / "data.txt").write_text("shipped with the notebook")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "lstm.md").write_text("---\nx: 1\n---\n\n# Long short-term memory\n")
    page = assignment_page(read_assignment(release), tmp_path / "book", tmp_path / "book" / "assignments")
    assert "{download}`work.ipynb <../../exercises/a09_test/work.ipynb>`" in page
    assert "{download}`data.txt <../../exercises/a09_test/data.txt>`" in page
    assert '<a href="../lstm.html">Long short-term memory</a>' in page
    assert "the second &#124; step" in page, "a | in a title would split the table row"


def test_a_missing_release_raises_a_clear_error_and_the_page_says_it_is_not_released(tmp_path):
    with pytest.raises(FileNotFoundError, match="course-rnn release a02_generation"):
        read_assignment(tmp_path / "exercises" / "a02_generation")
    assert "not released yet" in not_released_page("a02_generation")
    table = catalogue_table(tmp_path / "exercises", ["a02_generation"])
    assert "| *not released yet* |" in table


def test_a_notebook_that_is_not_json_is_named_in_the_error(tmp_path):
    folder = tmp_path / "exercises" / "a09_test"
    folder.mkdir(parents=True)
    (folder / "broken.ipynb").write_text("{not json")
    with pytest.raises(ValueError, match="broken.ipynb is not a valid notebook"):
        read_assignment(folder)
