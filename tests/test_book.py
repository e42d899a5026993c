"""Tests of the built book: every page is there, figures and glued numbers are in it, it
loads nothing from the network, MathJax renders offline in a real browser, every page fits
a 1280 px window (figures at column width, no overflowing math, no progress bars), no
solution or hidden test leaks into it, and a chapter whose cell raises cannot be published.

The book is built once per session, only if ``_build/html`` is missing or older than a
source (CI builds it first, so normally these tests only read it).  The build command is
the one CI and ``course-rnn build`` use: warnings are errors.
"""

import base64
import functools
import http.server
import json
import os
import re
import shutil
import struct
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, _build_book, _parse, glued_by_name, number
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
    """The prose quotes the RMS error on the XOR bits and on the random bits with H = 2 and
    H = 8 (means over seeds).  Checked against what chance allows: a random bit cannot be
    predicted better than by answering 0.5 (RMS error 0.5), and the XOR bit can."""
    glued = glued_by_name(built_book / "book" / "elman.html", "elman")
    g = {name: number(glued[name]) for name in ("xor_err_h2", "random_err_h2", "xor_err_h8", "random_err_h8",
                                                "xor_deep_h8", "xor_seeds")}
    for H in (2, 8):
        assert 0.45 < g[f"random_err_h{H}"] < 0.6, "random bits are predicted better than chance allows"
        assert g[f"xor_err_h{H}"] < g[f"random_err_h{H}"], f"no dip on the XOR bit with H = {H}"
    assert g["xor_deep_h8"] > g["xor_seeds"] / 2, "eight hidden units should learn the XOR bit in most seeds"


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
    known = "def xor_and_random_error(r):"
    assert known in published[built_book / "book" / "elman.html"]

    public = _public_lines()
    for notebook in sorted(ROOT.glob("solutions/**/*.ipynb")):
        # an import of the public package reveals nothing (chapters import the same names)
        secret = [line for line in _secret_lines(notebook)
                  if line not in public and len(line.replace(" ", "")) >= 10
                  and not line.startswith(("import ", "from "))]
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


# Run in each page once it has loaded: waits for MathJax to typeset and for every image,
# then reports what a reader would see.  Raw TeX is looked for in the text outside code.
_INSPECT_PAGE = r"""
(async () => {
  const sleep = ms => new Promise(done => setTimeout(done, ms));
  const maths = [...document.querySelectorAll('.math')];
  for (let i = 0; i < 150 && maths.length && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await sleep(100);
  if (maths.length && window.MathJax && MathJax.startup) await MathJax.startup.promise;
  for (const img of document.images) {
    img.scrollIntoView();
    if (!img.complete) await new Promise(done => {
      img.addEventListener('load', done); img.addEventListener('error', done); setTimeout(done, 5000); });
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('pre, code, script, style, textarea, mjx-container')) continue;
    const hit = node.textContent.match(/\$\$|\\\(|\\\[|\\begin\{/);
    if (hit) raw.push(node.textContent.trim().slice(0, 80));
  }
  // the layout at this window width (1280 px): the content column is the article's
  // content box; anything drawn past its edges, or clipped and scrolled inside it, is too wide
  const article = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const frame = article.getBoundingClientRect(), pad = getComputedStyle(article);
  const left = frame.left + parseFloat(pad.paddingLeft), right = frame.right - parseFloat(pad.paddingRight);
  const column = right - left;
  const where = el => {
    const math = el.closest('div.math, .math');
    const eqno = math && math.querySelector('.eqno');
    const text = (eqno ? 'equation ' + eqno.textContent.replace(/[^()0-9.]/g, '') + ' '
                  : '') + (el.closest('mjx-container') ? (el.closest('mjx-container').querySelector('mjx-assistive-mml') || el).textContent
                           : el.textContent);
    let heading = '', node = el;
    for (; node && node !== article; node = node.parentElement) {
      const section = node.closest('section');
      if (section) { heading = section.id; break; }
    }
    return '<' + el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
      ? ' class="' + el.className.split(' ').slice(0, 2).join(' ') + '"' : '') + '> in #' + heading
      + ': ' + text.replace(/\s+/g, ' ').trim().slice(0, 70);
  };
  // a code block (pre) scrolls its long lines by design, inside the column; anything else
  // (math, tables, figures, text) must fit: not drawn past the column's edges, nor cut off
  // or scrolled inside a box of its own.  What is drawn is measured, not scrollWidth, which
  // counts MathJax's invisible copy of every formula for screen readers.
  const drawnRight = el => {
    let most = el.getBoundingClientRect().right;
    for (const inner of el.querySelectorAll('*')) {
      if (inner.closest('mjx-assistive-mml, pre')) continue;
      const r = inner.getBoundingClientRect();
      if (r.width && r.height) most = Math.max(most, r.right);
    }
    return most;
  };
  const wide = [];
  for (const node of article.querySelectorAll('*')) {
    if (node.closest('mjx-assistive-mml, script, style, .headerlink, button, pre')) continue;
    const el = node.closest('mjx-container') || node;   // a formula is reported once, whole
    if (wide.some(([outer]) => outer === el || outer.contains(el))) continue;
    const r = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (!r.width || !r.height) continue;
    // (a few px of overhang, an italic letter's, hide nothing a reader would miss)
    const clips = style.display !== 'inline' && style.overflowX !== 'visible';
    const drawn = clips || el.tagName === 'MJX-CONTAINER' ? drawnRight(el) : r.right;
    if (r.right > right + 2 || r.left < left - 2 || drawn > Math.min(right, r.right) + 8)
      wide.push([el, where(el) + ' (' + Math.round(drawn - r.left) + ' px)']);
  }
  const bar = /^\s*[^\n|]*\d+%\|[^\n]*\|[^\n]*$/;
  const bars = [...article.querySelectorAll('.cell_output .output, .cell_output > div')]
    .filter(out => !out.querySelector('.output')) // the innermost box
    .map(out => (out.querySelector('pre') || out).textContent.split(/[\r\n]+/).filter(line => line.trim()))
    .filter(lines => lines.length && lines.every(line => bar.test(line)))
    .map(lines => lines[lines.length - 1].trim().slice(0, 70));
  const figures = [...article.querySelectorAll('img')].map(img => {
    const r = img.getBoundingClientRect();
    return [img.getAttribute('src'), Math.round(r.width), img.naturalWidth];
  });
  return {
    column: column,
    wide: wide.map(([, text]) => text),
    bars: bars,
    figures: figures,
    height: Math.ceil(document.documentElement.scrollHeight),
    title: document.title,
    maths: maths.length,
    typeset: maths.filter(m => m.querySelector('mjx-container')).length,
    merrors: document.querySelectorAll('mjx-merror').length,
    raw: raw,
    images: [...document.images].map(img => [img.getAttribute('src'), img.naturalWidth]),
  };
})()
"""


class _DevTools:
    """One headless Chromium, one tab, driven over the DevTools protocol: navigate to a page,
    wait for it to load, run a script in it, and keep every console, log and network event
    of the page (to find errors and requests that did not go to the local server)."""

    def __init__(self, chromium, profile):
        import websocket  # websocket-client, installed with jupyter-server

        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             # every host name but the local server fails to resolve: whatever renders, renders offline
             "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1280,900",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(profile) / "DevToolsActivePort"
        for _ in range(300):
            if port_file.is_file() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        else:
            self.close()
            raise RuntimeError("chromium did not open its DevTools port within 30 s")
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            tab = next(t for t in json.load(reply) if t["type"] == "page")
        self.socket = websocket.create_connection(tab["webSocketDebuggerUrl"], timeout=60,
                                                  suppress_origin=True)
        self.next_id, self.events = 0, []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        # a reader's window, whatever the window manager made of --window-size
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1,
                  mobile=False)

    def _receive(self):
        message = json.loads(self.socket.recv())
        if "method" in message:
            self.events.append(message)
        return message

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = self._receive()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def open(self, url, script):
        """Load ``url``, run ``script`` (an expression giving a promise) in it; returns the
        script's value and the page's events."""
        self.events = []
        self.call("Page.navigate", url=url)
        while not any(e["method"] == "Page.loadEventFired" for e in self.events):
            self._receive()
        value = self.call("Runtime.evaluate", expression=script, awaitPromise=True,
                          returnByValue=True, timeout=30_000)
        if "exceptionDetails" in value:
            raise RuntimeError(f"the inspection script failed on {url}: {value['exceptionDetails']}")
        return value["result"]["value"], self.events

    def screenshot(self, path, height):
        """Save the whole page, 1280 px wide, as a JPEG (at most 16,000 px tall: Chromium's
        limit; about 0.3 MB a page).  Drawing all of a long page costs the browser about half a
        CPU second."""
        # a window as tall as the page (captureBeyondViewport drew some pages laid out at
        # another width, their left part cut off), then the window as it was
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=min(height, 16_000),
                  deviceScaleFactor=1, mobile=False)
        try:
            self.call("Runtime.evaluate", expression="window.scrollTo(0, 0)")  # a long page from its top
            shot = self.call("Page.captureScreenshot", format="jpeg", quality=80)
        finally:
            self.call("Emulation.clearDeviceMetricsOverride")
        Path(path).write_bytes(base64.b64decode(shot["data"]))

    def close(self):
        if getattr(self, "socket", None):
            self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=30)


def _page_problems(events):
    """Console errors, uncaught exceptions, failed requests, and requests to any host but
    the local server, from a page's DevTools events."""
    problems, urls = [], {}
    for event in events:
        method, params = event["method"], event["params"]
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            if re.match(r"(https?|wss?)://", url) and not re.match(r"(https?|wss?)://127\.0\.0\.1[:/]", url):
                problems.append(f"request to the network: {url}")
        elif method == "Network.responseReceived" and params["response"]["status"] >= 400 \
                and not re.match(r"http://127\.0\.0\.1:\d+/favicon\.ico$", params["response"]["url"]):
            # (the browser asks the server for /favicon.ico by itself; no page refers to it)
            problems.append(f"HTTP {params['response']['status']}: {params['response']['url']}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            problems.append(f"failed request ({params['errorText']}): {urls.get(params['requestId'])}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            problems.append(f"uncaught exception: {details.get('exception', {}).get('description') or details['text']}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            problems.append("console error: " + " ".join(str(a.get("value", a.get("description", "")))
                                                         for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error" \
                and not params["entry"].get("url", "").endswith("/favicon.ico"):
            problems.append(f"log error: {params['entry']['text']} {params['entry'].get('url', '')}")
    return problems


def _built_pages(built_book):
    """Every HTML page of the built book (not the files Sphinx copies beside it)."""
    return sorted(p for p in built_book.rglob("*.html")
                  if not {"_static", "_sources", "_downloads", "_images"} & set(p.relative_to(built_book).parts))


#: a figure narrower than this share of the content column is too small to read
MIN_FIGURE_SHARE = 0.8
#: matplotlib's labels are 10 pt; shown at this size or more (a figure no wider than the
#: column is at 96 px per inch: its fonts keep their size or grow)
MIN_FONT_PT = 10


def _png_width_inches(path):
    """A PNG's width in inches, from its pHYs chunk (matplotlib writes the figure's dpi
    there), or None if the file says nothing of its resolution."""
    data = Path(path).read_bytes()
    width = struct.unpack(">I", data[16:20])[0]
    at = data.find(b"pHYs")
    if data[:8] != b"\x89PNG\r\n\x1a\n" or at < 0:
        return None
    per_unit, _, unit = struct.unpack(">IIB", data[at + 4:at + 13])
    return width / (per_unit * 0.0254) if unit == 1 and per_unit else None


def _layout_problems(report, page):
    """What does not fit a reader's 1280 px window, from the page's inspection: elements wider
    than the content column or clipped in it (math, tables, figures, text; a code block may
    scroll its long lines), output boxes that
    hold nothing but a progress bar, figures narrower than ``MIN_FIGURE_SHARE`` of the column."""
    column = report["column"]
    problems = [f"wider than the {column:.0f} px column: {what}" for what in report["wide"]]
    problems += [f"an output box holds only a progress bar: {line!r}" for line in report["bars"]]
    for src, width, natural in report["figures"]:
        if not natural:
            continue
        if width < MIN_FIGURE_SHARE * column:
            problems.append(f"figure {src} is {width} px wide, under {MIN_FIGURE_SHARE:.0%} of the "
                            f"{column:.0f} px column")
        image = (page.parent / src.split("?")[0]).resolve()
        inches = _png_width_inches(image) if image.is_file() else None
        # a label of P pt is P/72 in of the figure, shown at width/inches px per inch, and a
        # CSS pt is 96/72 px: it reads at P * width / (96 * inches) pt
        if inches and width / (96 * inches) < MIN_FONT_PT / 10 - 0.01:
            problems.append(f"figure {src} is {inches:.1f} in wide and shown {width} px wide: its 10 pt "
                            f"labels read at {10 * width / (96 * inches):.1f} pt, under {MIN_FONT_PT} pt")
    return problems


@pytest.mark.slow
def test_every_page_renders_offline_and_fits_a_1280_px_window_in_headless_chromium(built_book, book_server,
                                                                                  tmp_path):
    """Every built page, opened in one headless Chromium (a 1280 px window) that cannot reach
    the network: no console error, no failed request, no request to another host; on a page
    with math, MathJax typeset every formula without error and no raw TeX is left in the
    text; every image loaded (naturalWidth > 0).  And what a reader sees: no element wider
    than the content column or clipped in it (display math included), no output box holding
    only a progress bar, every figure at least 80% of the column wide with its 10 pt labels
    shown at 10 pt or more.  A screenshot of every page is kept in ``_build/screenshots/``
    (beside the HTML tested), for CI to keep as an artefact."""
    chromium = _find_chromium()
    if chromium is None:
        pytest.skip("chromium not found (install it with: apt-get install -y chromium)")
    pytest.importorskip("websocket", reason="websocket-client (installed with jupyter-server) drives chromium")
    pages = _built_pages(built_book)
    assert (built_book / "book" / "intro.html") in pages
    shots = built_book.parent / "screenshots"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    browser = _DevTools(chromium, tmp_path / "profile")
    failures, typeset_total = [], 0
    try:
        for page in pages:
            name = page.relative_to(built_book).as_posix()
            redirect = re.match(r'<meta http-equiv="Refresh" content="0; url=([^"]+)" />\s*$',
                                page.read_text(encoding="utf-8"))
            if redirect:  # index.html only sends the browser to the first page
                if not (page.parent / redirect[1]).is_file():
                    failures.append(f"{name}: redirects to a missing page {redirect[1]}")
                continue
            report, events = browser.open(f"{book_server}/{name}", _INSPECT_PAGE)
            problems = _page_problems(events)
            n_math = len(re.findall(r'class="math notranslate nohighlight"', page.read_text(encoding="utf-8")))
            if report["maths"] < n_math:
                problems.append(f"{report['maths']} formulas in the browser, {n_math} in the HTML")
            if report["typeset"] < report["maths"]:
                problems.append(f"MathJax typeset {report['typeset']} of {report['maths']} formulas")
            if report["merrors"]:
                problems.append(f"MathJax reported {report['merrors']} errors in formulas")
            problems += [f"raw TeX left in the text: {text!r}" for text in report["raw"]]
            problems += [f"image did not load: {src}" for src, width in report["images"] if not width]
            problems += _layout_problems(report, page)
            browser.screenshot(shots / (name.replace("/", "_").removesuffix(".html") + ".jpg"), report["height"])
            failures += [f"{name}: {problem}" for problem in problems]
            typeset_total += report["typeset"]
    finally:
        browser.close()
    assert not failures, "\n".join(failures)
    assert typeset_total > 10, "no page had its math typeset: MathJax did not run"
