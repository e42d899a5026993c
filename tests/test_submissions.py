"""Every assignment under plain ``nbgrader autograde``: the solution keeps every point, the
untouched release gets none, each hand-written submission of tests/submissions/<assignment>/
loses points in exactly the test cells its docstring names (the correct ones in other styles
keep full marks), and a submission grades in under a minute.

Per assignment, everything is graded in one ``nbgrader autograde`` run, once per test session
(tests/test_grading_e2e.py compares the sandboxed grader with the same run).
"""

import pytest

from submission_cases import CATALOGUE, assert_case, graded_by_nbgrader, graded_cells, load_cases

pytestmark = pytest.mark.slow

ASSIGNMENTS = sorted(p.name for p in CATALOGUE.iterdir() if p.is_dir())
CASES = [pytest.param(a, case, id=f"{a}-{case.name}") for a in ASSIGNMENTS for case in load_cases(a)]


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    return graded_by_nbgrader(tmp_path_factory, request.param)


def test_every_assignment_has_a_catalogue():
    assert ASSIGNMENTS == sorted(p.name for p in (CATALOGUE.parents[1] / "solutions").iterdir() if p.is_dir())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_catalogue_has_ten_buggy_and_two_correct_submissions(assignment):
    cases = load_cases(assignment)
    assert sum(1 for case in cases if case.lose) >= 10
    assert sum(1 for case in cases if not case.lose) >= 2


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_catalogue_breaks_every_test_cell(assignment):
    unbroken = set(graded_cells(assignment)) - set().union(*(case.lose for case in load_cases(assignment)))
    assert not unbroken, f"no submission of the catalogue loses {sorted(unbroken)}"


def test_solution_keeps_every_point_and_the_untouched_release_gets_none(graded):
    points = graded_cells(graded.assignment)
    assert graded.scores["reference"] == {g: (p, p) for g, p in points.items()}
    assert all(score == 0 for score, _ in graded.scores["untouched"].values()), graded.scores["untouched"]


def test_one_submission_grades_in_under_a_minute_of_cpu_time(graded):
    """CPU seconds of nbgrader and its kernels, not wall-clock time: a busy machine slows the
    run, not the work it does."""
    per_submission = graded.cpu_seconds / graded.submissions
    print(f"{graded.assignment}: {graded.submissions} submissions in {graded.seconds:.0f} s "
          f"({graded.cpu_seconds:.0f} CPU s) under plain nbgrader autograde, {per_submission:.1f} CPU s each")
    assert per_submission < 60


@pytest.mark.parametrize("graded, case", CASES, indirect=["graded"])
def test_submission_loses_points_exactly_where_it_is_wrong(graded, case):
    assert_case(case, graded.scores)
