"""Every assignment scored by nbgrader's rule: the solution keeps every point, the untouched
release gets none, and each hand-written submission of tests/submissions/<assignment>/ loses
points in exactly the test cells its docstring names (the correct ones in other styles keep
full marks).

The catalogue is scored by the IPython oracle (tests/ipython_oracle.py: the instructor's
test cells restored, every cell run in order, a test cell scores if it raised nothing), once
per test session; plain ``nbgrader autograde`` grades the solved, untouched and half-done
releases, and must give them exactly what the oracle gives (tests/test_grading_e2e.py
compares the sandboxed grader with the oracle on every case).  The catalogues of a03 and
a04 are held to their authors' expectations under course-rnn only
(submission_cases.ORACLE_TRIO_ONLY).
"""

import pytest

from submission_cases import (CATALOGUE, NO_ORACLE, assert_case, graded_by_nbgrader, graded_by_oracle, graded_cells,
                              load_cases, oracle_cases)

pytestmark = pytest.mark.slow

ASSIGNMENTS = sorted(p.name for p in CATALOGUE.iterdir() if p.is_dir())
CASES = [pytest.param(a, case, id=f"{a}-{case.name}") for a in ASSIGNMENTS for case in oracle_cases(a)]


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    return graded_by_oracle(tmp_path_factory, request.param)


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def plain(request, tmp_path_factory):
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


def test_under_plain_nbgrader_the_solution_keeps_every_point_and_the_untouched_release_gets_none(plain):
    points = graded_cells(plain.assignment)
    assert plain.scores["reference"] == {g: (p, p) for g, p in points.items()}
    assert all(score == 0 for score, _ in plain.scores["untouched"].values()), plain.scores["untouched"]
    first_blank = plain.scores["first_blank"]
    assert 0 < sum(score for score, _ in first_blank.values()) < sum(points.values()), first_blank


def test_the_oracle_gives_the_solved_untouched_and_half_done_releases_what_plain_nbgrader_gives(plain, tmp_path_factory):
    if plain.assignment in NO_ORACLE:
        pytest.skip(f"the oracle scores nothing of {plain.assignment}: plain nbgrader's scores are used (NO_ORACLE)")
    oracle = graded_by_oracle(tmp_path_factory, plain.assignment)
    assert {student: oracle.scores[student] for student in plain.scores} == plain.scores


def test_one_submission_grades_in_under_a_minute_of_cpu_time(plain):
    """CPU seconds of nbgrader and its kernels, not wall-clock time: a busy machine slows the
    run, not the work it does (the solved release trains a04's tagger twice)."""
    per_submission = plain.cpu_seconds / plain.submissions
    print(f"{plain.assignment}: {plain.submissions} submissions in {plain.seconds:.0f} s "
          f"({plain.cpu_seconds:.0f} CPU s) under plain nbgrader autograde, {per_submission:.1f} CPU s each")
    assert per_submission < 60


@pytest.mark.parametrize("graded, case", CASES, indirect=["graded"])
def test_submission_loses_points_exactly_where_it_is_wrong(graded, case):
    assert_case(case, graded.scores)
