"""``course-rnn``: every subcommand answers --help, and bad input is refused with one clear
line on stderr, exit status 1, and the course directory left byte for byte as it was."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_rnn.cli import main
from course_rnn.grading.feedback import HideHiddenTests, find_leaks, hidden_lines
from course_rnn.grading.paths import Course, find_repo

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "a01_rnn_forward_bptt"
SUBCOMMANDS = ("build", "release", "grade", "feedback", "export")


def snapshot(folder):
    """Every file and folder under ``folder`` with its bytes: equal snapshots, same tree."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def submit(course_dir, student, notebook_text, name="rnn_forward_bptt.ipynb", assignment=ASSIGNMENT):
    folder = course_dir / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(notebook_text, encoding="utf-8")


def release_text():
    return (REPO / "exercises" / ASSIGNMENT / "rnn_forward_bptt.ipynb").read_text(encoding="utf-8")


def refused(capsys, course_dir, argv):
    """Run ``course-rnn argv``; assert exit 1 and an unchanged course dir; return stderr lines."""
    before = snapshot(course_dir)
    assert main(argv) == 1
    assert snapshot(course_dir) == before
    err = capsys.readouterr().err.strip().splitlines()
    assert err and all(line.startswith("course-rnn: error: ") for line in err)
    return err


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_help_exits_zero(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert command in capsys.readouterr().out


def test_installed_entry_point_answers_help():
    script = Path(sys.executable).parent / "course-rnn"
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    assert all(command in done.stdout for command in SUBCOMMANDS)


def test_missing_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as done:
        main([])
    assert done.value.code == 2


def test_zero_workers_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        main(["grade", ASSIGNMENT, "--course-dir", str(tmp_path), "--workers", "0"])
    assert done.value.code == 2
    assert "at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["grade", "feedback", "release"])
def test_missing_assignment_names_the_existing_ones(command, tmp_path, capsys):
    submit(tmp_path, "alice", release_text(), assignment="a99_missing")
    argv = [command, "a99_missing"] + ([] if command == "release" else ["--course-dir", str(tmp_path)])
    before_release = snapshot(REPO / "exercises")
    (line,) = refused(capsys, tmp_path, argv)
    assert "a99_missing" in line and "not found" in line and ASSIGNMENT in line
    assert snapshot(REPO / "exercises") == before_release


def test_assignment_name_with_a_path_is_refused(tmp_path, capsys):
    (line,) = refused(capsys, tmp_path, ["grade", "../solutions", "--course-dir", str(tmp_path)])
    assert "plain folder name" in line


def test_missing_course_dir_is_refused(tmp_path, capsys):
    assert main(["grade", ASSIGNMENT, "--course-dir", str(tmp_path / "nope")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "nope").exists()


def test_course_dir_without_submitted_folder_is_refused(tmp_path, capsys):
    (line,) = refused(capsys, tmp_path, ["grade", ASSIGNMENT, "--course-dir", str(tmp_path)])
    assert "no submissions" in line and "submitted/<student_id>/" in line


def test_empty_submitted_folder_is_refused(tmp_path, capsys):
    (tmp_path / "submitted").mkdir()
    (line,) = refused(capsys, tmp_path, ["grade", ASSIGNMENT, "--course-dir", str(tmp_path)])
    assert "no submissions" in line


def test_submissions_for_another_assignment_only_are_refused(tmp_path, capsys):
    submit(tmp_path, "alice", release_text(), assignment="a02_other")
    (line,) = refused(capsys, tmp_path, ["grade", ASSIGNMENT, "--course-dir", str(tmp_path)])
    assert f"no submissions for '{ASSIGNMENT}'" in line


@pytest.mark.parametrize("argv, problem", [
    (["--memory", "10"], "at least 64M"),
    (["--memory", "lots"], "not a size"),
    (["--timeout", "0"], "positive number of seconds"),
    (["--submission-timeout", "-5"], "positive number of seconds"),
])
def test_bad_limits_are_usage_errors(argv, problem, tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        main(["grade", ASSIGNMENT, "--course-dir", str(tmp_path), *argv])
    assert done.value.code == 2
    assert problem in capsys.readouterr().err


def test_memory_sizes_read_like_an_instructor_writes_them(capsys):
    from course_rnn.cli import parser

    args = parser().parse_args(["grade", ASSIGNMENT, "--memory", "512M", "--timeout", "2.5"])
    assert args.memory == 512 * 2**20 and args.timeout == 2.5
    assert parser().parse_args(["grade", ASSIGNMENT]).memory == 2 * 2**30


def test_feedback_before_grading_is_refused(tmp_path, capsys):
    submit(tmp_path, "alice", release_text())
    (line,) = refused(capsys, tmp_path, ["feedback", ASSIGNMENT, "--course-dir", str(tmp_path)])
    assert "nothing autograded" in line and "course-rnn grade" in line


def test_export_without_a_gradebook_is_refused(tmp_path, capsys):
    (line,) = refused(capsys, tmp_path, ["export", "--course-dir", str(tmp_path)])
    assert "no gradebook" in line


def test_export_to_a_missing_folder_is_refused(tmp_path, capsys):
    (tmp_path / "gradebook.db").write_bytes(b"")
    (line,) = refused(capsys, tmp_path, ["export", "--course-dir", str(tmp_path),
                                         "--to", str(tmp_path / "no" / "grades.csv")])
    assert "does not exist" in line


def test_repository_is_found_from_a_subfolder_and_is_the_default_course_dir(monkeypatch):
    monkeypatch.chdir(REPO / "solutions")
    assert find_repo() == REPO
    assert Course.at() == Course(repo=REPO, course_dir=REPO)


def test_hide_hidden_tests_removes_the_test_body_and_its_traceback():
    source = '"""Hidden test (1 point): the answer."""\n### BEGIN HIDDEN TESTS\nassert answer == 42, "wrong answer"\n### END HIDDEN TESTS'
    cell = nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "grade_id": "t", "locked": True, "points": 1, "schema_version": 3,
        "solution": False, "task": False}})
    cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="wrong answer",
                                           traceback=["----> 3 assert answer == 42, \"wrong answer\""])]
    cell, _ = HideHiddenTests().preprocess_cell(cell, {}, 0)
    assert "42" not in cell.source and "HIDDEN" not in cell.source
    assert cell.outputs[0].traceback == ["AssertionError: wrong answer"]


def test_leak_check_finds_hidden_source_through_html_markup(tmp_path):
    lines = hidden_lines(sorted((REPO / "solutions" / ASSIGNMENT).glob("*.ipynb")))
    line = max(sorted(lines), key=lambda l: sum(c.isalnum() for c in l))
    marked_up = "".join(f'<span class="n">{c}</span>' if c.isalnum() else c for c in line)
    page = tmp_path / "leak.html"
    page.write_text(f"<pre>{marked_up.replace('(', '&#40;')}</pre>", encoding="utf-8")
    clean = tmp_path / "clean.html"
    clean.write_text("<pre>def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):</pre>")
    assert list(find_leaks([page, clean], lines)) == [page]


def test_build_hands_the_repository_and_all_to_bookbuild_and_returns_its_status(monkeypatch):
    calls = []

    def fake_build_book(repo, all_pages=False):
        calls.append((repo, all_pages))
        return 3

    monkeypatch.setattr("course_rnn.bookbuild.build_book", fake_build_book)
    assert main(["build"]) == 3  # the build's exit status is passed on
    assert main(["build", "--all"]) == 3
    assert calls == [(REPO, False), (REPO, True)]


@pytest.mark.slow
def test_release_writes_what_is_committed_in_exercises(tmp_path):
    from course_rnn.grading.release import release

    had_gradebook = (REPO / "gradebook.db").exists()
    folder = release(Course.at(), ASSIGNMENT, dest=tmp_path)
    assert folder == tmp_path / ASSIGNMENT
    for new in folder.glob("*.ipynb"):
        fresh, committed = nbformat.read(new, 4), nbformat.read(REPO / "exercises" / ASSIGNMENT / new.name, 4)
        assert [(c.cell_type, c.source, c.metadata) for c in fresh.cells] == \
               [(c.cell_type, c.source, c.metadata) for c in committed.cells]
    assert (REPO / "gradebook.db").exists() == had_gradebook  # a release records nothing


def test_hide_hidden_tests_redacts_a_hidden_line_printed_anywhere_and_cuts_floods(tmp_path):
    lines_file = tmp_path / "lines.json"
    secret = "want = reference_answer(seed=1234)"
    lines_file.write_text(f'["{secret}"]')
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(open('x').read())")])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"found: {secret}\n" + "x" * 50_000)]
    hide = HideHiddenTests(hidden_lines_file=str(lines_file))
    nb, _ = hide.preprocess(nb, {"nbgrader": {"assignment": ASSIGNMENT}})
    text = nb.cells[0].outputs[0].text
    assert secret not in text and "hidden tests was removed" in text
    assert len(text) < 25_000 and "more characters not shown" in text
