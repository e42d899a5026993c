"""a04_sequence_tasks under plain nbgrader: the solution keeps every point, the untouched
release gets none, and each hand-written submission of tests/submissions/a04_sequence_tasks/
loses points in exactly the test cells its bug breaks (correct ones in other styles keep
full marks).  All of them are graded in one ``nbgrader autograde`` run."""

import json
import time

import pytest

from submission_cases import (REPO, assert_case, autograde_scores, load_cases, solution_sources, graded_cells,
                              write_submissions)

pytestmark = pytest.mark.slow
ASSIGNMENT = "a04_sequence_tasks"
CASES = load_cases(ASSIGNMENT)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("a04-course")
    write_submissions(course, ASSIGNMENT, CASES)
    reference = course / "submitted" / "reference_solution" / ASSIGNMENT
    untouched = course / "submitted" / "untouched_release" / ASSIGNMENT
    for folder in (reference, untouched):
        folder.mkdir(parents=True)
    solutions = solution_sources(ASSIGNMENT)
    for notebook in (REPO / "exercises" / ASSIGNMENT).glob("*.ipynb"):
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        (untouched / notebook.name).write_text(json.dumps(nb), encoding="utf-8")
        for cell in nb["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution"):
                cell["source"] = solutions[meta["grade_id"]]
        (reference / notebook.name).write_text(json.dumps(nb), encoding="utf-8")
    start = time.perf_counter()
    scores = autograde_scores(course, ASSIGNMENT)
    seconds = time.perf_counter() - start
    return scores, seconds / (len(CASES) + 2)


def test_reference_solution_keeps_every_point(graded):
    scores, _ = graded
    assert scores["reference_solution"] == {g: (p, p) for g, p in graded_cells(ASSIGNMENT).items()}


def test_untouched_release_gets_no_point(graded):
    scores, _ = graded
    assert all(score == 0 for score, _ in scores["untouched_release"].values()), scores["untouched_release"]


def test_catalogue_has_ten_realistic_bugs_and_two_correct_styles():
    assert sum(1 for case in CASES if case.lose) >= 10
    assert sum(1 for case in CASES if not case.lose) >= 2


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_submission_loses_points_exactly_where_its_bug_is(graded, case):
    scores, _ = graded
    assert_case(case, scores)


def test_one_submission_grades_within_a_minute(graded):
    _, seconds_per_submission = graded
    assert seconds_per_submission < 60, f"{seconds_per_submission:.0f} s per submission under plain nbgrader"
