"""Two editions of the course: what the instructor keeps, and what students are handed.

The repository (solutions, hidden tests, the whole package) is the instructor's and stays
private.  Students get a *student edition*: the book without the code of the functions an
assignment asks them to write, the released exercises, and a copy of ``course_rnn`` in which
those functions keep their signature and docstring but have no body::

    def rnn_forward(x, h0, params, nonlinearity="tanh"):
        \"\"\"...the docstring, unchanged...\"\"\"
        raise NotImplementedError("rnn_forward is part of assignment a01; write it in the notebook")

Each assignment declares its *targets* once, in the metadata of its solution cells
(``"course_rnn": {"targets": ["course_rnn.scratch.rnn.rnn_forward", ...]}``: module path and
qualified name, methods as ``module.Class.method``), and beside them its *equivalents*
(``"equivalents": [...]``): other code of the package that computes the same answer (the
LSTM layer's hand-written backward in PyTorch for the numpy BPTT a03 asks for), withheld
like the targets though no hidden test compares with it.  An assignment is *released* after its due
date (``--released a01,a02``): its targets are then shown and shipped like any other code.
"""

import ast
import html
import io
import json
import re
import shutil
import tokenize
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "course_rnn"
PACKAGE_DIR = Path(__file__).resolve().parent
_IGNORED = {"__pycache__", ".ipynb_checkpoints"}
#: what the message of every stub of the students' edition says
STUB_MARK = "is part of assignment"
_SOLUTION, _BEGIN_HIDDEN, _END_HIDDEN = "### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def _cells(notebook):
    with open(notebook, encoding="utf-8") as f:
        for cell in json.load(f)["cells"]:
            source = cell["source"]
            yield cell, "".join(source) if isinstance(source, list) else source


def declared_targets(course_dir=REPO):
    """``{assignment: [dotted target, ...]}`` read from ``course_dir/solutions/*/*.ipynb``, in the
    order the solution cells declare them, each cell's equivalents after its targets (every
    assignment, even one that declares none)."""
    targets = {}
    for notebook in sorted(Path(course_dir, "solutions").glob("*/*.ipynb")):
        names = targets.setdefault(notebook.parent.name, [])
        for cell, _ in _cells(notebook):
            declared = cell.get("metadata", {}).get("course_rnn", {})
            for name in declared.get("targets", []) + declared.get("equivalents", []):
                if name not in names:
                    names.append(name)
    return targets


def short_name(assignment):
    """``a01`` for ``a01_rnn_forward_bptt``: how the messages and ``--released`` name it."""
    return assignment.split("_", 1)[0]


def is_released(assignment, released):
    """Whether ``assignment`` is among ``released`` (full folder names or ``aNN``)."""
    return assignment in released or short_name(assignment) in released


def withheld_targets(course_dir=REPO, released=()):
    """``{dotted target: assignment}`` for every target of an assignment not in ``released``."""
    return {name: assignment for assignment, names in declared_targets(course_dir).items()
            if not is_released(assignment, released) for name in names}


def split_target(name, package_dir):
    """``(module file, qualname)`` of a dotted target: the longest module prefix that is a file
    of the package, and the rest (``Class.method`` for a method)."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        relative = Path(*parts[1:cut])
        for candidate in (package_dir / relative.with_suffix(".py") if cut > 1 else None,
                          package_dir / relative / "__init__.py"):
            if parts[0] == PACKAGE and candidate is not None and candidate.is_file():
                return candidate, ".".join(parts[cut:])
    raise ValueError(f"{name}: no module of {PACKAGE} holds it")


def find_definition(tree, qualname):
    """The ``def`` node of ``qualname`` (``f`` or ``Class.method``) in a module's AST, or None."""
    scope = tree.body
    *classes, function = qualname.split(".")
    for name in classes:
        found = [n for n in scope if isinstance(n, ast.ClassDef) and n.name == name]
        if not found:
            return None
        scope = found[0].body
    found = [n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function]
    return found[-1] if found else None


def _docstring_and_body(node):
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[:1], body[1:]
    return [], body


def body_fingerprint(node):
    """The normalised AST of a function's body (docstring left out): names, constants and
    structure, not layout, comments or the function's own name."""
    return ast.dump(ast.Module(body=_docstring_and_body(node)[1], type_ignores=[]),
                    annotate_fields=False, include_attributes=False)


def stub_source(source, qualnames, message):
    """``source`` with the body of every function in ``qualnames`` replaced by ``raise
    NotImplementedError(message(qualname))``, its signature, decorators and docstring kept.
    The lines before and after each function are kept byte for byte."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    cuts = []
    for qualname in qualnames:
        node = find_definition(tree, qualname)
        if node is None:
            raise ValueError(f"{qualname}: not defined in this module")
        docstring, body = _docstring_and_body(node)
        first = (docstring[-1].end_lineno if docstring else node.body[0].lineno - 1)
        indent = " " * body[0].col_offset if body else " " * (node.col_offset + 4)
        if not docstring and node.body[0].lineno == node.lineno:  # def f(): return 1, on one line
            raise ValueError(f"{qualname}: a one-line function cannot be stubbed")
        stub = f"{indent}raise NotImplementedError({message(qualname)!r})\n"
        cuts.append((first, node.end_lineno, stub))
    for first, last, stub in sorted(cuts, reverse=True):
        lines[first:last] = [stub]
    return "".join(lines)


def _copy_package(source, dest):
    def ignore(folder, names):
        return [n for n in names if n in _IGNORED or n.endswith((".pyc", ".pyo"))]
    shutil.copytree(source, dest, ignore=ignore)


def write_student_package(dest, course_dir=REPO, released=()):
    """Write ``dest/course_rnn/``: the package of ``course_dir`` (code and data files, no byte
    code) in which every target of an assignment not in ``released`` raises
    ``NotImplementedError("<name> is part of assignment aNN; write it in the notebook")``.
    The bodies are removed from the source (an AST rewrite), not hidden.  Returns ``dest``."""
    dest = Path(dest)
    package_dir = PACKAGE_DIR  # the installed package; course_dir only declares the targets
    target_dir = dest / PACKAGE
    if target_dir.exists():
        shutil.rmtree(target_dir)
    dest.mkdir(parents=True, exist_ok=True)
    _copy_package(package_dir, target_dir)
    by_module = {}
    for name, assignment in withheld_targets(course_dir, released).items():
        module, qualname = split_target(name, package_dir)
        by_module.setdefault(module, {})[qualname] = assignment
    for module, owners in by_module.items():
        copy = target_dir / module.relative_to(package_dir)
        text = stub_source(module.read_text(encoding="utf-8"), owners,
                           lambda q: f"{q} {STUB_MARK} {short_name(owners[q])}; write it in the notebook")
        copy.write_text(text, encoding="utf-8")
    return dest


def target_fingerprints(course_dir=REPO, released=()):
    """``{body fingerprint: dotted target}`` of every withheld target, from the full package."""
    package_dir = Path(course_dir) / "src" / PACKAGE
    prints, trees = {}, {}
    for name in withheld_targets(course_dir, released):
        module, qualname = split_target(name, package_dir)
        if module not in trees:
            trees[module] = ast.parse(module.read_text(encoding="utf-8"))
        prints[body_fingerprint(find_definition(trees[module], qualname))] = name
    return prints


def hidden_test_lines(course_dir=REPO, shortest=20):
    """The telling lines of the hidden tests: stripped, at least ``shortest`` characters, and
    written nowhere outside a hidden region (of the notebooks, or of the package's source,
    which students may read)."""
    hidden, visible = set(), set()
    for notebook in sorted(Path(course_dir, "solutions").glob("*/*.ipynb")):
        for _, source in _cells(notebook):
            inside = False
            for line in source.splitlines():
                if _BEGIN_HIDDEN in line:
                    inside = True
                elif _END_HIDDEN in line:
                    inside = False
                else:
                    (hidden if inside else visible).add(line.strip())
    public = "\n".join(path.read_text(encoding="utf-8") for path in Path(course_dir, "src", PACKAGE).rglob("*.py"))
    return {line for line in hidden - visible if len(line) >= shortest and line not in public}


# The leak scan: every file of a published directory, and every file inside its wheels.

_TEXT_SUFFIXES = {".html", ".htm", ".js", ".txt", ".md", ".ipynb", ".py", ".json", ".css", ".csv",
                  ".inv", ".xml", ".cfg", ".toml", ".rst", ".tex"}


def _published_files(folder):
    """``(label, text)`` of every text file under ``folder``, and of every file inside a wheel
    or zip there (byte code counts: its constants and names are the body's)."""
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        label = path.relative_to(folder).as_posix()
        if path.suffix in (".whl", ".zip"):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    data = archive.read(member)
                    yield f"{label}!{member}", data
        elif path.suffix in _TEXT_SUFFIXES or path.suffix in (".pyc", ".pyo"):
            yield label, path.read_bytes()


def _code_blocks(label, text):
    """Candidate Python sources in a file: the file itself, each notebook code cell, each
    fenced block of Markdown and each ``<pre>`` of HTML (tags removed, entities decoded)."""
    yield text
    if label.endswith(".ipynb"):
        try:
            cells = json.loads(text).get("cells", [])
        except (ValueError, AttributeError):
            cells = []
        for cell in cells:
            source = cell.get("source", "")
            yield "".join(source) if isinstance(source, list) else source
    for block in re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S):
        yield block
    for block in re.findall(r"<pre[^>]*>(.*?)</pre>", text, flags=re.S | re.I):
        yield html.unescape(re.sub(r"<[^>]+>", "", block))


def _parse(code):
    code = code.strip("\n")
    for candidate in (code, _dedent(code)):
        try:
            return ast.parse(candidate)
        except (SyntaxError, ValueError):
            continue
    return None


def _dedent(code):
    import textwrap
    return textwrap.dedent(code)


def _function_bodies(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield body_fingerprint(node)
    # a body pasted without its def line: statement runs of the module itself
    yield ast.dump(ast.Module(body=tree.body, type_ignores=[]), annotate_fields=False, include_attributes=False)


def _bytecode_names(data):
    """The qualified names of the code objects in a ``.pyc``: a function compiled into it is
    there by name (the students' edition's stubs, which only raise, left out)."""
    import marshal
    try:
        code = marshal.loads(data[16:])
    except Exception:  # noqa: BLE001  (not byte code of this Python: scanned as text instead)
        return set()
    names, stack = set(), [code]
    while stack:
        current = stack.pop()
        stub = any(isinstance(c, str) and STUB_MARK in c for c in current.co_consts)
        if not stub:
            names.add(current.co_qualname if hasattr(current, "co_qualname") else current.co_name)
        stack.extend(c for c in current.co_consts if hasattr(c, "co_code"))
    return names


def scan_for_leaks(folder, course_dir=REPO, released=()):
    """``{file: what leaked}`` for every file under ``folder`` (and inside its wheels and zips)
    that holds the body of a withheld target (its normalised AST, whatever the function is
    called or however it is laid out), byte code of one, or a line of a hidden test.  Empty
    when the folder is safe to hand to students."""
    prints = target_fingerprints(course_dir, released)
    qualnames = {split_target(name, PACKAGE_DIR)[1]: name for name in prints.values()}
    lines = hidden_test_lines(course_dir)
    leaks = {}
    for label, data in _published_files(folder):
        if label.endswith((".pyc", ".pyo")):
            found = [qualnames[n] for n in _bytecode_names(data) if n in qualnames]
            if found:
                leaks[label] = f"byte code of {found[0]}"
            continue
        text = data.decode("utf-8", errors="replace")
        found = None
        for code in _code_blocks(label, text):
            tree = _parse(code)
            if tree is None:
                continue
            hit = next((prints[f] for f in _function_bodies(tree) if f in prints), None)
            if hit:
                found = f"the body of {hit}"
                break
        if found is None:
            seen = html.unescape(re.sub(r"<[^>]+>", "", text)) if label.endswith((".html", ".htm")) else text
            if _BEGIN_HIDDEN in seen and not label.endswith(".py"):  # .py: the grader's own marker constants
                found = _BEGIN_HIDDEN
            else:
                line = next((line for line in sorted(lines) if line in seen), None)
                if line:
                    found = f"the hidden-test line {line!r}"
        if found:
            leaks[label] = found
    return leaks


def strip_comments(source):
    """``source`` without comments (tokenize), for comparisons that ignore them."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type != tokenize.COMMENT]
    return tokenize.untokenize(tokens)


# What an instructor hands out: the student book, the exercises and the student package.

def _wheel_metadata(course_dir):
    import tomllib

    project = tomllib.loads(Path(course_dir, "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {project['version']}",
             f"Summary: {project['description']} (student edition: the assignments' answers are absent)",
             f"Requires-Python: {project['requires-python']}"]
    lines += [f"Requires-Dist: {requirement}" for requirement in project["dependencies"]]
    return project["name"].replace("-", "_"), project["version"], "\n".join(lines) + "\n"


def write_wheel(package_root, dest, course_dir=REPO):
    """A wheel (a zip file with a ``.dist-info``) of ``package_root/course_rnn`` in ``dest``:
    the source and data files as they are, no byte code (pip compiles on the student's side).
    Returns its path."""
    import base64
    import hashlib

    name, version, metadata = _wheel_metadata(course_dir)
    info = f"{name}-{version}.dist-info"
    files = {}
    for path in sorted(Path(package_root, PACKAGE).rglob("*")):
        if path.is_file() and not _IGNORED & set(path.parts) and path.suffix not in (".pyc", ".pyo"):
            files[path.relative_to(package_root).as_posix()] = path.read_bytes()
    files[f"{info}/METADATA"] = metadata.encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: course_rnn.editions\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{info}/top_level.txt"] = f"{PACKAGE}\n".encode()
    record = []
    for member, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{member},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = Path(dest) / f"{name}-{version}-py3-none-any.whl"
    wheel.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            archive.writestr(zipfile.ZipInfo(member, date_time=(2026, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return wheel


class LeakError(RuntimeError):
    """A published folder holds an answer or a hidden test (the message names each file)."""


def publish(dest, html, course_dir=REPO, released=()):
    """Write the student bundle to ``dest``: ``book/`` (the student edition's HTML, built
    beforehand into ``html``), ``exercises/`` (every released notebook with its data files),
    and ``wheel/`` (the student package).  Then scan it: if anything of an unreleased answer or
    of a hidden test is found, the bundle is deleted and :class:`LeakError` names the files; on
    that or any other failure ``dest`` is left as it was (absent, or the empty folder given)."""
    import tempfile

    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} is not empty: publish into a new folder")
    made = not dest.exists()
    dest.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copytree(html, dest / "book", ignore=shutil.ignore_patterns(".buildinfo", "*.pyc", "__pycache__"))
        shutil.copytree(Path(course_dir, "exercises"), dest / "exercises",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc"))
        with tempfile.TemporaryDirectory() as tmp:
            write_wheel(write_student_package(tmp, course_dir, released), dest / "wheel", course_dir)
        leaks = scan_for_leaks(dest, course_dir, released)
        if leaks:
            raise LeakError("the student bundle would show answers; nothing was published:\n" +
                            "\n".join(f"{file}: {what}" for file, what in sorted(leaks.items())))
    except BaseException:
        # nothing half-written stays: the folder as it was (gone if this made it, else empty)
        if made:
            shutil.rmtree(dest, ignore_errors=True)
        else:
            for item in dest.iterdir():
                shutil.rmtree(item, ignore_errors=True) if item.is_dir() and not item.is_symlink() else item.unlink()
        raise
    return dest
