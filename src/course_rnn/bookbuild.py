"""Building the book with jupyter-cache, and knowing when the cache is stale.

The book is executed in jupyter-cache mode (``execute_notebooks: cache`` in ``_config.yml``):
an executed page is stored in ``_build/.jupyter_cache`` under a hash of its code cells, and
reused while that code is unchanged, so a rebuild with nothing changed executes nothing.

What the hash does not see is everything a page imports or reads.  The package
(``src/course_rnn``, code and data): :func:`build_book` keeps a digest of it beside the
cache (``_build/course-rnn-sources.sha256``); when it differs from the last successful
build's, the cache is deleted and every page is read again (``--all``), so a change of the
package re-executes every chapter.  The released assignments (``exercises/``), which only
the pages in ``book/assignments/`` read: those pages are never cached (``execution_mode:
force`` in their front matter), and this module, as a Sphinx extension, has Sphinx read
them again whenever ``exercises/`` changed.

Two editions come from one execution (see :mod:`course_rnn.editions`): the *instructor*
edition, today's book, in ``_build/html``, and the *student* edition in
``_build/student/_build/html``, built from the instructor build's jupyter-cache (its own
Sphinx environment, the same executed notebooks) with this extension's ``literalinclude``
showing, in place of the code of each function an unreleased assignment asks for, an
admonition with its signature and docstring (the equations stay).
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.directives.code import LiteralInclude

from course_rnn import progress

#: files whose change may change any executed page (globs relative to the repository); the
#: grader and the command line are read by no chapter, only by the instructors' page, which
#: is never cached (``execution_mode: force``), so changing them re-executes nothing else
WATCHED = ("src/course_rnn/**/*",)
UNWATCHED = ("src/course_rnn/grading/", "src/course_rnn/cli.py", "src/course_rnn/editions.py",
             "src/course_rnn/bookbuild.py", "src/course_rnn/bookexec.py")
#: the released assignments, and the pages that read them
RELEASES, RELEASE_PAGES = ("exercises/**/*", "book/*.md"), "book/assignments/"
#: where the student edition is built (jupyter-book's --path-output, below the instructor's _build)
STUDENT_OUTPUT = "student"
#: the editions of the book
EDITIONS = ("instructor", "student")
#: the digest of WATCHED at the last successful build, beside the cache
STAMP = "course-rnn-sources.sha256"
CACHE = ".jupyter_cache"
_IGNORED_PARTS = {"__pycache__", ".ipynb_checkpoints"}


def sources_digest(repo, patterns=WATCHED):
    """A SHA-256 over the names and bytes of every file matching ``patterns`` under ``repo``
    (byte-code caches left out, since importing the package rewrites them)."""
    repo = Path(repo)
    files = sorted({p for pattern in patterns for p in repo.glob(pattern)
                    if p.is_file() and not _IGNORED_PARTS & set(p.parts) and p.suffix != ".pyc"
                    and not p.relative_to(repo).as_posix().startswith(UNWATCHED)})
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(repo).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def stale_cache(repo, build_dir, patterns=WATCHED):
    """``(digest, stale)``: the current digest of the watched files, and whether it differs
    from the one stored in ``build_dir`` by the last successful build (or none is stored)."""
    digest = sources_digest(repo, patterns)
    stamp = Path(build_dir) / STAMP
    return digest, not (stamp.is_file() and stamp.read_text().strip() == digest)


def clear_cache(build_dir):
    """Delete the executed notebooks and the stored digest (the next build executes all);
    how long each page took is kept (:func:`course_rnn.bookexec.remember_times`)."""
    from course_rnn.bookexec import remember_times

    remember_times(build_dir)
    shutil.rmtree(Path(build_dir) / CACHE, ignore_errors=True)
    (Path(build_dir) / STAMP).unlink(missing_ok=True)


def record_digest(build_dir, digest):
    """Store the digest of a successful build beside its cache."""
    Path(build_dir).mkdir(parents=True, exist_ok=True)
    (Path(build_dir) / STAMP).write_text(digest + "\n")


def build_book(repo, all_pages=False, path_output=None, patterns=WATCHED, extra_args=()):
    """Run ``jupyter-book build`` on ``repo`` with warnings as errors; returns its exit code.

    If the watched files changed since the last successful build (or ``all_pages``), the
    jupyter-cache is deleted and the build is run with ``--all``: every page is executed.
    Otherwise pages whose code did not change come from the cache.  The pages to execute
    are executed first, one kernel per core (:mod:`course_rnn.bookexec`), so that Sphinx
    finds them all in the cache.  The digest is stored only after a build that succeeded,
    so a failed build is never taken as up to date.  ``path_output`` is jupyter-book's
    ``--path-output`` (the folder that gets ``_build``).
    """
    from course_rnn.bookexec import execute_into_cache

    repo = Path(repo).resolve()
    build_dir = (Path(path_output).resolve() if path_output else repo) / "_build"
    digest, stale = stale_cache(repo, build_dir, patterns)
    if stale or all_pages:
        if (build_dir / CACHE).exists():
            print("course-rnn: the package or a released notebook changed since the last build: "
                  "executing every page again", flush=True)
        clear_cache(build_dir)
    failed = execute_into_cache(repo, build_dir)
    if failed:
        for page, line in failed:
            print(f"course-rnn: error: {page} failed to execute: {line}", file=sys.stderr)
        print(f"course-rnn: error: {len(failed)} page(s) failed to execute (tracebacks above); "
              "the book was not built", file=sys.stderr)
        return 1
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(repo),
               "--warningiserror", "--keep-going", *extra_args]
    if stale or all_pages:
        command.append("--all")
    if path_output:
        command += ["--path-output", str(Path(path_output).resolve())]
    returncode = subprocess.run(command, cwd=repo).returncode
    if returncode == 0:
        record_digest(build_dir, digest)
    return returncode


def student_config(repo, build_dir, released=()):
    """Write the student edition's configuration beside its build: ``_config.yml`` with the
    instructor build's jupyter-cache (nothing is executed twice) and the edition's Sphinx
    settings.  Returns its path."""
    import yaml

    config = yaml.safe_load((Path(repo) / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["cache"] = str(Path(build_dir) / CACHE)
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["course_rnn_edition"] = "student"
    sphinx_config["course_rnn_released"] = list(released)
    config["title"] = f"{config.get('title', '')} (student edition)"
    path = Path(build_dir) / STUDENT_OUTPUT / "_config.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def build_edition(repo, edition="instructor", released=(), all_pages=False):
    """Build one edition of the book; returns the exit code.  The instructor edition is
    :func:`build_book`.  The student edition first brings the instructor build (and with it
    the jupyter-cache) up to date if the package changed, then is built into
    ``_build/student/_build/html`` from that cache: a page whose code is unchanged is not
    executed again (the assignment pages, never cached, are)."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}: choose one of {', '.join(EDITIONS)}")
    repo = Path(repo).resolve()
    build_dir = repo / "_build"
    if edition == "instructor":
        return build_book(repo, all_pages=all_pages)
    if all_pages or stale_cache(repo, build_dir)[1]:
        print("course-rnn: the executed pages are out of date: building the instructor edition first",
              flush=True)
        returncode = build_book(repo, all_pages=all_pages)
        if returncode:
            return returncode
    config = student_config(repo, build_dir, released)
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(repo),
               "--warningiserror", "--keep-going", "--config", str(config),
               "--path-output", str(build_dir / STUDENT_OUTPUT)]
    return subprocess.run(command, cwd=repo).returncode


def student_html(repo):
    """Where ``course-rnn build --edition student`` writes the student edition's HTML."""
    return Path(repo) / "_build" / STUDENT_OUTPUT / "_build" / "html"


class WithheldLiteralInclude(LiteralInclude):
    """``literalinclude`` that, in the student edition, shows the code of no function an
    unreleased assignment asks for.  An included block (a ``:pyobject:``, or lines that hold a
    target's body) whose code contains a withheld target's body is replaced by an admonition:
    the assignment that asks for it, the same object from the student package (signature,
    docstring with its equations, ``raise NotImplementedError``), and when the code appears."""

    def run(self):
        shown = super().run()
        config = self.env.config
        if config.course_rnn_edition != "student":
            return shown
        from course_rnn import editions

        code = "\n".join(node.astext() for node in shown if isinstance(node, (nodes.literal_block, nodes.container)))
        prints = _withheld_prints(self.env)
        tree = editions._parse(code)
        hits = sorted({prints[f] for f in editions._function_bodies(tree) if f in prints}) if tree else []
        if not hits:
            return shown
        owners = editions.withheld_targets(Path(self.env.srcdir), config.course_rnn_released)
        # what a reader calls it: ``rnn_forward``, ``RNNTagger.forward`` for a method
        names = ", ".join(editions.split_target(name, editions.PACKAGE_DIR)[1] for name in hits)
        assignments = sorted({owners[name] for name in hits})
        box = nodes.admonition(classes=["note", "course-rnn-withheld"])
        box += nodes.title(text=f"Assignment {', '.join(editions.short_name(a) for a in assignments)}: {names}")
        text = nodes.paragraph()
        text += nodes.Text(f"{names} "
                           f"{'is' if len(hits) == 1 else 'are'} what ")
        for i, assignment in enumerate(assignments):
            link = addnodes.pending_xref("", refdomain="std", reftype="doc", refexplicit=True,
                                         reftarget=f"/book/assignments/{assignment}", refdoc=self.env.docname)
            link += nodes.inline(text=f"assignment {editions.short_name(assignment)}")
            text += [nodes.Text(", ")] if i else []
            text += link
        text += nodes.Text(" asks you to write. The equations and the docstring stay; "
                           "the code appears here after the assignment is due.")
        box += text
        if "pyobject" in self.options:
            self.arguments[0] = _student_copy(self.env, self.arguments[0])
            box += super().run()
        return [box]


def _withheld_prints(env):
    from course_rnn import editions

    if getattr(env.app, "_course_rnn_prints", None) is None:
        env.app._course_rnn_prints = editions.target_fingerprints(Path(env.srcdir), env.config.course_rnn_released)
    return env.app._course_rnn_prints


def _student_copy(env, argument):
    """The include path (relative to the document, as written) of the same file in the
    student package, written once per build beside the doctrees."""
    from course_rnn import editions

    source = (Path(env.srcdir) / env.docname).parent / argument
    package = Path(env.srcdir) / "src" / editions.PACKAGE
    folder = Path(env.app.doctreedir).parent / "student-package"
    if getattr(env.app, "_course_rnn_student_package", None) != str(folder):
        editions.write_student_package(folder, Path(env.srcdir), env.config.course_rnn_released)
        env.app._course_rnn_student_package = str(folder)
    copy = folder / editions.PACKAGE / source.resolve().relative_to(package.resolve())
    return os.path.relpath(copy, (Path(env.srcdir) / env.docname).parent)


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    """Keep each of a page's scripts once (the first).  sphinx-thebe and sphinx-togglebutton
    register their inline configuration twice (with filename None, then ""); twice in one
    page, ``const THEBE_JS_URL = ...`` is a SyntaxError in the reader's console."""
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (str(getattr(script, "filename", script) or ""),  # None and "": an inline script
               tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def _assignment_pages_if_released_changed(app, env, added, changed, removed):
    """The pages of ``book/assignments/`` if ``exercises/`` changed since they were read."""
    digest = sources_digest(app.srcdir, RELEASES)
    if getattr(env, "course_rnn_releases", None) == digest:
        return []
    env.course_rnn_releases = digest
    return sorted(d for d in env.found_docs if d.startswith(RELEASE_PAGES) and d not in added | changed)


def kernel_environment():
    """What the kernels that execute the chapters inherit: no progress bars (bars are for
    people running the code; in the book they would be grey boxes), and one BLAS thread per
    kernel unless the caller chose otherwise (several threads spin against each other on a
    small machine: one L-BFGS fit took 21.8 CPU s with them, 0.8 s without)."""
    environment = {progress.SWITCH: "1"}
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        environment[name] = os.environ.get(name, "1")
    return environment


def setup(app):
    """Sphinx extension (``sphinx: extra_extensions`` in ``_config.yml``): assignment pages
    read again when a release changed; each script once per page; in the student edition
    (``course_rnn_edition = "student"``), no code of an unreleased assignment's targets."""
    # the kernels that execute the chapters inherit this process's environment
    os.environ.update(kernel_environment())
    app.add_config_value("course_rnn_edition", "instructor", "env")
    app.add_config_value("course_rnn_released", [], "env")
    app.add_directive("literalinclude", WithheldLiteralInclude, override=True)
    # the edition is also a Sphinx tag, for what only one audience needs to read
    # (```{only} student``` blocks: where a student gets the notebooks and the package)
    app.connect("config-inited", lambda app, config: app.tags.add(config.course_rnn_edition))
    app.connect("env-get-outdated", _assignment_pages_if_released_changed)
    app.connect("html-page-context", _drop_repeated_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
