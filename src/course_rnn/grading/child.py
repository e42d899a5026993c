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
- ``call``: call one function of that namespace with plain-data arguments, under the guard
  of its part's forbidden tools, and answer with plain data and the arguments it mutated;
- ``names``: the names the namespace defines, so the parent can make proxies of them.

Everything said to the parent goes through ``wire`` (JSON and ``.npz``), never pickle.
"""

import ast
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
import time
import traceback
import types

OUTPUT_LIMIT = 20_000  # characters kept of each stream of one cell
_GRADER_FILES = {os.path.abspath(__file__), os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire.py")}
_MAGIC = re.compile(r"^(\s*)([%!].*)$", re.MULTILINE)


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
    """Forbidden tools of a part, enforced while that part's functions run.

    An audit hook (which cannot be removed) sees imports and attempts to replace the
    profiler; a profile hook sees every call into ``course_rnn``, ``torch.autograd`` or the
    notebook's ``numerical_gradient``.  Violations are recorded out of band and reported
    with the next reply: the student's code cannot catch or hide them.
    """

    def __init__(self):
        self.active = []          # stack of (part, frozenset of tools)
        self.violations = []      # [part, tool, detail]
        self.helper_codes = set()  # code objects of the numerical_gradient of locked cells
        self._switching = False
        self.roots = {}
        for tool, module in (("course_rnn", "course_rnn"), ("torch.autograd", "torch.autograd")):
            spec = importlib.util.find_spec(module.split(".")[0])
            if spec is not None and spec.submodule_search_locations:
                base = list(spec.submodule_search_locations)[0]
                self.roots[tool] = os.path.join(base, *module.split(".")[1:]) + os.sep
        sys.addaudithook(self.audit)

    def record(self, tool, detail):
        """Note a violation; the call goes on, so that the parts built on this one are
        graded on their own (one mistake costs one part)."""
        part, _ = self.active[-1]
        self.violations.append([part, tool, detail])

    def forbids(self, tool):
        return bool(self.active) and tool in self.active[-1][1]

    def audit(self, event, args):
        if not self.active or self._switching:
            return
        if event == "import":
            name = str(args[0])
            for tool in ("course_rnn", "torch.autograd"):
                if self.forbids(tool) and (name == tool or name.startswith(tool + ".")):
                    self.record(tool, f"imported {name}")
        elif event in ("sys.setprofile", "sys.settrace"):
            self.violations.append([self.active[-1][0], "the grader's hooks", f"called {event}"])

    def profile(self, frame, event, arg):
        if event == "call":
            code = frame.f_code
            if code in self.helper_codes and self.forbids("numerical_gradient"):
                self.record("numerical_gradient", "called numerical_gradient")
            for tool, root in self.roots.items():
                if code.co_filename.startswith(root) and code.co_filename not in _GRADER_FILES \
                        and self.forbids(tool):
                    self.record(tool, f"called {code.co_name} from {tool}")
            if code.co_filename.endswith(os.sep + "gradcheck.py") and self.forbids("numerical_gradient"):
                self.record("numerical_gradient", f"called {code.co_name} from course_rnn.gradcheck")
        elif event == "c_call" and getattr(arg, "__name__", "") == "run_backward" \
                and self.forbids("torch.autograd"):
            self.record("torch.autograd", "ran torch's backward engine")

    def wrap(self, function, part, tools):
        """``function`` that enforces ``tools`` of ``part`` for as long as it runs."""
        tools = frozenset(tools)

        @functools.wraps(function)
        def guarded(*args, **kwargs):
            self.active.append((part, tools))
            self._set_profile(self.profile)
            try:
                return function(*args, **kwargs)
            finally:
                self.active.pop()
                self._set_profile(self.profile if self.active else None)

        guarded.__course_rnn_guarded__ = True
        return guarded

    def _set_profile(self, hook):
        self._switching = True
        try:
            sys.setprofile(hook)
        finally:
            self._switching = False


def python_source(cell_source):
    """Cell source as plain Python: IPython magics and shell escapes become no-ops."""
    if cell_source.lstrip().startswith("%%"):
        return "pass  # a cell magic is not run when grading\n"
    return _MAGIC.sub(lambda m: f"{m.group(1)}pass  # not run when grading: {m.group(2)!r}", cell_source)


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
        self.namespace = {"__name__": "__main__", "__builtins__": __builtins__,
                          "get_ipython": lambda: _NoIPython()}
        self.guard = Guard()
        self.guarded = {}  # name -> (part, tools)
        self.hung = set()  # functions that ran out of time before: never run again
        self.seconds = seconds  # the parent's limit of one cell or call
        if seconds:
            signal.signal(signal.SIGALRM, self.on_limit)

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
            self.stub_hung()
            if op == "cell":
                self.reply(self.run_cell(header))
            elif op == "call":
                self.reply(*self.call(header, blob))
            elif op == "names":
                names = [n for n in self.namespace if not n.startswith("__")]
                self.reply({"op": "names", "names": names})
            else:
                os._exit(0)

    def run_cell(self, request):
        index, source = request["index"], python_source(request["source"])
        filename = f"<cell {index}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        out, err = Capture(), Capture()
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
        except BaseException as caught:  # noqa: B036 -- SystemExit, KeyboardInterrupt: the cell's error
            error = {"ename": type(caught).__name__, "evalue": describe(caught).split(": ", 1)[-1],
                     "traceback": student_traceback(caught)}
        finally:
            self.disarm()
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        if os.getpid() != self.pid:
            os._exit(0)
        if request.get("locked"):
            self.remember_helpers()
        for name in request.get("defines", []):
            if request.get("forbid"):
                self.guarded[name] = (request["part"], request["forbid"])
        self.guard_functions()
        self.stub_hung()
        return {"op": "cell", "stdout": out.text(), "stderr": err.text(), "result": result, "error": error}

    def arm(self):
        """Just before the parent's limit, :meth:`on_limit` names the function running."""
        if self.seconds:
            signal.setitimer(signal.ITIMER_REAL, max(self.seconds - 1.0, self.seconds * 0.9))

    def disarm(self):
        if self.seconds:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def on_limit(self, signum, frame):
        """Tell the parent which of the notebook's functions is running out of time (the
        innermost one on the stack), so that it is not waited for again.  Nothing is raised
        here: a bare ``except`` in the student's code cannot turn this into a result."""
        if os.getpid() != self.pid:
            return
        while frame is not None:
            code, name = frame.f_code, frame.f_code.co_name
            if code.co_filename.startswith("<cell ") and self.defines(name, code):
                try:
                    self.wire.send(self.stream, {"op": "hung", "function": name})
                except Exception:  # noqa: BLE001 -- the parent's own limit decides anyway
                    pass
                return
            frame = frame.f_back

    def defines(self, name, code):
        value = self.namespace.get(name)
        value = getattr(value, "__wrapped__", value)
        return isinstance(value, types.FunctionType) and value.__code__ is code

    def stub_hung(self):
        for name in self.hung:
            value = self.namespace.get(name)
            if isinstance(value, types.FunctionType) and not getattr(value, "__course_rnn_hung__", False):
                self.namespace[name] = _hung_stub(name)

    def remember_helpers(self):
        helper = self.namespace.get("numerical_gradient")
        if isinstance(helper, types.FunctionType):
            self.guard.helper_codes.add(helper.__code__)

    def guard_functions(self):
        for name, (part, tools) in self.guarded.items():
            value = self.namespace.get(name)
            if isinstance(value, types.FunctionType) and not getattr(value, "__course_rnn_guarded__", False):
                self.namespace[name] = self.guard.wrap(value, part, tools)

    def call(self, request, blob):
        name = request["name"]
        try:
            args, kwargs = self.wire.decode(request["args"], blob)
        except self.wire.WireError as error:
            return {"op": "result", "error": {"message": f"WireError: arguments {error}"}}, b""
        arrays = [a for a in _arrays((args, kwargs))]
        before = [a.copy() for a in arrays]
        out, err = Capture(), Capture()
        sys.stdout, sys.stderr = out, err
        try:
            function = self.namespace.get(name)
            if function is None:
                raise NameError(f"name {name!r} is not defined")
            self.arm()
            try:
                value = function(*args, **kwargs)
            finally:
                self.disarm()
        except BaseException as caught:  # noqa: B036 -- the student's error goes to the test
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
            return {"op": "result", "error": {"message": describe(caught), "type": type(caught).__name__,
                                              "traceback": student_traceback(caught)}}, b""
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        changed = [i for i, (a, b) in enumerate(zip(arrays, before))
                   if a.shape != b.shape or a.dtype != b.dtype or a.tobytes() != b.tobytes()]
        try:
            tree, data = self.wire.encode({"value": value, "changed": {str(i): arrays[i] for i in changed}})
        except self.wire.WireError as error:
            return {"op": "result", "error": {"message": (
                f"TypeError: {name} returned {error}, which is not plain data (numpy arrays, "
                f"numbers, strings, None, and lists, tuples and dicts of these)")}}, b""
        except BaseException as caught:  # noqa: B036 -- a result that breaks while copied
            return {"op": "result", "error": {"message": describe(caught)}}, b""
        return {"op": "result", "value": tree, "error": None}, data


def _hung_stub(name):
    """What ``name`` becomes once it ran out of time: it fails at once, saying why."""

    def hung(*args, **kwargs):
        raise TimeoutError(f"{name} ran longer than the time limit earlier in grading, so it is not run again")

    hung.__course_rnn_hung__ = True
    hung.__name__ = hung.__qualname__ = name
    return hung


def _arrays(value):
    """Every ndarray in a nest of lists, tuples and dicts, depth first."""
    import numpy as np

    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _arrays(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _arrays(item)


class _NoIPython:
    """What ``get_ipython()`` returns when grading: every magic does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def child_main(sock, wire, limits):
    """The forked child: limits, the submission's folder, then serve the parent."""
    for name in ("SIGINT", "SIGTERM", "SIGPIPE", "SIGXFSZ"):
        signal.signal(getattr(signal, name), signal.SIG_DFL if name != "SIGXFSZ" else signal.SIG_IGN)
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
                child_main(child_end, wire, limits)
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
    _empty(_scratch(sandboxed))
    return os.waitstatus_to_exitcode(status)


def _scratch(sandboxed):
    """The folder a child's temporary files go to, emptied after each child: the sandbox's own
    ``/tmp``, or with ``--unsafe`` the slot's private ``TMPDIR`` (never the machine's ``/tmp``)."""
    if sandboxed:
        return "/tmp"
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
    spec = importlib.util.spec_from_file_location("_course_rnn_wire", argv[2])
    wire = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wire)
    for module in argv[4:]:
        __import__(module)  # warm: every child starts with these already imported
    zygote(channel, wire, sandboxed)


if __name__ == "__main__":
    main(sys.argv)
