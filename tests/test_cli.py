"""``course-rnn``: every subcommand answers --help, and bad input is refused with one clear
line on stderr, exit status 1, and the course directory left byte for byte as it was.  The
student edition's ``build`` and ``publish`` are run with jupyter-book replaced."""

import ast
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml

from course_rnn import editions
from course_rnn.cli import main
from course_rnn.grading.feedback import HideHiddenTests, find_leaks, hidden_lines
from course_rnn.grading.paths import Course, find_repo

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "a01_rnn_forward_bptt"
SUBCOMMANDS = ("build", "publish", "release", "grade", "feedback", "export", "report")


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


# The student edition: `build --edition student` and `publish`, with jupyter-book never run.

@pytest.fixture
def scratch_repo(tmp_path, monkeypatch):
    """A course repository in tmp_path, found from the current directory: the real _config.yml
    and solutions/ (linked), its own _build.  Every command bookbuild would run (jupyter-book)
    is recorded and succeeds without running."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "nbgrader_config.py").write_text("")
    (repo / "solutions").symlink_to(REPO / "solutions")
    shutil.copy(REPO / "_config.yml", repo)
    monkeypatch.chdir(repo)
    commands = []

    def run(command, cwd=None, **kwargs):
        commands.append([str(part) for part in command])
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr("course_rnn.bookbuild.subprocess", SimpleNamespace(run=run))
    return repo.resolve(), commands


@pytest.mark.parametrize("spelling", [ASSIGNMENT, "a01"])
def test_build_student_edition_writes_a_config_that_releases_the_named_assignment(spelling, scratch_repo):
    repo, commands = scratch_repo
    real = REPO / "_build" / "student" / "_config.yml"
    before = real.read_bytes() if real.exists() else None
    assert main(["build", "--edition", "student", "--released", spelling]) == 0
    written = repo / "_build" / "student" / "_config.yml"
    config = yaml.safe_load(written.read_text(encoding="utf-8"))
    sphinx = config["sphinx"]["config"]
    assert sphinx["course_rnn_edition"] == "student"
    # what the Sphinx extension withholds with it: every declared target but a01's
    withheld = editions.withheld_targets(REPO, sphinx["course_rnn_released"])
    declared = editions.declared_targets(REPO)
    assert set(withheld) == {name for a, names in declared.items() if a != ASSIGNMENT for name in names}
    assert declared[ASSIGNMENT] and withheld
    # the student build reads that config and the scratch build's cache, and writes beside it
    student = commands[-1]
    assert student[student.index("--config") + 1] == str(written)
    assert student[student.index("--path-output") + 1] == str(repo / "_build" / "student")
    assert config["execute"]["cache"] == str(repo / "_build" / ".jupyter_cache")
    assert (real.read_bytes() if real.exists() else None) == before


def test_build_refuses_an_unknown_released_assignment_and_names_it(scratch_repo, capsys):
    repo, commands = scratch_repo
    with pytest.raises(SystemExit) as done:
        main(["build", "--edition", "student", "--released", "a01,a09"])
    assert done.value.code == 2
    assert "no such assignment: a09 (" in capsys.readouterr().err  # a09 alone: a01 is known
    assert commands == [] and not (repo / "_build").exists()


def fake_student_build(monkeypatch, html):
    """``publish`` with the student edition's build replaced: it succeeds at once and its HTML
    is ``html``.  Returns the list of (repo, edition, released) it was asked to build."""
    calls = []

    def build_edition(repo, edition="instructor", released=(), all_pages=False):
        calls.append((repo, edition, released))
        return 0

    monkeypatch.setattr("course_rnn.bookbuild.build_edition", build_edition)
    monkeypatch.setattr("course_rnn.bookbuild.student_html", lambda repo: html)
    return calls


def _files(folder, ignored=("__pycache__", ".ipynb_checkpoints")):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and not set(ignored) & set(p.parts) and p.suffix != ".pyc")


def test_publish_writes_the_student_book_the_exercises_and_a_wheel_without_unreleased_answers(
        tmp_path, monkeypatch, capsys):
    html = tmp_path / "html"
    (html / "book").mkdir(parents=True)
    (html / "index.html").write_text("<html><body><p>the student edition</p></body></html>")
    (html / "book" / "elman.html").write_text("<html><body><p>The Elman network</p></body></html>")
    (html / ".buildinfo").write_text("# Sphinx build info\n")
    calls = fake_student_build(monkeypatch, html)
    bundle = tmp_path / "bundle"
    assert main(["publish", str(bundle), "--released", "a02"]) == 0
    assert calls == [(REPO, "student", ("a02",))]
    assert sorted(p.name for p in bundle.iterdir()) == ["book", "exercises", "wheel"]
    assert _files(bundle / "book") == ["book/elman.html", "index.html"]  # Sphinx's .buildinfo left out
    assert (bundle / "book" / "index.html").read_bytes() == (html / "index.html").read_bytes()
    assert _files(bundle / "exercises") == _files(REPO / "exercises")
    (wheel,) = (bundle / "wheel").glob("course_rnn-*-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        sources = {name: archive.read(name).decode() for name in archive.namelist() if name.endswith(".py")}
    package = REPO / "src" / "course_rnn"
    for assignment, names in editions.declared_targets(REPO).items():
        for name in names:
            module, qualname = editions.split_target(name, package)
            shipped = ast.parse(sources[module.relative_to(package.parent).as_posix()])
            shipped = editions.find_definition(shipped, qualname)
            body = editions._docstring_and_body(shipped)[1]
            stubbed = len(body) == 1 and isinstance(body[0], ast.Raise)
            assert stubbed == (not assignment.startswith("a02")), (name, ast.unparse(shipped)[:300])
    assert f"published the student edition to {bundle}" in capsys.readouterr().out


def test_publish_refuses_a_book_holding_an_unreleased_answer_and_leaves_no_bundle(tmp_path, monkeypatch, capsys):
    """The body of a01's rnn_forward, renamed and marked up as Sphinx shows code, in one page."""
    name = "course_rnn.scratch.rnn.rnn_forward"
    module, qualname = editions.split_target(name, REPO / "src" / "course_rnn")
    node = editions.find_definition(ast.parse(module.read_text(encoding="utf-8")), qualname)
    pasted = "def my_forward(a, b, c):\n" + textwrap.indent(
        "\n".join(ast.unparse(stmt) for stmt in editions._docstring_and_body(node)[1]), "    ")
    escaped = pasted.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    html = tmp_path / "html"
    (html / "book").mkdir(parents=True)
    (html / "index.html").write_text("<html><body><p>the student edition</p></body></html>")
    (html / "book" / "elman.html").write_text(
        f"<html><body><div class='highlight'><pre>{escaped}</pre></div></body></html>")
    fake_student_build(monkeypatch, html)
    bundle = tmp_path / "bundle"
    assert main(["publish", str(bundle)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err and all(line.startswith("course-rnn: error: ") for line in err)
    named = [line for line in err if "elman.html" in line]
    assert len(named) == 1 and "book/book/elman.html" in named[0] and name in named[0], err
    assert not [line for line in err if "index.html" in line or ".whl" in line or "exercises/" in line], err
    assert not bundle.exists()


def test_a_publish_that_fails_leaves_the_folder_as_it_was(tmp_path, monkeypatch, capsys):
    """No student book where it should be: one error line, and the destination is as it was
    before (absent, or the empty folder the instructor made), never half a bundle."""
    fake_student_build(monkeypatch, tmp_path / "no-html")
    assert main(["publish", str(tmp_path / "new")]) == 1
    assert capsys.readouterr().err.startswith("course-rnn: error: ")
    assert not (tmp_path / "new").exists()
    (tmp_path / "given").mkdir()
    assert main(["publish", str(tmp_path / "given")]) == 1
    assert (tmp_path / "given").is_dir() and list((tmp_path / "given").iterdir()) == []
