"""Executing the book's pages into its jupyter-cache several at a time, before Sphinx reads them.

jupyter-book executes a page when Sphinx reads it, one page after another.  Every chapter's
kernel runs one BLAS thread (:func:`course_rnn.bookbuild.setup`), so on a machine with two
cores half of it idles through a build of half an hour.  :func:`execute_into_cache` runs
the pages that are not in the cache yet in parallel kernels and stores each executed
notebook in the cache exactly as myst-nb would (the same reader, the same hash of its code
cells); Sphinx then finds every page there and executes nothing again.

A page that fails here is reported with its traceback and fails the build, as it would in
Sphinx.  Pages that myst-nb must always execute (``execution_mode: force`` in their front
matter, the assignment pages) are left to Sphinx.

A page whose experiments train for budgets of CPU seconds gets fewer steps per CPU second
when another kernel shares the cores, and its results move; such a page says so with a line
``# course-rnn: run alone`` in a code cell, and runs first, with no other page beside it.
"""

import json
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path

import yaml

#: seconds each page took to execute in earlier builds, beside the cache (kept when the
#: cache is cleared): the longest pages start first
TIMES = "page-seconds.json"


def _toc_pages(repo):
    """The MyST Markdown sources of the pages listed in ``_toc.yml``, in the order listed (none
    without a ``_toc.yml``: jupyter-book then says what is missing)."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    if not (Path(repo) / "_toc.yml").is_file():
        return []
    pages = (Path(repo) / f"{docname}.md" for docname in parse_toc_yaml(Path(repo) / "_toc.yml"))
    return [path for path in pages if path.is_file()]


def _config(repo):
    """The book's ``_config.yml`` as a dictionary."""
    return yaml.safe_load((Path(repo) / "_config.yml").read_text(encoding="utf-8")) or {}


def read_page(path, extensions=()):
    """A MyST Markdown page as myst-nb reads it for Sphinx (None if it is not a notebook)."""
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    text = Path(path).read_text(encoding="utf-8")
    if not is_myst_markdown_notebook(text):
        return None
    return read_myst_markdown_notebook(text, config=MdParserConfig(enable_extensions=set(extensions)),
                                       add_source_map=True, path=str(path))


#: a code line that asks for a page to be executed with no other page running beside it
RUN_ALONE = "# course-rnn: run alone"


def runs_alone(notebook):
    """True if a code cell of the page has the line ``# course-rnn: run alone``."""
    return any(line.strip().startswith(RUN_ALONE) for cell in notebook.cells if cell.cell_type == "code"
               for line in cell.source.splitlines())


def _cached_mode(notebook):
    """True if myst-nb would take this page from the cache (not forced, and it has code)."""
    mode = notebook.metadata.get("mystnb", {}).get("execution_mode", "cache")
    return mode == "cache" and any(cell.cell_type == "code" for cell in notebook.cells)


def _execute(path, notebook, timeout, environment):
    """Run in a worker process: execute one page in its folder; ``(notebook, seconds, error)``."""
    from jupyter_cache.executors.utils import single_nb_execution

    os.environ.update(environment)
    result = single_nb_execution(notebook, cwd=str(Path(path).parent), timeout=timeout,
                                 allow_errors=False, meta_override=True)
    if result.err is None:
        return notebook, result.time, None
    return notebook, result.time, (error_line(result.err), result.exc_string)


def error_line(exc):
    """One line saying what failed: the cell's exception and its message (an assertion's
    "claim ... no longer holds"), which the long cell source and traceback bury."""
    name, value = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if name is None:
        name, value = type(exc).__name__, str(exc)
    first = (str(value).strip().splitlines() or [""])[0]
    return f"{name}: {first[:300]}" if first else str(name)


#: Where the repository keeps a copy of ``page-seconds.json`` (measured in a build, copied by
#: hand when pages change much): the longest pages start first on a fresh clone too, so the
#: two kernels finish together (in the order of the table of contents, one ran 90 s longer).
HINT_DIR = "book"


def _load_times(build_dir):
    try:
        return json.loads((Path(build_dir) / TIMES).read_text())
    except (OSError, ValueError):
        return {}


def remember_times(build_dir):
    """Copy each cached page's execution time into ``page-seconds.json`` (called before the
    cache is cleared, so the next build still knows which pages are long)."""
    from jupyter_cache import get_cache

    cache_path = Path(build_dir) / ".jupyter_cache"
    if not cache_path.is_dir():
        return
    times = _load_times(build_dir)
    for record in get_cache(cache_path).list_cache_records():
        seconds = (record.data or {}).get("execution_seconds")
        if record.uri and seconds:
            times[Path(record.uri).name] = round(float(seconds), 1)
    (Path(build_dir) / TIMES).write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")


def execute_into_cache(repo, build_dir, workers=None, out=None):
    """Execute every page of the book that is not in ``build_dir``'s jupyter-cache, ``workers``
    kernels at a time (default: one per core), longest first; store each in the cache.

    Returns the pages that failed, as ``(page, one line saying what failed)`` pairs (empty:
    every page is in the cache)."""
    from jupyter_cache import get_cache

    from course_rnn.bookbuild import kernel_environment

    repo, build_dir, out = Path(repo).resolve(), Path(build_dir), out or sys.stdout
    config = _config(repo)
    execute = config.get("execute", {})
    if execute.get("execute_notebooks", "cache") != "cache":
        return []
    extensions = config.get("parse", {}).get("myst_enable_extensions", ())
    cache = get_cache(build_dir / ".jupyter_cache")
    todo = []
    for path in _toc_pages(repo):
        notebook = read_page(path, extensions)
        if notebook is None or not _cached_mode(notebook):
            continue
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            todo.append((path, notebook))
    if not todo:
        return []
    times = _load_times(build_dir)
    order = {**_load_times(repo / HINT_DIR), **times}  # a fresh clone: the committed hint
    todo.sort(key=lambda item: -order.get(item[0].name, 0.0))
    alone = [item for item in todo if runs_alone(item[1])]
    shared = [item for item in todo if item not in alone]
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    timeout = execute.get("timeout", 30)
    print(f"course-rnn: executing {len(todo)} pages ({len(alone)} alone first), {workers} at a time",
          file=out, flush=True)
    failures, started = [], time.monotonic()
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        # the pages that must run alone, one after the other; then the others, side by side
        batches = [[item] for item in alone] + ([shared] if shared else [])
        done_count = 0
        for batch in batches:
            running = {pool.submit(_execute, str(path), notebook, timeout, kernel_environment()): path
                       for path, notebook in batch}
            done_count, failed = _collect(running, cache, times, repo, len(todo), done_count, started, out)
            failures.extend(failed)
    (build_dir / TIMES).write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")
    return failures


def _collect(running, cache, times, repo, total, done_count, started, out):
    """Wait for the running pages; store each that succeeded in the cache.  Returns the count
    of pages done so far and the ``(page, what failed)`` pairs of those that failed here."""
    from jupyter_cache.base import CacheBundleIn

    failures = []
    while running:
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in finished:
            path = running.pop(future)
            done_count += 1
            where = path.relative_to(repo)
            try:
                notebook, seconds, error = future.result()
            except Exception as exc:  # the worker itself died
                notebook, seconds, error = None, 0.0, (error_line(exc), f"{type(exc).__name__}: {exc}")
            if error is not None:
                line, details = error
                failures.append((str(where), line))
                print(f"course-rnn: error: {where} failed to execute ({line}):\n{details}", file=out, flush=True)
                continue
            cache.cache_notebook_bundle(CacheBundleIn(notebook, str(path),
                                                      data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            times[path.name] = round(seconds, 1)
            print(f"course-rnn: [{done_count}/{total}] {where} executed in {seconds:.0f} s "
                  f"({time.monotonic() - started:.0f} s since the start)", file=out, flush=True)
    return done_count, failures
