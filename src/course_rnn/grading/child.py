"""The sandboxed side of grading: a warm zygote that forks one child per submission.

Run by :mod:`course_rnn.grading.sandbox` inside bubblewrap as a plain script (``python -I
child.py CHANNEL_FD WIRE_PY sandboxed|unsafe [MODULE ...]``), so ``course_rnn`` is *not* imported here: a
student importing it is seen by the audit hook.  The zygote imports numpy (and torch when
the assignment uses it) once, then waits for ``fork`` requests on a SOCK_SEQPACKET channel.
For each it makes a socket pair, forks, hands one end to the trusted parent (SCM_RIGHTS)
and waits for the child; the child resets its limits, moves into the submission's folder
and serves the parent over its own socket:

- ``cell``: execute one cell in the student's namespace, outputs captured in bounded
  buffers, errors reduced to the student's own frames;
- ``call``: call one name of the task with plain-data arguments, under the guard of its
  part's forbidden tools, and answer with plain data and the arguments if it changed them.

Everything said to the parent goes through ``wire`` (JSON and ``.npz``), never pickle.
"""

import ast
import contextlib
import functools
import importlib.util
import io
import json
import linecache
import os
import re
import resource
import select
import shutil
import signal
import socket
import sys
import threading
import time
import traceback
import types

OUTPUT_LIMIT = 20_000  # characters kept of each stream of one cell
_GRADER_FILES = {os.path.abspath(__file__), os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire.py")}
_MAGIC = re.compile(r"^(\s*)([%!].*)$", re.MULTILINE)
_HELP = re.compile(r"^\s*(\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")  # np.split?, ?np.split, np.split??


class Capture(io.TextIOBase):
    """A text stream that keeps its first ``limit`` characters and counts the rest."""

    def __init__(self, limit=OUTPUT_LIMIT):
        self.kept, self.size, self.limit = [], 0, limit

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        room = self.limit - self.size
        if room > 0:
            self.kept.append(text[:room])
        self.size += len(text)
        return len(text)

    def text(self):
        kept = "".join(self.kept)
        if self.size > self.limit:
            kept += f"\n[... {self.size - self.limit} more characters of output not shown]\n"
        return kept


class Guard:
    """Forbidden tools of a part, enforced while that part's names run.

    A part is active while the parent calls one of its names (whatever kind of object the
    name holds: function, callable instance, class) and while one of its plain functions
    runs from anywhere (a free cell, another part).  An audit hook (which cannot be removed)
    sees imports, and refuses the introspection that could reach the guard (``gc``'s object
    walks); a profile hook, in every thread, sees each call into a forbidden tool.
    Violations are reported with the next reply.  What in-process enforcement cannot
    guarantee against a determined student is said in the README; the hidden tests never
    rely on it (they pass or fail on values).
    """

    _RECURRENT = {"lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell", "lstm", "gru", "rnn_tanh", "rnn_relu"}

    def __init__(self):
        self.active = []          # stack of (part, frozenset of tools)
        self.violations = []      # [part, tool, detail]
        self.seen = set()         # (part, tool) already reported
        self.helper_code = set()  # bytecode of the locked numerical_gradient (a renamed copy too)
        self.wrappers = set()     # ids of the wrappers this guard made (an attribute could be forged)
        self.wrapped = []         # the wrappers themselves, kept alive so that an id is never reused
        self._switching = False
        self.roots = {}
        for tool, module in (("course_rnn", "course_rnn"), ("torch.autograd", "torch.autograd"), ("torch", "torch")):
            spec = importlib.util.find_spec(module.split(".")[0])
            if spec is not None and spec.submodule_search_locations:
                base = list(spec.submodule_search_locations)[0]
                self.roots[tool] = os.path.join(base, *module.split(".")[1:]) + os.sep
        if "torch" in self.roots:
            self.roots["torch.nn.rnn"] = os.path.join(self.roots["torch"], "nn", "modules", "rnn.py")
        sys.addaudithook(self.audit)

    def record(self, tool, detail):
        """Note a violation; the call goes on, so that the parts built on this one are
        graded on their own (one mistake costs one part)."""
        part, _ = self.active[-1]
        if (part, tool) not in self.seen:  # the first use says it all (a loop would say it a million times)
            self.seen.add((part, tool))
            self.violations.append([part, tool, detail])

    def forbids(self, tool):
        return bool(self.active) and tool in self.active[-1][1]

    def audit(self, event, args):
        if event.startswith("gc.get_"):
            raise RuntimeError(f"{event} is not available while grading")
        if not self.active or self._switching:
            return
        if event == "import":
            name = str(args[0])
            for tool in ("course_rnn", "torch.autograd", "torch"):
                if self.forbids(tool) and (name == tool or name.startswith(tool + ".")):
                    self.record(tool, f"imported {name}")
        elif event == "sys.setprofile" and sys.getrecursionlimit() - _depth() > 60 and not self._thread_start():
            # (near the recursion limit it is Python removing a hook that could not be called)
            self.record("the grader's hooks", "called sys.setprofile")

    def _thread_start(self):
        """Is this ``sys.setprofile`` a new thread installing the guard's own hook (threading
        does that for every thread started while a part runs: a thread pool, tqdm's monitor)?"""
        caller = sys._getframe(2)
        return caller.f_code is threading.Thread._bootstrap_inner.__code__ and \
            getattr(threading, "_profile_hook", None) == self.profile

    def profile(self, frame, event, arg):
        try:
            if not self.active:
                return
            if event == "call":
                code = frame.f_code
                if (code.co_code, code.co_consts) in self.helper_code and self.forbids("numerical_gradient"):
                    self.record("numerical_gradient", "called numerical_gradient")
                name = code.co_filename
                if name in _GRADER_FILES:
                    return
                for tool, root in self.roots.items():
                    if name.startswith(root) and self.forbids(tool):
                        what = "imported a module" if code.co_name == "<module>" else f"called {code.co_name}"
                        self.record(tool, f"{what} of {tool if tool != 'torch.nn.rnn' else 'torch.nn'}")
                if name.endswith(os.sep + "gradcheck.py") and self.forbids("numerical_gradient"):
                    self.record("numerical_gradient", f"called {code.co_name} from course_rnn.gradcheck")
            elif event == "c_call":
                called = getattr(arg, "__name__", "")
                module = getattr(arg, "__module__", None) or type(getattr(arg, "__self__", None)).__module__ or ""
                if called == "run_backward" and self.forbids("torch.autograd"):
                    self.record("torch.autograd", "ran torch's backward engine")
                if module.startswith("torch") and self.forbids("torch"):
                    self.record("torch", f"called torch's {called}")
                if called in self._RECURRENT and module.startswith("torch") and self.forbids("torch.nn.rnn"):
                    self.record("torch.nn.rnn", f"called torch's recurrent kernel {called}")
        except BaseException:  # noqa: B036 -- a hook that raises is removed by Python
            pass

    def enter(self, part, tools):
        self.active.append((part, frozenset(tools)))
        self._set_profile(self.profile)

    def leave(self):
        self.active.pop()
        self._set_profile(self.profile if self.active else None)

    def wrap(self, function, part, tools):
        """``function`` that enforces ``tools`` of ``part`` for as long as it runs."""

        @functools.wraps(function)
        def guarded(*args, **kwargs):
            self.enter(part, tools)
            try:
                return function(*args, **kwargs)
            finally:
                self.leave()

        self.wrappers.add(id(guarded))
        self.wrapped.append(guarded)
        return guarded

    def _set_profile(self, hook):
        self._switching = True
        try:
            sys.setprofile(hook)
            threading.setprofile(hook)
        finally:
            self._switching = False


def _depth():
    frame, depth = sys._getframe(1), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


_RUN_BODY = ("time", "timeit", "capture", "prun", "memit")  # cell magics whose body runs, as in Jupyter
_RUN_LINE = ("time", "timeit", "prun")                       # line magics whose statement runs
_QUIET = ("matplotlib", "load_ext", "autoreload", "config", "precision", "reload_ext")  # display settings


def python_source(cell_source):
    """``(code, notes)``: cell source as plain Python, and what of it was not run.

    Cell magics that time, profile or capture (``%%time``, ``%%timeit``, ``%%capture``) run
    their body once, ``%%writefile`` writes its file, as in Jupyter; ``%time stmt`` and
    ``%timeit stmt`` run the statement.  Other magics and shell escapes are not run, and
    each is named in ``notes`` (shown in the cell's output), never dropped silently.
    """
    notes = []
    lines = cell_source.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        name, _, rest = lines[first].strip()[2:].partition(" ")
        body = "\n".join(lines[first + 1:])
        if name in _RUN_BODY:
            target = rest.split()[-1] if name == "capture" and rest.split() and rest.split()[-1].isidentifier() else None
            code, inner = python_source(body)
            return code + (f"\n{target} = None\n" if target else ""), notes + inner
        if name == "writefile":
            words = rest.split()
            mode = "a" if "-a" in words or "--append" in words else "w"
            path = next((w for w in words if not w.startswith("-")), None)
            if path:
                return f"with open({path!r}, {mode!r}) as _f:\n    _f.write({body + chr(10)!r})\n", notes
        notes.append(f"the cell magic %%{name} is not run when grading; its cell was skipped")
        return "pass\n", notes

    def line(match):
        indent, magic = match.group(1), match.group(2)
        name, _, rest = magic[1:].partition(" ")
        if magic.startswith("%") and not magic.startswith("%%"):
            if name in _RUN_LINE and rest.strip():
                words = rest.strip().split(" ")
                while len(words) > 1 and words[0].startswith("-"):  # options such as -n 10 -r 3
                    option = words.pop(0)
                    if option in ("-n", "-r", "-p", "-T", "-l", "-s") and len(words) > 1:
                        words.pop(0)
                statement = " ".join(words)
                return f"{indent}{statement}"
        if name not in _QUIET:
            notes.append(f"{magic.strip()!r} is not run when grading")
        return f"{indent}pass  # not run when grading: {magic!r}"

    def help_line(text):
        notes.append(f"{text.strip()!r} is not run when grading")
        return f"{text[:len(text) - len(text.lstrip())]}pass  # not run when grading: {text.strip()!r}"

    return _replace_at_logical_starts(cell_source, line, help_line), notes


def _replace_at_logical_starts(source, magic, help_line):
    """``source`` with each line that IPython reads as a magic, a shell escape or a help
    request (``%time``, ``!ls``, ``np.split?``) replaced by ``magic(match)`` or
    ``help_line(text)``, but only where a logical line starts, as IPython does: a
    continuation line beginning with ``%`` or ``!=`` (black's style) or a line of a
    multi-line string is Python.  Python's tokenizer reads the cell one line at a time and
    tells where the logical lines start; past a line it cannot read, physical lines count."""
    import tokenize

    lines = source.splitlines(keepends=True)
    out = list(lines)
    state = {"depth": 0, "last": None, "next": 0}

    def at_start(row):  # row: 0-based index of the line about to be read
        last = state["last"]
        return row == 0 or (state["depth"] == 0 and last is not None
                            and last.type in (tokenize.NEWLINE, tokenize.NL) and last.end[0] == row)

    def replace(row):
        text = lines[row].rstrip("\r\n")
        ending = lines[row][len(text):]
        found = _MAGIC.match(text)
        if found:
            out[row] = magic(found) + ending
        elif _HELP.match(text):
            out[row] = help_line(text) + ending
        return out[row]

    def readline():
        row = state["next"]
        if row >= len(lines):
            return ""
        state["next"] = row + 1
        return replace(row) if at_start(row) else lines[row]

    try:
        for token in tokenize.generate_tokens(readline):
            if token.type == tokenize.OP and token.string in "([{":
                state["depth"] += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                state["depth"] = max(0, state["depth"] - 1)
            if token.type not in (tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
                state["last"] = token
    except (tokenize.TokenError, SyntaxError):
        pass  # the cell is not valid Python: running it will say where
    for row in range(state["next"], len(lines)):
        replace(row)
    return "".join(out)


def student_traceback(error):
    """The traceback lines of ``error`` that lie in the student's cells, and its last line."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<cell ")]
    lines = []
    if frames:
        lines.append("Traceback (your code, most recent call last):")
        for f in frames:
            lines.append(f"  {f.filename[1:-1].capitalize()}, line {f.lineno}, in {f.name}")
            if f.line:
                lines.append(f"    {f.line.strip()}")
    lines.append(describe(error))
    return lines


def builtin_base(error):
    """The name of the nearest built-in exception class among the bases of ``error``'s class
    (``ValueError`` for ``class TooManyChildren(ValueError)``), or None."""
    import builtins

    try:
        for klass in type.__getattribute__(type(error), "__mro__"):
            if getattr(builtins, getattr(klass, "__name__", ""), None) is klass and klass is not Exception \
                    and issubclass(klass, Exception):
                return klass.__name__
    except BaseException:  # noqa: B036 -- a student's class must not break the report
        pass
    return None


def describe(error):
    """``TypeName: message`` of an exception (its ``__str__`` is student code: guarded)."""
    try:
        message = str(error)
    except BaseException:  # noqa: B036 -- a broken __str__ must not break the report
        message = "(the exception's message could not be read)"
    return f"{type(error).__name__}: {message}"[:2000]


class Child:
    """One submission: the namespace its cells build, served to the parent."""

    def __init__(self, sock, wire, seconds=None):
        self.wire, self.pid = wire, os.getpid()
        self.stream = sock.makefile("rwb")
        main = types.ModuleType("__main__")  # ``import __main__`` is the notebook, as in Jupyter
        main.__dict__.update({"__builtins__": __builtins__, "get_ipython": lambda: _NoIPython(),
                              "display": _display})
        sys.modules["__main__"] = main
        self.namespace = main.__dict__
        self.guard = Guard()
        self.parts = {}    # a name the task defines -> (part, forbidden tools)
        self.hung = set()  # functions that ran out of time before: never run again
        self.seconds = seconds  # the parent's limit of one cell or call, in CPU seconds
        self.running = None     # the name the parent called, while it runs
        self.halfway = None     # (the outermost notebook frame,) halfway to the limit
        if seconds:
            signal.signal(signal.SIGPROF, self.on_limit)

    def reply(self, header, blob=b""):
        if os.getpid() != self.pid:
            os._exit(0)  # a process the student forked never speaks for the submission
        header["violations"], self.guard.violations = self.guard.violations, []
        self.wire.send(self.stream, header, blob)

    def serve(self):
        self.reply({"op": "ready"})
        while True:
            header, blob = self.wire.receive(self.stream)
            op = header.get("op")
            self.hung.update(n for n in header.get("hung", []) if isinstance(n, str))
            for name, (part, tools) in header.get("parts", {}).items():
                self.parts[name] = (part, frozenset(tools))
            self.stub_hung()
            if op == "cell":
                self.reply(self.run_cell(header))
            elif op == "call":
                self.reply(*self.call(header, blob))
            else:
                os._exit(0)

    def run_cell(self, request):
        index = request["index"]
        source, notes = python_source(request["source"])
        filename = f"<cell {index}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        out, err = Capture(), Capture()
        for note in notes:
            err.write(f"[grader] {note}\n")
        result, error = None, None
        sys.stdout, sys.stderr = out, err
        try:
            tree = ast.parse(source, filename)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            self.arm()
            exec(compile(tree, filename, "exec"), self.namespace)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), filename, "eval"), self.namespace)
                if value is not None:
                    result = repr(value)[:OUTPUT_LIMIT]
        except BaseException as caught:  # noqa: B036 -- SystemExit, KeyboardInterrupt, RecursionError: the cell's error
            error = {"ename": type(caught).__name__, "evalue": describe(caught).split(": ", 1)[-1],
                     "traceback": student_traceback(caught)}
        finally:
            self.disarm()
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        if os.getpid() != self.pid:
            os._exit(0)
        if request.get("locked"):
            self.remember_helpers()
        self.guard_functions()
        self.stub_hung()
        return {"op": "cell", "stdout": out.text(), "stderr": err.text(), "result": result, "error": error}

    def arm(self):
        """Halfway to the parent's limit (CPU seconds of this process) :meth:`on_limit` notes
        which call is running, and at the limit names the function running out of time and
        ends the child."""
        self.halfway = None
        if self.seconds:
            signal.setitimer(signal.ITIMER_PROF, self.seconds / 2)

    def disarm(self):
        self.halfway = None
        if self.seconds:
            signal.setitimer(signal.ITIMER_PROF, 0)

    def on_limit(self, signum, frame):
        """The cell or call used its CPU time: tell the parent which function to charge, then
        end.  A call charges the function the parent called.  A cell charges the outermost
        notebook function on its stack only if that very call was already running halfway
        to the limit (a cell whose own loop calls a correct helper many times is charged
        itself, and the helper is not stopped for the rest of grading).  Nothing is raised
        into student code, so a bare ``except`` cannot turn this into a result."""
        if os.getpid() != self.pid:
            os._exit(0)
        outermost = None
        while frame is not None:
            code = frame.f_code
            if code.co_filename.startswith("<cell ") and self.defines(code.co_name, code):
                outermost = frame  # keeps going outwards: the outermost one wins
            frame = frame.f_back
        if self.halfway is None:  # the first signal, halfway: note the call, go on
            self.halfway = (outermost,)
            signal.setitimer(signal.ITIMER_PROF, self.seconds - self.seconds / 2)
            return
        if self.running is not None:
            name = self.running
        elif outermost is not None and self.halfway[0] is outermost:
            name = outermost.f_code.co_name
        else:
            name = None
        try:
            self.wire.send(self.stream, {"op": "hung", "function": name, "cpu": True})
        except BaseException:  # noqa: B036 -- the parent's own limit decides anyway
            pass
        os.kill(os.getpid(), signal.SIGKILL)

    def defines(self, name, code):
        value = self.namespace.get(name)
        value = getattr(value, "__wrapped__", value)
        return isinstance(value, types.FunctionType) and value.__code__ is code

    def stub_hung(self):
        for name in self.hung:
            value = self.namespace.get(name)
            if callable(value) and not getattr(value, "__course_rnn_hung__", False):
                self.namespace[name] = _hung_stub(name)

    def remember_helpers(self):
        helper = self.namespace.get("numerical_gradient")
        if isinstance(helper, types.FunctionType):
            self.guard.helper_code.add((helper.__code__.co_code, helper.__code__.co_consts))

    def guard_functions(self):
        """A part's names enforce its tools wherever they are called from, whatever they hold
        (a function, a callable object; a class is watched through its adapter's calls)."""
        for name, (part, tools) in self.parts.items():
            value = self.namespace.get(name)
            if callable(value) and not isinstance(value, type) and id(value) not in self.guard.wrappers and tools:
                self.namespace[name] = self.guard.wrap(value, part, tools)

    def call(self, request, blob):
        """Run the student's function the parent names.  ``substitute`` names functions that
        the call sees replaced, while it runs, by the parent's reference (each call of one is a
        request to the parent): a part is then graded on its own work where an earlier part it
        builds on is wrong."""
        names = [n for n in request.get("substitute") or [] if isinstance(n, str) and n.isidentifier()]
        with replaced(self.namespace, {n: self._reference(n) for n in names}):
            return self._call(request, blob)

    def _reference(self, name):
        """``name`` as the parent's reference: the arguments go to the parent as plain data,
        its result comes back (an ordinary exception if it refuses them)."""
        lock = threading.Lock()

        def reference(*args, **kwargs):
            if os.getpid() != self.pid:
                raise RuntimeError(f"{name} (the grader's, in place of yours here) runs in the notebook's process only")
            try:
                tree, data = self.wire.encode((args, kwargs))
            except self.wire.WireError as error:
                raise TypeError(f"{name} (the grader's, in place of yours here) takes plain data: {error}") from None
            with lock:
                self.wire.send(self.stream, {"op": "reference", "name": name, "args": tree}, data)
                header, data = self.wire.receive(self.stream)
            if header.get("op") != "reference-result":
                os._exit(0)  # the parent has moved on: nothing this process does counts now
            if header.get("error") is not None:
                raise RuntimeError(f"{name} (the grader's, in place of yours here): {str(header['error'])[:500]}")
            return self.wire.decode(header.get("value"), data)

        reference.__name__ = reference.__qualname__ = name
        return reference

    def _call(self, request, blob):
        name = request["name"]
        try:
            args, kwargs = self.wire.decode(request["args"], blob)
        except self.wire.WireError as error:
            return {"op": "result", "error": {"message": f"WireError: arguments {error}"}}, b""
        before = self.wire.encode((args, kwargs))
        out, err = Capture(), Capture()
        part, tools = self.parts.get(name, (None, frozenset()))
        sys.stdout, sys.stderr = out, err
        try:
            function = self.namespace.get(name)
            if function is None:
                raise NameError(f"name {name!r} is not defined")
            self.running = name
            if tools:
                self.guard.enter(part, tools)
            cpu = process_cpu_seconds()
            self.arm()
            try:
                value = function(*args, **kwargs)
            finally:
                self.disarm()
                cpu = process_cpu_seconds() - cpu
                if tools:
                    self.guard.leave()
                self.running = None
        except BaseException as caught:  # noqa: B036 -- the student's error goes to the test
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
            return {"op": "result", "error": {"message": describe(caught), "type": type(caught).__name__,
                                              "builtin": builtin_base(caught),
                                              "traceback": student_traceback(caught)}}, b""
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        try:
            after = self.wire.encode((args, kwargs))
            changed = after != before
            tree, data = self.wire.encode({"value": value, "arguments": (args, kwargs) if changed else None})
        except self.wire.WireError as error:
            return {"op": "result", "error": {"message": (
                f"TypeError: {name} returned {error}, which is not plain data (numpy arrays, "
                f"numbers, strings, None, and lists, tuples and dicts of these)")}}, b""
        except BaseException as caught:  # noqa: B036 -- a result that breaks while copied
            return {"op": "result", "error": {"message": describe(caught)}}, b""
        return {"op": "result", "value": tree, "error": None, "cpu": cpu}, data


def process_cpu_seconds():
    """CPU seconds of this process, its threads and the processes it waited for (what the
    child reports of a call; the parent measures the slot's processes itself as well)."""
    own, waited = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + waited.ru_utime + waited.ru_stime


@contextlib.contextmanager
def replaced(namespace, values):
    """``namespace`` with ``values`` in place of its entries of the same names while the block
    runs; then each name is back as it was (or absent, if it was)."""
    missing = object()
    saved = {name: namespace.get(name, missing) for name in values}
    namespace.update(values)
    try:
        yield namespace
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


def _hung_stub(name):
    """What ``name`` becomes once it ran out of time: it fails at once, saying why."""

    def hung(*args, **kwargs):
        raise TimeoutError(f"{name} ran longer than the time limit earlier in grading, so it is not run again")

    hung.__course_rnn_hung__ = True
    hung.__name__ = hung.__qualname__ = name
    return hung


def _display(*objects, **kwargs):
    """Jupyter's ``display``, which a kernel puts in every notebook's namespace: the text of
    each object, as a kernel shows it where nothing richer can be drawn."""
    for item in objects:
        print(repr(item))


class _NoIPython:
    """What ``get_ipython()`` returns when grading: every magic does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def child_main(sock, wire, limits, sandboxed):
    """The forked child: a fresh private file system and IPC, limits, then serve the parent."""
    for name in ("SIGINT", "SIGTERM", "SIGPIPE", "SIGXFSZ"):
        signal.signal(getattr(signal, name), signal.SIG_DFL if name != "SIGXFSZ" else signal.SIG_IGN)
    if sandboxed:
        isolate(limits)
    for name, value in (("RLIMIT_CPU", limits["cpu_seconds"]), ("RLIMIT_FSIZE", limits["file_bytes"]),
                        ("RLIMIT_NOFILE", 256), ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, name), (value, value))
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")  # the memory limit kills the student's process, not the zygote
    except OSError:
        pass
    os.chdir(limits["workdir"])
    sys.path.append(limits["workdir"])  # last: a submitted numpy.py never shadows numpy
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    Child(sock, wire, limits.get("call_seconds")).serve()


_libc = None
CLONE_NEWNS, CLONE_NEWIPC = 0x00020000, 0x08000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 32, 4096, 16384, 1 << 18
_FLAGS = {"ro": MS_RDONLY, "nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
          "relatime": 1 << 21, "noatime": 1024, "nodiratime": 2048, "strictatime": 1 << 24}


def _sys(result, what):
    if result != 0:
        import ctypes

        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source, target, kind, flags, data=None):
    _sys(_libc.mount(source.encode(), target.encode(), kind.encode() if kind else None, flags,
                     data.encode() if data else None), f"mount {target}")


def _remount_read_only(target):
    """Bind-remount ``target`` read-only, keeping the flags its mount has (a user namespace
    may not clear them)."""
    flags = MS_BIND | MS_REMOUNT | MS_RDONLY
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == target:
                flags = MS_BIND | MS_REMOUNT | MS_RDONLY
                for option in fields[5].split(","):
                    flags |= _FLAGS.get(option, 0)
    _mount("none", target, None, flags)


def isolate(limits):
    """Give this child what no other child saw or will see, then drop every privilege.

    In new mount and IPC namespaces: fresh size-limited tmpfs for ``/tmp``, ``/dev/shm`` and
    the submission folder (their pages are charged to the slot's memory group and freed when
    the child's namespaces die), the submission's files copied in from the read-only
    staging folder (regular files only; the staging folder is then covered), ``/dev``
    read-only.  Folders the Python installation needs below ``/tmp`` (a clone or virtualenv
    there) are bound again over the fresh ``/tmp``.  Then all capabilities go, for good
    (bounding set, ambient, effective and permitted; no new privileges).
    """
    import ctypes

    global _libc
    _libc = ctypes.CDLL(None, use_errno=True)
    _sys(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare")
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    size = f"size={limits['tmpfs_bytes']},mode=1777"
    kept = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in limits.get("keep", [])}
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, size)
    for path, fd in sorted(kept.items()):
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        _remount_read_only(path)
        os.close(fd)
    _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, size)
    _remount_read_only("/dev")
    workdir = limits["workdir"]
    _mount("tmpfs", workdir, "tmpfs", MS_NOSUID | MS_NODEV, size)
    _copy_regular(limits["staging"], workdir)
    _mount("tmpfs", limits["staging"], "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k")  # covered: (bwrap's mounts cannot be undone)
    os.chmod(workdir, 0o777)
    _drop_capabilities()


def _copy_regular(source, target):
    """Copy the files and folders of ``source`` into ``target``; links are never followed."""
    for entry in os.scandir(source):
        path = os.path.join(target, entry.name)
        if entry.is_dir(follow_symlinks=False):
            os.mkdir(path)
            _copy_regular(entry.path, path)
        elif entry.is_file(follow_symlinks=False):
            shutil.copyfile(entry.path, path, follow_symlinks=False)


def _drop_capabilities():
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    for capability in range(64):
        _libc.prctl(24, capability, 0, 0, 0)  # PR_CAPBSET_DROP
    _libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL
    _sys(_libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)()), "capset")
    _sys(_libc.prctl(38, 1, 0, 0, 0), "no_new_privs")  # PR_SET_NO_NEW_PRIVS


def _quiet_debuggers():
    """``breakpoint()`` and ``pdb.set_trace()`` do nothing, as in a notebook graded by
    nbgrader (no one is there to type at the prompt)."""
    sys.breakpointhook = lambda *args, **kwargs: None
    import pdb

    for name in ("set_trace", "post_mortem", "pm", "run", "runcall", "runeval"):
        setattr(pdb, name, lambda *args, **kwargs: None)
    pdb.Pdb.set_trace = lambda self, *args, **kwargs: None


def zygote(channel, wire, sandboxed):
    """Fork a child per request; kill it when asked; report how each ended."""
    _not_dumpable()
    channel.send(b'{"op": "ready"}')
    while True:
        message = channel.recv(65536)
        request = json.loads(message.decode("utf-8")) if message else {}
        if request.get("op") == "kill":
            continue  # it came after the child had already ended
        if request.get("op") != "fork":
            return
        limits = request["limits"]
        parent_end, child_end = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            channel.close()
            parent_end.close()
            try:
                os.setpgid(0, 0)
                child_main(child_end, wire, limits, sandboxed)
            finally:
                os._exit(0)
        child_end.close()
        socket.send_fds(channel, [b'{"op": "forked"}'], [parent_end.fileno()])
        parent_end.close()
        code = wait_or_kill(channel, pid, sandboxed)
        channel.send(json.dumps({"op": "exited", "code": code}).encode())


def wait_or_kill(channel, pid, sandboxed):
    """Wait for the child; on a ``kill`` request kill it.  Then kill everything it left."""
    pidfd = os.pidfd_open(pid)
    while True:
        ready, _, _ = select.select([channel, pidfd], [], [])
        if pidfd in ready:
            break
        if channel.recv(65536) in (b"", b'{"op": "kill"}'):
            _kill_all(pid, sandboxed)
    _, status = os.waitpid(pid, 0)
    os.close(pidfd)
    _kill_all(pid, sandboxed)
    if not sandboxed:  # (sandboxed, the child's own /tmp died with its mount namespace)
        _empty(_scratch())
    return os.waitstatus_to_exitcode(status)


def _scratch():
    """With ``--unsafe``, the folder a child's temporary files go to, emptied after each
    child: the slot's private ``TMPDIR`` (never the machine's ``/tmp``)."""
    folder = os.environ.get("TMPDIR", "")
    if not os.path.basename(folder) == "child-tmp" or not os.path.isdir(folder):
        raise SystemExit("course-rnn child: --unsafe needs the slot's private TMPDIR")
    return folder


def _kill_all(pid, sandboxed):
    """In the sandbox's PID namespace, every process but its init and this zygote; outside
    it (``--unsafe``), the child's process group."""
    if not sandboxed:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return
    for _ in range(1000):
        me = os.getpid()
        if not [p for p in map(int, filter(str.isdigit, os.listdir("/proc")))
                if p not in (1, me) and _state(p) != "Z"]:
            return
        os.kill(-1, signal.SIGKILL)
        time.sleep(0.001)


def _state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def _empty(folder):
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)
        except OSError:
            pass


def _not_dumpable():
    """No process of the sandbox may trace the zygote or read its memory (PR_SET_DUMPABLE 0)."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def main(argv):
    channel = socket.socket(fileno=int(argv[1]))
    sandboxed = argv[3] == "sandboxed"
    if not sandboxed:
        _scratch()  # refuses to run unsafe without the slot's private TMPDIR
    spec = importlib.util.spec_from_file_location("_course_rnn_wire", argv[2])
    wire = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wire)
    for module in argv[4:]:
        __import__(module)  # warm: every child starts with these already imported
    _quiet_debuggers()
    zygote(channel, wire, sandboxed)


if __name__ == "__main__":
    main(sys.argv)
