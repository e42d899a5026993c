"""The book is built in jupyter-cache mode: a rebuild with nothing changed executes nothing,
a page whose code changed is executed again, and a change of the package (which no page's
code shows) clears the cache so that every page is executed again."""

import json
import shutil
import time

import pytest
import yaml

from conftest import ROOT
from course_rnn.bookbuild import STAMP, build_book, sources_digest, stale_cache
from course_rnn.bookexec import TIMES

_TOC = "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/chapter\n"
_FRONT_MATTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""
_CHAPTER = _FRONT_MATTER + """
# A chapter

```{{code-cell}} ipython3
with open({log!r}, "a") as log:
    log.write({mark!r} + "\\n")
print({mark!r})
```
"""


def _mini_book(folder, toc, intro):
    """A book in ``folder`` with the course's _config.yml and bibliography, ``toc`` and an intro."""
    shutil.copy(ROOT / "_config.yml", folder / "_config.yml")
    (folder / "_toc.yml").write_text(toc)
    (folder / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", folder / "book" / "references.bib")
    (folder / "book" / "intro.md").write_text(f"# A mini book\n\n{intro}\n")


def _package(repo, text):
    (repo / "src" / "course_rnn").mkdir(parents=True, exist_ok=True)
    (repo / "src" / "course_rnn" / "module.py").write_text(text)


def test_digest_changes_with_a_file_of_the_package_and_ignores_bytecode(tmp_path):
    _package(tmp_path, "A = 1\n")
    before = sources_digest(tmp_path)
    cache = tmp_path / "src" / "course_rnn" / "__pycache__"
    cache.mkdir()
    (cache / "module.cpython-311.pyc").write_bytes(b"\0\1")
    assert sources_digest(tmp_path) == before, "importing the package must not invalidate the cache"
    _package(tmp_path, "A = 2\n")
    assert sources_digest(tmp_path) != before
    (tmp_path / "src" / "course_rnn" / "data").mkdir()
    changed = sources_digest(tmp_path)
    (tmp_path / "src" / "course_rnn" / "data" / "corpus.txt").write_text("a data file")
    assert sources_digest(tmp_path) != changed, "a data file of the package is read by the chapters"


def test_cache_is_stale_until_a_digest_is_recorded(tmp_path):
    _package(tmp_path, "A = 1\n")
    digest, stale = stale_cache(tmp_path, tmp_path / "_build")
    assert stale
    (tmp_path / "_build").mkdir()
    (tmp_path / "_build" / STAMP).write_text(digest + "\n")
    assert stale_cache(tmp_path, tmp_path / "_build") == (digest, False)


def test_the_course_config_executes_in_cache_mode_and_fails_on_errors():
    execute = yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]
    assert execute["execute_notebooks"] == "cache"
    assert execute["raise_on_error"] is True and execute["allow_errors"] is False


@pytest.mark.slow
def test_rebuild_executes_only_what_changed_and_a_package_change_executes_all(tmp_path, capfd):
    """A mini book with the course's _config.yml, built four times: from scratch (executes),
    unchanged (reuses the cache), with an edited cell (executes), with a changed package
    module and the chapter unchanged (executes).  The chapter's cell appends a line to a log
    each time it runs."""
    _mini_book(tmp_path, _TOC, "One chapter follows.")
    chapter = tmp_path / "book" / "chapter.md"
    log = tmp_path / "executions.log"
    _package(tmp_path, "A = 1\n")

    def build(mark):
        chapter.write_text(_CHAPTER.format(log=str(log), mark=mark))
        start = time.perf_counter()
        returncode = build_book(tmp_path)
        output = capfd.readouterr()
        assert returncode == 0, f"the mini book did not build:\n{output.out[-3000:]}\n{output.err[-3000:]}"
        html = (tmp_path / "_build" / "html" / "book" / "chapter.html").read_text()
        assert mark in html, "the page does not show its cell's output"
        return log.read_text().split() if log.exists() else [], time.perf_counter() - start

    runs, cold = build("first")
    assert runs == ["first"]
    assert (tmp_path / "_build" / ".jupyter_cache").is_dir()

    runs, warm = build("first")
    assert runs == ["first"], "an unchanged chapter was executed again"
    assert warm < 60, f"a rebuild with nothing changed took {warm:.0f} s"

    runs, _ = build("second")
    assert runs == ["first", "second"], "an edited cell was not executed"

    _package(tmp_path, "A = 2\n")
    runs, _ = build("second")
    assert runs == ["first", "second", "second"], "a change of the package did not re-execute the page"

    runs, _ = build("second")
    assert len(runs) == 3, "the digest of the package was not recorded after the rebuild"


def test_each_script_of_a_page_is_kept_once_in_its_first_place():
    from sphinx.builders.html._assets import _JavaScript

    from course_rnn.bookbuild import _drop_repeated_scripts

    config = 'const THEBE_JS_URL = "x"'
    scripts = [_JavaScript("_static/a.js"), _JavaScript(None, body=config), _JavaScript("_static/b.js"),
               _JavaScript("", body=config), _JavaScript("_static/a.js", defer="defer")]
    context = {"script_files": scripts}
    _drop_repeated_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] == [scripts[0], scripts[1], scripts[2], scripts[4]]


_ASSIGNMENT_PAGE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
mystnb:
  execution_mode: force
---

# An assignment

```{{code-cell}} ipython3
from pathlib import Path
with open({log!r}, "a") as log:
    log.write("ran\\n")
print("release says", (Path.cwd().parents[1] / "exercises" / "a01" / "x.txt").read_text())
```
"""


@pytest.mark.slow
def test_assignment_pages_are_read_again_when_a_release_changes_and_only_then(tmp_path, capfd):
    """Pages in book/assignments/ read exercises/, which no cache key sees: the course's
    Sphinx extension has them read (and, never cached, executed) again when it changes."""
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "_toc.yml").write_text(_TOC.replace("book/chapter", "book/assignments/a01"))
    (tmp_path / "book" / "assignments").mkdir(parents=True)
    shutil.copy(ROOT / "book" / "references.bib", tmp_path / "book" / "references.bib")
    (tmp_path / "book" / "intro.md").write_text("# A mini book\n")
    log = tmp_path / "executions.log"
    (tmp_path / "book" / "assignments" / "a01.md").write_text(_ASSIGNMENT_PAGE.format(log=str(log)))
    release = tmp_path / "exercises" / "a01"
    release.mkdir(parents=True)
    _package(tmp_path, "A = 1\n")

    def build(text):
        release.joinpath("x.txt").write_text(text)
        returncode = build_book(tmp_path)
        output = capfd.readouterr()
        assert returncode == 0, output.out[-3000:] + output.err[-3000:]
        html = (tmp_path / "_build" / "html" / "book" / "assignments" / "a01.html").read_text()
        return len(log.read_text().split()), html

    runs, html = build("version one")
    assert runs == 1 and "release says version one" in html
    runs, html = build("version one")
    assert runs == 1, "an unchanged release re-executed the assignment page"
    runs, html = build("version two")
    assert runs == 2 and "release says version two" in html, "the page shows a stale release"


def test_the_grader_and_command_line_do_not_invalidate_the_cache(tmp_path):
    _package(tmp_path, "A = 1\n")
    before = sources_digest(tmp_path)
    (tmp_path / "src" / "course_rnn" / "grading").mkdir()
    (tmp_path / "src" / "course_rnn" / "grading" / "child.py").write_text("B = 1\n")
    (tmp_path / "src" / "course_rnn" / "cli.py").write_text("C = 1\n")
    assert sources_digest(tmp_path) == before


def test_only_never_cached_pages_import_the_grader_or_the_command_line():
    """The cache ignores grading/ and cli.py: that is right only while every page that
    imports them is executed at every build (``execution_mode: force``)."""
    import re

    repo = ROOT
    for page in sorted((repo / "book").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        if re.search(r"^\s*(from|import)\s+course_rnn\.(grading|cli)\b", text, re.M):
            assert re.search(r"^\s*execution_mode:\s*force\s*$", text, re.M), page.name


_TWO_CHAPTERS_TOC = ("format: jb-book\nroot: book/intro\nchapters:\n"
                     "  - file: book/first\n  - file: book/second\n")
_MEETING = _FRONT_MATTER + """
# Chapter {me}

```{{code-cell}} ipython3
import pathlib, time
folder = pathlib.Path({folder!r})
(folder / {me!r}).touch()
for _ in range({tries}):          # up to tries/10 s for the other chapter's kernel to arrive
    if (folder / {other!r}).exists():
        break
    time.sleep(0.1)
{code}
print("{me} met {other}" if (folder / {other!r}).exists() else "{me} ran alone")
```
"""


def _two_chapter_book(tmp_path, second_code="", tries=600):
    _mini_book(tmp_path, _TWO_CHAPTERS_TOC, "Two chapters follow.")
    (tmp_path / "meet").mkdir()
    for me, other, code in (("first", "second", ""), ("second", "first", second_code)):
        (tmp_path / "book" / f"{me}.md").write_text(
            _MEETING.format(me=me, other=other, folder=str(tmp_path / "meet"), code=code, tries=tries))


@pytest.mark.slow
def test_pages_are_executed_at_the_same_time_and_sphinx_executes_none_again(tmp_path, capfd):
    """Two chapters whose kernels wait for each other: both see the other one (they ran at
    once, on two workers), each page shows its output, and Sphinx took both from the cache."""
    _two_chapter_book(tmp_path)
    returncode = build_book(tmp_path)
    output = capfd.readouterr()
    text = output.out + output.err
    assert returncode == 0, f"the mini book did not build:\n{text[-3000:]}"
    for me, other in (("first", "second"), ("second", "first")):
        html = (tmp_path / "_build" / "html" / "book" / f"{me}.html").read_text()
        assert f"{me} met {other}" in html, f"{me} ran alone: the pages were not executed in parallel"
    assert "Executing notebook" not in text, "Sphinx executed a page the pre-execution had cached"
    assert text.count("Using cached notebook") == 2
    times = json.loads((tmp_path / "_build" / TIMES).read_text())
    assert set(times) == {"first.md", "second.md"}


@pytest.mark.slow
def test_a_page_that_asks_to_run_alone_runs_before_the_others_with_none_beside_it(tmp_path, capfd):
    """A page with the line '# course-rnn: run alone' (its experiments train for budgets of
    CPU seconds) is executed first, with no other kernel running: its partner never arrives,
    and the other page, run afterwards, finds it already there."""
    _two_chapter_book(tmp_path, second_code="# course-rnn: run alone", tries=50)
    returncode = build_book(tmp_path)
    output = capfd.readouterr()
    text = output.out + output.err
    assert returncode == 0, f"the mini book did not build:\n{text[-3000:]}"
    html = {me: (tmp_path / "_build" / "html" / "book" / f"{me}.html").read_text() for me in ("first", "second")}
    assert "second ran alone" in html["second"], "a page that asked to run alone had another kernel beside it"
    assert "first met second" in html["first"]
    assert text.index("book/second.md executed") < text.index("book/first.md executed")


@pytest.mark.slow
def test_a_page_that_fails_to_execute_is_named_and_fails_the_build(tmp_path, capfd):
    _two_chapter_book(tmp_path, second_code="raise RuntimeError('deliberately broken chapter')")
    returncode = build_book(tmp_path)
    output = capfd.readouterr()
    text = output.out + output.err
    assert returncode != 0
    assert "book/second.md failed to execute" in text and "deliberately broken chapter" in text
    # the last lines name the page and its error, so a log cut in the middle still says what failed
    last = text.strip().splitlines()[-2:]
    assert "book/second.md failed to execute: RuntimeError: deliberately broken chapter" in last[0], last
    assert "1 page(s) failed" in last[1], last
    assert "book/first.md executed" in text, "the healthy page was not executed beside the broken one"
    assert not (tmp_path / "_build" / "html").exists(), "a book was built although a page failed"


def test_the_committed_page_times_name_every_executed_chapter_and_only_those():
    """``book/page-seconds.json`` orders a fresh clone's build longest first: it must know every
    chapter that executes (a new page would start last, in table-of-contents order) and no page
    that is gone."""
    from course_rnn.bookexec import HINT_DIR, _cached_mode, _toc_pages, read_page

    hint = json.loads((ROOT / HINT_DIR / TIMES).read_text())
    executed = {p.name for p in _toc_pages(ROOT) if (page := read_page(p)) is not None and _cached_mode(page)}
    assert set(hint) == executed
    assert all(seconds > 0 for seconds in hint.values())
