"""Adversarial and special submissions for any assignment that follows solutions/README.md.

Every kind is generic: code injected into the assignment's solution cells, or an edit of
its cells or files, built from the student release (``exercises/``) and the instructor's
solution code, so that the same suite runs on every ``solutions/*/``.  Each kind says
which statuses it may get and what it must score, as one of:

- ``"full"``: every test cell's points;
- ``"zero"``: nothing;
- ``"first_blank"``: what the correct notebook scores with its first solution cell left as
  released (the test suite checks that number against plain ``nbgrader autograde``);
- ``("lose_part", grade_id)``: full marks but the tests of that solution cell;
- ``("lose_notebook", file)``: full marks but the tests of that notebook;
- ``{status: one of these}``: where the status depends on the machine's load.

Cheats start from the *release* (stubs that score nothing): whatever they patch or fake,
they must still score nothing.  Fair code that misbehaves in harmless ways (stderr, floods
of output, forks that fail) starts from the *solved* notebook and must keep full marks.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
GRADED, TIMED_OUT, MEMORY, CRASHED = "graded", "timed out", "memory limit", "crashed"
MALFORMED, MISSING, TAMPERED = "malformed", "missing cells", "tampered"


@dataclass
class Kind:
    """One submission to grade: its files, the statuses it may get, what it must score."""

    name: str
    files: dict          # file name -> notebook dict or text
    statuses: tuple
    score: object        # "full", "zero", "first_blank" or ("lose_part", grade_id)
    reason: str = ""     # a phrase the one-line reason must contain


def assignments():
    """Every released assignment: instructor notebooks in solutions/, the release in exercises/."""
    return sorted(p.name for p in (REPO / "solutions").iterdir()
                  if any(p.glob("*.ipynb")) and any((REPO / "exercises" / p.name).glob("*.ipynb")))


def read(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def instructor(assignment):
    return {p.name: read(p) for p in sorted((REPO / "solutions" / assignment).glob("*.ipynb"))}


def release(assignment):
    return {p.name: read(p) for p in sorted((REPO / "exercises" / assignment).glob("*.ipynb"))}


def solved(assignment):
    """The release with the instructor's solution code in every solution cell."""
    code = {meta(c)["grade_id"]: _MARKERS.sub("", source(c))
            for nb in instructor(assignment).values() for c in nb["cells"] if meta(c).get("solution")}
    notebooks = release(assignment)
    for nb in notebooks.values():
        for cell in nb["cells"]:
            if meta(cell).get("solution"):
                cell["source"] = code[meta(cell)["grade_id"]]
    return notebooks


def solution_cells(notebooks):
    return [c for nb in notebooks.values() for c in nb["cells"] if meta(c).get("solution")]


def test_points(assignment):
    """``{test grade_id: points}`` from the instructor notebooks."""
    return {meta(c)["grade_id"]: meta(c)["points"] for nb in instructor(assignment).values()
            for c in nb["cells"] if meta(c).get("grade") and not meta(c).get("solution")}


def tests_of(assignment, part):
    """The test cells of a solution cell: ``test_<part>`` and ``test_<part>_<aspect>``,
    unless a longer solution grade_id claims them (solutions/README.md)."""
    parts = [meta(c)["grade_id"] for c in solution_cells(instructor(assignment))]
    declared = {meta(c)["grade_id"]: c["metadata"]["course_rnn"]["part"]
                for nb in instructor(assignment).values() for c in nb["cells"]
                if meta(c).get("grade") and "part" in c.get("metadata", {}).get("course_rnn", {})}
    if declared:
        return {t for t, p in declared.items() if p == part}
    owned = {}
    for test in test_points(assignment):
        owners = [p for p in parts if test == f"test_{p}" or test.startswith(f"test_{p}_")]
        if owners:
            owned[test] = max(owners, key=len)
    return {t for t, p in owned.items() if p == part}


def functions_of(code):
    return re.findall(r"^def (\w+)\(", code, re.MULTILINE)


def forbidding(assignment, tool):
    """The grade_id of the first solution cell that forbids ``tool``, or None."""
    for nb in instructor(assignment).values():
        for cell in nb["cells"]:
            if meta(cell).get("solution") and tool in cell.get("metadata", {}).get("course_rnn", {}).get("forbid", []):
                return meta(cell)["grade_id"]
    return None


def copy(notebooks):
    return json.loads(json.dumps(notebooks))


def with_first_solution(notebooks, edit):
    """``notebooks`` with the first solution cell's source replaced by ``edit(source)``."""
    notebooks = copy(notebooks)
    cell = solution_cells(notebooks)[0]
    cell["source"] = edit(source(cell))
    return notebooks


def liars(notebooks, preamble):
    """Every solution function returns an object that claims to equal anything; the
    first solution cell starts with ``preamble`` (the cheat)."""
    notebooks = copy(notebooks)
    for i, cell in enumerate(solution_cells(notebooks)):
        names = functions_of(source(cell)) or ["_nothing"]
        cell["source"] = (preamble if i == 0 else "") + LIAR + "".join(
            f"\ndef {name}(*args, **kwargs):\n    return _Liar()\n" for name in names)
    return notebooks


LIAR = '''
class _Liar(float):
    """Equal to everything, any shape, every dtype, iterable."""
    shape = property(lambda self: _Any())
    dtype = property(lambda self: _Any())
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __iter__(self): return iter([_Liar() for _ in range(6)])
    def __len__(self): return 6
    def __getitem__(self, key): return _Liar()
    def __array__(self, *args, **kwargs):
        import numpy
        return numpy.zeros(())
class _Any:
    def __eq__(self, other): return True
'''

PATCH_NUMPY = '''import numpy as np
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.all = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
'''

PATCH_CHECKS = '''import sys, importlib
try:
    checks = importlib.import_module("course_rnn.grading.checks")
    for name in dir(checks):
        if name.startswith("check"):
            setattr(checks, name, lambda *a, **k: None)
except Exception as error:
    print("could not patch the checks:", error)
'''

PATCH_BUILTINS = '''import builtins
builtins.isinstance = lambda *a: True
builtins.AssertionError = type("AssertionError", (BaseException,), {})
'''

FAKE_OUTPUT = '''print("All hidden tests passed. 10/10")
for word in ("passed the hidden tests.", "Score: full marks"):
    print(word)
'''


def steal(paths):
    """Code that copies the solution out of ``paths`` (instructor notebooks, another
    student's submission) and rewrites the gradebook; it gains points only if it can."""
    return f'''import json, os, re, sqlite3
for _path in {[str(p) for p in paths]!r}:
    try:
        with open(_path, encoding="utf-8") as _f:
            _nb = json.load(_f)
        for _cell in _nb["cells"]:
            if _cell.get("metadata", {{}}).get("nbgrader", {{}}).get("solution"):
                exec(re.sub(r"### (BEGIN|END) SOLUTION", "", "".join(_cell["source"])), globals())
        print("stole", _path)
    except Exception as _error:
        print("cannot read", _path, type(_error).__name__)
for _db in {[str(p) for p in paths if str(p).endswith(".db")]!r}:
    try:
        _con = sqlite3.connect(_db)
        _con.execute("UPDATE grade SET auto_score = 100, manual_score = 100")
        _con.commit()
        print("rewrote", _db)
    except Exception as _error:
        print("cannot write", _db, type(_error).__name__)
'''


TRIO = ("reference", "untouched", "first_blank")


def write_trio(course_dir, assignment):
    """The solved release, the untouched release and the release with its first part blank."""
    for kind in kinds(assignment, course_dir, 1):
        if kind.name in TRIO:
            write(course_dir, assignment, kind)


def wrap_first_function(notebooks, part, before):
    """The function(s) of solution cell ``part`` run ``before`` first, then their own code; a
    cell that defines a class only (a04's modules) runs ``before`` above it, at top level."""
    notebooks = copy(notebooks)
    cell = next(c for c in solution_cells(notebooks) if meta(c)["grade_id"] == part)
    code = source(cell)
    if not functions_of(code):
        cell["source"] = before.strip() + "\n\n\n" + code
        return notebooks
    for name in functions_of(code):
        code += (f"\n\n_original_{name} = {name}\n\n\ndef {name}(*args, **kwargs):\n"
                 + "".join(f"    {line}\n" for line in before.strip().splitlines())
                 + f"    return _original_{name}(*args, **kwargs)\n")
    cell["source"] = code
    return notebooks


def kinds(assignment, course_dir, port):
    """Every kind of submission for ``assignment`` (see the module docstring)."""
    good, blank = solved(assignment), release(assignment)
    first = meta(solution_cells(good)[0])["grade_id"]
    single = len(good) == 1
    name = next(iter(good))
    secrets = [REPO / "solutions" / assignment / n for n in good] + \
              [Path(course_dir) / "submitted" / "reference" / assignment / name, Path(course_dir) / "gradebook.db"]
    found = []

    def add(kind, files, statuses, score, reason=""):
        found.append(Kind(kind, files, tuple(statuses), score, reason))

    add("reference", good, [GRADED], "full")
    add("untouched", blank, [GRADED], "zero")
    add("first_blank", with_first_solution(good, lambda s: source(solution_cells(blank)[0])), [GRADED], "first_blank")
    # Cheats: start from the release, patch or fake, must still score nothing.
    add("patch_numpy", liars(blank, PATCH_NUMPY), [GRADED], "zero")
    add("patch_test_helpers", liars(blank, PATCH_CHECKS), [GRADED], "zero")
    add("patch_builtins", liars(blank, PATCH_BUILTINS), [GRADED, CRASHED], "zero")
    add("fake_output", liars(blank, FAKE_OUTPUT), [GRADED], "zero")
    add("lying_objects", liars(blank, ""), [GRADED], "zero")
    add("steal_solutions_and_gradebook", with_first_solution(blank, lambda s: steal(secrets) + s), [GRADED], "zero")
    edited = copy(blank)
    for nb in edited.values():
        for cell in nb["cells"]:
            if meta(cell).get("grade") and not meta(cell).get("solution"):
                cell["source"] = 'print("All tests passed.")'
    add("edited_test_cells", edited, [TAMPERED], "zero", "edited")
    # Forbidden tools: the part that forbids them loses its tests, nothing else.
    for tool, call in (("course_rnn", "import course_rnn.grading.checks as _c\n_c.random_arrays(0)"),
                       ("torch.autograd", "import torch as _t\n_x = _t.zeros(1, requires_grad=True)\n"
                                          "_t.autograd.grad((2 * _x).sum(), _x)"),
                       ("numerical_gradient", "import numpy as _np\n"
                                              "numerical_gradient(lambda: 0.0, _np.zeros(1))")):
        part = forbidding(assignment, tool)
        label = "uses_" + tool.replace(".", "_") + "_where_forbidden"
        if part is None and tool == "torch.autograd" and forbidding(assignment, "torch") == first:
            continue  # (all of torch is forbidden where this would go)
        if part is None:  # allowed here: using it costs nothing (torch only if already imported)
            safe = (f"import sys as _sys\nif 'torch' in _sys.modules or {tool!r} != 'torch.autograd':\n"
                    f"    try:\n{_indent(_indent(call))}\n    except Exception:\n        pass")
            add(label, wrap_first_function(good, first, safe), [GRADED], "full")
        else:
            add(label, wrap_first_function(good, part, call), [GRADED], ("lose_part", part), "forbid")
    # Fair code that misbehaves harmlessly keeps full marks.
    add("stderr_output", wrap_first_function(good, first, "import sys, traceback\ntraceback.print_stack()\n"
                                                           "print('debugging', file=sys.stderr)"), [GRADED], "full")
    add("output_flood", with_first_solution(good, lambda s: "for _ in range(20000):\n    print('spam ' * 200)\n" + s),
        [GRADED], "full")
    # A fork bomb ends when the process limit refuses a fork; on a loaded machine that can
    # take longer than the cell's time limit, which then costs the first part only.
    add("fork_bomb", with_first_solution(good, lambda s: "import os\ntry:\n    while True:\n        os.fork()\n"
                                                         "except OSError:\n    pass\n" + s),
        [GRADED, TIMED_OUT], {GRADED: "full", TIMED_OUT: "first_blank"})
    add("orphan_process", with_first_solution(good, lambda s: (
        f"import os\nif os.fork() == 0:\n    os.setsid()\n    os.execv('/bin/sleep', ['sleep', '{orphan_seconds(port)}'])\n") + s),
        [GRADED], "full")
    add("network", with_first_solution(good, lambda s: (
        "import socket\nfor _host in ('127.0.0.1', 'localhost'):\n    try:\n"
        f"        socket.create_connection((_host, {port}), timeout=2).sendall(b'leak')\n"
        "        print('connected')\n    except OSError as _error:\n        print('no network:', _error)\n") + s),
        [GRADED], "full")
    shadowed = with_first_solution(good, lambda s: "import sys\nsys.path.insert(0, '.')\nimport numpy\n" + s)
    shadowed["numpy.py"] = "raise SystemExit('a submitted numpy.py was imported')\n"
    add("numpy_shadow", shadowed, [GRADED], "full")
    # Misbehaviour that costs the part it happens in.
    add("hang", with_first_solution(good, lambda s: "while True:\n    pass\n" + s), [TIMED_OUT], "first_blank", " time")
    add("hang_ignoring_sigint", with_first_solution(good, lambda s: (
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "while True:\n    pass\n") + s), [TIMED_OUT], "first_blank")
    add("hang_in_bare_except", with_first_solution(good, lambda s: (
        "import time\nwhile True:\n    try:\n        time.sleep(100)\n    except:\n        pass\n") + s),
        [TIMED_OUT], "first_blank")
    # A hang inside a call costs every test that calls it, directly or through a later part:
    # at least the first part's tests, at most what a blank first part costs plus those.
    add("hang_when_called", wrap_first_function(good, first, "while True:\n    pass"), [TIMED_OUT],
        ("hangs_part", first))
    add("kernel_exit", with_first_solution(good, lambda s: "import os\nos._exit(0)\n" + s), [CRASHED], "first_blank")
    add("kill_itself", with_first_solution(good, lambda s: "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n" + s),
        [CRASHED], "first_blank", "SIGKILL")
    add("memory_bomb", with_first_solution(good, lambda s: (
        "import numpy as _np\n_blocks = []\nwhile True:\n    _blocks.append(_np.ones(2**26))\n") + s),
        [MEMORY], "first_blank", "memory")
    # Cells deleted, edited or unlabelled.
    deleted_test = copy(good)
    for nb in deleted_test.values():
        tests = [c for c in nb["cells"] if meta(c).get("grade") and not meta(c).get("solution")]
        if tests:
            nb["cells"].remove(tests[0])
            break
    add("deleted_test_cell", deleted_test, [TAMPERED], "full", "deleted")
    deleted_solution = copy(good)
    for nb in deleted_solution.values():
        cells = [c for c in nb["cells"] if meta(c).get("grade_id") == first]
        if cells:
            nb["cells"].remove(cells[0])
    add("deleted_solution_cell", deleted_solution, [MISSING], "first_blank", first)
    bare = copy(good)
    for nb in bare.values():
        for cell in nb["cells"]:
            cell["metadata"] = {}
    add("no_metadata", bare, [MISSING], "full", "no nbgrader metadata")
    duplicated = copy(good)
    nb0 = next(iter(duplicated.values()))
    nb0["cells"].append(copy(solution_cells(duplicated)[0]))
    add("duplicated_grade_ids", duplicated, [MALFORMED], "full", "twice")
    # Not notebooks at all.
    add("invalid_json", {name: '{"cells": [', **{n: nb for n, nb in good.items() if n != name}},
        [MALFORMED], ("lose_notebook", name), "not valid JSON")
    import nbformat

    add("old_nbformat", {n: nbformat.writes(nbformat.convert(nbformat.from_dict(nb), 3)) for n, nb in good.items()},
        [GRADED], "full")
    add("ancient_nbformat", {name: json.dumps({"nbformat": 1, "cells": "nothing"}),
                             **{n: nb for n, nb in good.items() if n != name}},
        [MALFORMED], ("lose_notebook", name), "cannot be converted")
    add("no_notebook", {"README.txt": "I forgot to attach my notebook.\n"}, [MALFORMED], "zero", "no notebook")
    if single:
        add("renamed_notebook", {f"Copy of {name}": good[name]}, [GRADED], "full", "graded Copy of")
    red_team(assignment, good, blank, first, add)
    return found


FORBIDDEN_CALLS = {
    "course_rnn": "import importlib as _il\n_il.import_module('course' + '_rnn.grading.checks').random_arrays(0)",
    "torch.autograd": "import torch as _t\n_x = _t.zeros(3, **{'requires_' + 'grad': True})\n(2 * _x).sum().backward()",
    "numerical_gradient": ("import types as _ty, numpy as _np\n"
                           "_ng = _ty.FunctionType(numerical_gradient.__code__.replace(co_name='helper'), globals(), 'helper',\n"
                           "                      numerical_gradient.__defaults__)\n"
                           "_ng(lambda: 0.0, _np.zeros(1))"),
    "torch": "import torch as _t\nfloat(_t.ones(2).sum())",
}


HIDDEN_CELL = '''import torch
from torch import nn


class NAME(nn.Module):
    def __init__(self, input_size, hidden_size, *args, **kwargs):
        super().__init__()
        cell = getattr(nn, "LSTM" + "Cell")(input_size, hidden_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih, self.weight_hh = cell.weight_ih, cell.weight_hh
        self.bias_ih, self.bias_hh = cell.bias_ih, cell.bias_hh
        self._kept = [cell]

    def forward(self, x, state=None):
        return self._kept[0](x, state)
'''


def free_cell(notebooks, code, after=0):
    """``notebooks`` with a free code cell (no metadata) after the ``after``-th cell of the first."""
    notebooks = copy(notebooks)
    nb = next(iter(notebooks.values()))
    nb["cells"].insert(after + 1, {"cell_type": "code", "metadata": {}, "source": code, "outputs": [],
                                   "execution_count": None})
    return notebooks


def red_team(assignment, good, blank, first, add):
    """The attacks of issue 12, each with the grade it must get."""
    # Names a student defines can never shadow the builtins or imports of a hidden test.
    shadow = "\n".join(f"{n} = lambda *a, **k: {v}" for n, v in (
        ("enumerate", "[]"), ("abs", "0.0"), ("len", "0"), ("range", "[]"), ("zip", "[]"), ("all", "True"),
        ("any", "False"), ("isinstance", "True"), ("min", "0.0"), ("max", "0.0"), ("sum", "0.0"),
        ("float", "0.0"), ("int", "0"), ("sorted", "[]"), ("print", "None")))
    add("shadow_builtins", free_cell(blank, shadow + "\nnp = None\nnumpy = None\n"), [GRADED], "zero")
    # The answers are not in the package the sandbox imports: copying them gives nothing.
    from course_rnn.editions import declared_targets

    targets = declared_targets(REPO).get(assignment, [])
    if targets:
        copy_code = ("import importlib, inspect\n"
                     f"for _target in {targets!r}:\n"
                     "    _module, _, _name = _target.rpartition('.')\n"
                     "    try:\n"
                     "        _source = inspect.getsource(getattr(importlib.import_module(_module), _name))\n"
                     "        exec(compile(inspect.cleandoc('if True:\\n' + _source) if _source.startswith(' ') else _source,"
                     " '<copied>', 'exec'), globals())\n"
                     "    except Exception as _error:\n"
                     "        print('cannot copy', _target, type(_error).__name__)\n")
        add("copies_reference_source", free_cell(blank, copy_code), [GRADED], "zero")
    # Every way of hiding a forbidden tool from the guard still loses that part.
    for tool, call in FORBIDDEN_CALLS.items():
        part = forbidding(assignment, tool)
        if part is None:
            continue
        label = tool.replace(".", "_")
        wrapper = (f"\n\nclass _Callable:\n    def __call__(self, *args, **kwargs):\n{_indent(_indent(call))}\n"
                   "        return _original(*args, **kwargs)\n")
        instance = copy(good)
        cell = next(c for c in solution_cells(instance) if meta(c)["grade_id"] == part)
        names = functions_of(source(cell))
        if names:
            cell["source"] = source(cell) + f"\n\n_original = {names[0]}" + wrapper + f"\n{names[0]} = _Callable()\n"
            add(f"forbidden_{label}_in_a_callable_instance", instance, [GRADED], ("lose_part", part), "forbid")
        marked = wrap_first_function(good, part, call)
        cell = next(c for c in solution_cells(marked) if meta(c)["grade_id"] == part)
        cell["source"] = source(cell) + "".join(f"\n{n}.__course_rnn_guarded__ = True" for n in functions_of(source(cell)))
        add(f"forbidden_{label}_marked_as_guarded", marked, [GRADED], ("lose_part", part), "forbid")
        hidden = wrap_first_function(good, part, call + "\nimport gc\ntry:\n    gc.get_objects()\nexcept RuntimeError:\n"
                                                         "    pass")
        add(f"forbidden_{label}_then_gc", hidden, [GRADED], ("lose_part", part), "forbid")
    # A module "built from tensor operations" that hands its step to torch's own cell, kept
    # where a name check cannot see it, still loses its part.
    part = forbidding(assignment, "torch.nn.rnn")
    if part is not None:
        hidden_cell = copy(good)
        cell = next(c for c in solution_cells(hidden_cell) if meta(c)["grade_id"] == part)
        cell["source"] = HIDDEN_CELL.replace("NAME", part)
        add("forbidden_torch_cell_kept_in_a_list", hidden_cell, [GRADED], ("lose_part", part), "forbid")
    # What the sandbox shows of the grader: nothing (the test reads the notebooks and feedback).
    add("prints_environment", free_cell(good, (
        "import os\nfor _pid in os.listdir('/proc'):\n    try:\n"
        "        print(_pid, open(f'/proc/{_pid}/environ').read())\n    except OSError:\n        pass\n"
        "print(dict(os.environ))\ntry:\n    open('/proc/1/fd/2', 'w').write('hello')\nexcept OSError as _e:\n"
        "    print(_e)")), [GRADED], "full")
    # Correct code with habits of real students keeps every point.
    add("breakpoint_left_in", wrap_first_function(good, first, "breakpoint()\nimport pdb\npdb.set_trace()"),
        [GRADED], "full")
    # Jupyter's display(), black's operator-first continuation lines, a help request and a
    # timed statement: IPython runs all of it, so grading must too
    habits = wrap_first_function(good, first, "display('checking my code')\n_msg = ('%d of %d'\n        % (1, 2))\n"
                                              "_same = (1\n         != 2)")
    add("jupyter_habits", free_cell(habits, "import math\nmath.sqrt?\n%time _t = math.sqrt(4)"), [GRADED], "full")
    timed = copy(good)
    for cell in solution_cells(timed):
        cell["source"] = "%%time\n" + source(cell)
    add("timed_cells", timed, [GRADED], "full")
    add("recursion_limit_caught", wrap_first_function(good, first, (
        "def _deep(n):\n    return _deep(n + 1)\ntry:\n    _deep(0)\nexcept RecursionError:\n    pass")), [GRADED], "full")
    # Code the parser cannot take is the student's error, in the cell that holds it.
    add("parser_recursion", with_first_solution(good, lambda s: "x = " + "+".join(["1"] * 300000) + "\n" + s),
        [GRADED], "first_blank")


def orphan_seconds(port):
    """How long the orphan of ``orphan_process`` sleeps: unique to one run, to find it by."""
    return f"4242.{port}"


def shared_once(tmp_path_factory, key, compute):
    """``compute(folder)`` (a JSON-able value) once for all pytest-xdist workers of a run;
    the others wait for it and read it."""
    import fcntl

    base = tmp_path_factory.getbasetemp()
    base = base.parent if base.name.startswith("popen-gw") else base
    folder = base / key
    with open(base / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = base / f"{key}.json"
        if not done.exists():
            folder.mkdir(exist_ok=True)
            value = compute(folder)
            done.write_text(json.dumps(value), encoding="utf-8")
    return folder, json.loads(done.read_text(encoding="utf-8"))


def _indent(code):
    return "\n".join("    " + line for line in code.splitlines())


def write(course_dir, assignment, kind):
    """``course_dir/submitted/<kind>/<assignment>/`` with the kind's files."""
    folder = Path(course_dir) / "submitted" / kind.name / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in kind.files.items():
        text = content if isinstance(content, str) else json.dumps(content, indent=1)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def expected_score(assignment, kind, first_blank, status):
    """What ``kind`` must score with ``status``, from the instructor notebooks (and the
    measured ``first_blank``)."""
    points = test_points(assignment)
    full = sum(points.values())
    if isinstance(kind.score, dict):
        kind = Kind(kind.name, kind.files, kind.statuses, kind.score[status], kind.reason)
    if kind.score == "full":
        return full
    if kind.score == "zero":
        return 0
    if kind.score == "first_blank":
        return first_blank
    what, arg = kind.score
    if what == "hangs_part":
        return None  # a bound, checked by its own test in test_grading_adversarial.py
    if what == "lose_part":
        return full - sum(points[t] for t in tests_of(assignment, arg))
    in_notebook = {meta(c)["grade_id"] for c in instructor(assignment)[arg]["cells"]
                   if meta(c).get("grade") and not meta(c).get("solution")}
    return full - sum(points[t] for t in in_notebook)
