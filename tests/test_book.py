"""Tests of the built book: every page is there, figures and glued numbers are in it, it
loads nothing from the network, MathJax renders offline in a real browser, no solution or
hidden test leaks into it, and a chapter whose cell raises cannot be published.

The book is built once per session, only if ``_build/html`` is missing or older than a
source (CI builds it first, so normally these tests only read it).  The build command is
the one CI and ``course-rnn build`` use: warnings are errors.
"""

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, _build_book, _parse
SECRET_MARKERS = {"### BEGIN SOLUTION": "### END SOLUTION",
                  "### BEGIN HIDDEN TESTS": "### END HIDDEN TESTS"}


def _toc_files(entry):
    """The ``file:`` entries of a _toc.yml (sub)tree, in order."""
    if isinstance(entry, dict):
        files = [entry["file"]] if "file" in entry else []
        if "root" in entry:
            files.append(entry["root"])
        for key in ("chapters", "parts", "sections"):
            for child in entry.get(key, []):
                files += _toc_files(child)
        return files
    return []


def _normalise(text):
    return re.sub(r"\s+", " ", text).strip()


def test_every_toc_page_is_built_as_html(built_book):
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = _toc_files(toc)
    assert "book/intro" in files and "book/elman" in files
    for name in files:
        page = built_book / (str(Path(name).with_suffix("")) + ".html")
        assert page.is_file(), f"{name} is in _toc.yml but {page} was not built"
    assert (built_book / "index.html").is_file()


def test_elman_page_shows_the_temporal_xor_figure(built_book):
    page = built_book / "book" / "elman.html"
    images = [attrs["src"] for tag, attrs in _parse(page).tags if tag == "img" and "src" in attrs]
    assert images, "the Elman chapter has no <img>: the temporal-XOR figure was not rendered"
    for src in images:
        image = (page.parent / src).resolve()
        assert image.is_file(), f"<img src={src!r}> points to a missing file"
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{src} is not a PNG"
        assert image.stat().st_size > 10_000, f"{src} is too small to be a plot"
    assert 'id="fig-temporal-xor"' in page.read_text(encoding="utf-8")


def test_elman_page_quotes_glued_numbers_that_show_the_period_three_pattern(built_book):
    """The prose quotes, in this order, the RMS error on the XOR bits and on the random bits
    with H = 2, then with H = 8.  Checked against what chance allows: a random bit cannot be
    predicted better than by answering 0.5 (RMS error 0.5), and the XOR bit can."""
    html = (built_book / "book" / "elman.html").read_text(encoding="utf-8")
    glued = [float(v) for v in re.findall(r'<span class="pasted-text">([^<]*)</span>', html)]
    assert len(glued) >= 4, f"expected the glued errors in the prose, found {glued}"
    xor_h2, random_h2, xor_h8, random_h8 = glued[:4]
    for random_err in (random_h2, random_h8):
        assert 0.45 < random_err < 0.6, "random bits are predicted better than chance allows"
    assert xor_h2 < random_h2 and xor_h8 < random_h8, "no dip on the XOR bit"
    assert xor_h8 < 0.2, "eight hidden units should learn the XOR bit"


def test_no_page_loads_a_script_or_stylesheet_from_the_network(built_book):
    pages = sorted(built_book.rglob("*.html"))
    assert pages
    for page in pages:
        for tag, attrs in _parse(page).tags:
            url = attrs.get("src") if tag in ("script", "img", "iframe") else None
            if tag == "link" and set((attrs.get("rel") or "").split()) & {
                    "stylesheet", "preload", "modulepreload", "icon", "prefetch"}:
                url = attrs.get("href")
            assert not (url and re.match(r"(https?:)?//", url)), (
                f"{page.relative_to(built_book)} loads <{tag}> from the network: {url}")
    for css in built_book.joinpath("_static").rglob("*.css"):
        assert not re.search(r"(url\(|@import)\s*['\"]?(https?:)?//", css.read_text(errors="replace")), (
            f"{css.relative_to(built_book)} fetches a resource from the network")
    elman = (built_book / "book" / "elman.html").read_text(encoding="utf-8")
    assert re.search(r'<script[^>]*src="\.\./_static/mathjax/tex-chtml\.js[?"]', elman), (
        "MathJax is not served from _static")
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").is_file()


def _secret_lines(notebook):
    """Lines between nbgrader's BEGIN/END SOLUTION and BEGIN/END HIDDEN TESTS markers."""
    lines = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        end = None
        for line in "".join(cell["source"]).splitlines():
            stripped = line.strip()
            if end is None:
                end = next((e for b, e in SECRET_MARKERS.items() if stripped.startswith(b)), None)
            elif stripped.startswith(end):
                end = None
            elif stripped:
                lines.append(_normalise(stripped))
    return lines


def _public_lines():
    """Lines of the reference package: public (the book shows it), so not a leak if they
    also happen to be a line of a solution (``hs.append(h)``)."""
    return {_normalise(line) for p in ROOT.glob("src/course_rnn/**/*.py")
            for line in p.read_text(encoding="utf-8").splitlines()}


def _lines(text):
    return {_normalise(line) for line in text.splitlines()} - {""}


def test_no_solution_or_hidden_test_line_is_published(built_book):
    """Every line of a solution or hidden-test region is compared, whole, with every line
    of every built page (code blocks keep their lines) and of ``_sources``."""
    published = {}
    for page in built_book.rglob("*.html"):
        published[page] = _lines("".join(_parse(page).text))
    for source in (built_book / "_sources").rglob("*"):
        if source.is_file():
            published[source] = _lines(source.read_text(encoding="utf-8", errors="replace"))
    assert not list(built_book.rglob("solutions")), "solutions/ was copied into the build"

    # the detector finds a line that is known to be published (a line of a code cell)
    known = "models = {H: train_next_bit(train_bits, H) for H in (2, 8)}"
    assert known in published[built_book / "book" / "elman.html"]

    public = _public_lines()
    for notebook in sorted(ROOT.glob("solutions/**/*.ipynb")):
        secret = [line for line in _secret_lines(notebook)
                  if line not in public and len(line.replace(" ", "")) >= 10]
        assert secret, f"{notebook} has marked cells but no distinctive line was found in them"
        for line in secret:
            leaks = [str(p.relative_to(built_book)) for p, lines in published.items() if line in lines]
            assert not leaks, f"a line of {notebook.relative_to(ROOT)} is published in {leaks}: {line!r}"


_MINI_TOC = "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/chapter\n"
_MINI_CHAPTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter

```{{code-cell}} ipython3
{code}
```
"""


@pytest.mark.slow
@pytest.mark.parametrize("code, fails", [("print(6 * 7)", False),
                                         ("raise RuntimeError('deliberately broken chapter')", True)])
def test_a_chapter_whose_cell_raises_fails_the_build(tmp_path, code, fails):
    """A two-page book with the course's own _config.yml: builds when its cell runs, and
    the build exits non-zero, naming the error, when the cell raises."""
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "_toc.yml").write_text(_MINI_TOC)
    (tmp_path / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", tmp_path / "book" / "references.bib")
    (tmp_path / "book" / "intro.md").write_text("# A mini book\n\nOne chapter follows.\n")
    (tmp_path / "book" / "chapter.md").write_text(_MINI_CHAPTER.format(code=code))
    result = _build_book(tmp_path, timeout=300)
    output = result.stdout + result.stderr
    if fails:
        assert result.returncode != 0, "a chapter whose cell raises was built without error"
        assert "deliberately broken chapter" in output
    else:
        assert result.returncode == 0, f"the healthy mini book did not build:\n{output[-4000:]}"
        assert (tmp_path / "_build" / "html" / "book" / "chapter.html").is_file()


def _find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
        if path:
            return path
    return None


@pytest.fixture
def book_server(built_book):
    """The built book over http on 127.0.0.1 (a random free port)."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.mark.slow
def test_mathjax_renders_every_equation_offline_in_headless_chromium(built_book, book_server, tmp_path):
    chromium = _find_chromium()
    if chromium is None:
        pytest.skip("chromium not found (install it with: apt-get install -y chromium)")
    page = built_book / "book" / "elman.html"
    n_math = len(re.findall(r'class="math notranslate nohighlight"', page.read_text(encoding="utf-8")))
    assert n_math > 10
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         # every host name but the local server fails to resolve: whatever renders, renders offline
         "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000",
         "--dump-dom", f"{book_server}/book/elman.html"],
        capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    dom = result.stdout
    assert "temporal XOR" in dom, "chromium did not load the Elman page"
    rendered = dom.count("<mjx-container")
    assert rendered >= n_math, f"MathJax rendered {rendered} of {n_math} equations"
    assert "<mjx-merror" not in dom, "MathJax reported an error in an equation"
