import fcntl
import os

# ``pytest -n 2`` on two cores: each worker, and every notebook kernel or grader it starts,
# computes on one thread.  PyTorch's default of one thread per core makes two workers spin
# against each other (a04's solution, 24 s under nbgrader alone, took 260 s so).
for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import torch

from course_rnn.bookbuild import clear_cache, record_digest, stale_cache
from course_rnn.bookexec import execute_into_cache

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
BUILD_ARGS = ["build", ".", "--warningiserror", "--keep-going"]


@pytest.fixture
def rng():
    """A fresh, seeded numpy Generator for every test."""
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seed_torch():
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _environment_restored():
    """Each test leaves os.environ as it found it: a Sphinx extension set up in-process (the
    book's switches bars off) must not change what a later test in the same worker sees."""
    saved = dict(os.environ)
    yield
    if dict(os.environ) != saved:
        os.environ.clear()
        os.environ.update(saved)


# The built book, shared by every test of a page (tests/test_book*.py).

def _build_book(book_dir, *extra_args, timeout=900):
    """Run ``jupyter-book build`` with warnings as errors in book_dir; returns the process."""
    return subprocess.run([str(JUPYTER_BOOK), *BUILD_ARGS, *extra_args], cwd=book_dir,
                          capture_output=True, text=True, timeout=timeout)


def _book_sources():
    """Every file whose change changes the built book: config, toc, chapters, the package, the
    releases (the assignment pages serve them for download)."""
    yield ROOT / "_config.yml"
    yield ROOT / "_toc.yml"
    for pattern in ("book/**/*", "src/course_rnn/**/*.py", "exercises/**/*"):
        yield from (p for p in ROOT.glob(pattern) if p.is_file())


def _book_is_stale():
    """True if the book was never built or a source changed after the last build (whose
    time is that of the newest output: Sphinx rewrites only the pages that changed)."""
    if not (HTML / "index.html").exists():
        return True
    outputs = [*HTML.glob("**/*.html"), HTML / "searchindex.js", HTML / "objects.inv"]
    built = max(p.stat().st_mtime for p in outputs if p.exists())
    return any(p.stat().st_mtime > built for p in _book_sources())


@pytest.fixture(scope="module")
def built_book():
    """``_build/html``, (re)built first if a source is newer; a lock keeps xdist workers from
    building into the same directory at once.  ``COURSE_RNN_BOOK_HTML=DIR`` tests a book
    already built elsewhere (a partial build while writing a chapter), as it is."""
    if os.environ.get("COURSE_RNN_BOOK_HTML"):
        return Path(os.environ["COURSE_RNN_BOOK_HTML"]).resolve()
    (ROOT / "_build").mkdir(exist_ok=True)
    with open(ROOT / "_build" / ".book-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _book_is_stale():
            # --all: a change to the package may change any page's executed output; the
            # executed pages cached by jupyter-cache are dropped too if it changed
            digest, package_changed = stale_cache(ROOT, ROOT / "_build")
            if package_changed:
                clear_cache(ROOT / "_build")
            assert execute_into_cache(ROOT, ROOT / "_build") == [], "a page of the book failed to execute"
            result = _build_book(ROOT, "--all")
            assert result.returncode == 0, (
                f"jupyter-book build failed (exit {result.returncode}):\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
            record_digest(ROOT / "_build", digest)
    return HTML


class _Tags(HTMLParser):
    """Collects every start tag (name, attributes) and the document's text."""

    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(path):
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser



def glued_values(page):
    """The numbers glued into the prose of a built page, in the order they appear."""
    html = page.read_text(encoding="utf-8")
    values = []
    for text in re.findall(r'<span class="pasted-text">([^<]*)</span>', html):
        try:
            values.append(float(text.replace(",", "").rstrip("%")))
        except ValueError:
            pass
    return values


def glued_by_name(page, chapter):
    """``{glue name: the text pasted for it}`` of a built page: its pasted texts in order,
    named by the ``{glue:text}`` roles of book/<chapter>.md in order (the HTML keeps the
    source's order), so a test reads a number by its name, not by its place on the page."""
    source = (ROOT / "book" / f"{chapter}.md").read_text(encoding="utf-8")
    names = re.findall(r"\{glue:text\}`([A-Za-z0-9_]+)", source)
    texts = re.findall(r'<span class="pasted-text">([^<]*)</span>', page.read_text(encoding="utf-8"))
    assert len(names) == len(texts), f"{chapter}: {len(names)} glue roles in the source, {len(texts)} in the page"
    glued = {}
    for key, text in zip(names, texts):
        assert glued.setdefault(key, text) == text, f"{key} is pasted with two values"
    return glued


def number(text):
    """A pasted number as a float (thousands separators and a percent sign dropped)."""
    return float(text.replace(",", "").rstrip("%"))


def page_images(page):
    """The image files an HTML page shows (resolved paths), checked to exist."""
    images = []
    for tag, attrs in _parse(page).tags:
        if tag == "img" and "src" in attrs and not attrs["src"].startswith("data:"):
            image = (page.parent / attrs["src"]).resolve()
            assert image.is_file(), f"{page.name}: <img src={attrs['src']!r}> points to a missing file"
            images.append(image)
    return images
