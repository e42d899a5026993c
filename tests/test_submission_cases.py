"""The catalogue loader refuses malformed case files with a message naming the file."""

import pytest

from submission_cases import parse_case


@pytest.mark.parametrize("text, message", [
    ("# %% f\ndef f(): pass\n", "starts with a docstring"),
    ('"""A bug."""\n# %% f\ndef f(): pass\n', "exactly one 'expect"),
    ('"""A bug.\n\nexpect: maybe\n"""\n# %% f\n', "cannot read 'maybe'"),
    ('"""A bug.\n\nexpect: full\n"""\ndef f(): pass\n', "no '# %% <grade_id>' cell"),
])
def test_malformed_case_files_are_refused(tmp_path, text, message):
    path = tmp_path / "case.py"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as error:
        parse_case("a00", path)
    assert str(path) in str(error.value)


def test_a_case_lists_its_cells_and_the_tests_it_must_fail(tmp_path):
    path = tmp_path / "two_bugs.py"
    path.write_text('"""Two bugs.\n\nexpect: lose test_a, test_b\nexpect-status: graded\n"""\n'
                    "# %% f\ndef f():\n    return 1\n\n# %% g\ndef g():\n    return 2\n")
    case = parse_case("a00", path)
    assert case.lose == {"test_a", "test_b"}
    assert case.statuses == ["graded"]
    assert case.cells == {"f": "def f():\n    return 1\n", "g": "def g():\n    return 2\n"}
    assert case.student == "two_bugs" and case.summary == "Two bugs."
