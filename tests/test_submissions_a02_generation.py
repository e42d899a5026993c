"""a02_generation: every hand-written submission in tests/submissions/a02_generation/ loses
points in exactly the test cells its docstring names, under plain ``nbgrader autograde``.

All cases are graded in one autograde run (module fixture); each case is then one test.
"""

import time

import pytest

from submission_cases import assert_case, autograde_scores, graded_cells, load_cases, write_submissions

pytestmark = pytest.mark.slow

ASSIGNMENT = "a02_generation"
CASES = load_cases(ASSIGNMENT)


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    course_dir = tmp_path_factory.mktemp("course")
    write_submissions(course_dir, ASSIGNMENT, CASES)
    start = time.perf_counter()
    graded = autograde_scores(course_dir, ASSIGNMENT)
    seconds = time.perf_counter() - start
    print(f"{ASSIGNMENT}: {len(CASES)} submissions graded in {seconds:.0f} s "
          f"({seconds / len(CASES):.1f} s each)")
    return graded


def test_catalogue_has_ten_buggy_and_two_correct_submissions():
    assert sum(1 for case in CASES if case.lose) >= 10
    assert sum(1 for case in CASES if not case.lose) >= 2


def test_catalogue_breaks_every_part():
    assert set().union(*(case.lose for case in CASES)) == set(graded_cells(ASSIGNMENT))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_submission_loses_points_exactly_where_it_is_wrong(case, scores):
    assert_case(case, scores)
