"""Hidden tests in the trusted process, student functions as proxies into the sandbox.

:func:`grade_notebook` walks a notebook in order.  The student's cells (and the locked
setup and adapter cells) run in a sandboxed child; each hidden-test cell runs here, in a
fresh namespace where each name the task defines (:func:`task_names`: the instructor's
solution functions and adapters, nothing else) is a :class:`Proxy`: calling it sends the
arguments as plain data, runs the student's function there under the time limit, and
returns plain data.  Arguments the function changed are changed here too, so a test sees
an in-place modification.  Nothing the student does in the child (patching numpy, builtins
or ``course_rnn``, printing, returning objects that claim equality, exiting, hanging) can
change what the test code here computes.

A child that dies or hangs costs the cell that was running (zero for a test) and is
replaced: a fresh fork replays the cells run so far (not the one that killed it), so the
later parts are still graded.
"""

import builtins
import time

import numpy as np

from course_rnn.grading import wire
from course_rnn.grading.forbid import static_violations
from course_rnn.grading.sandbox import CRASHED, TIMED_OUT, Lost
from course_rnn.grading.watchdog import HiddenTestTooLong, watchdog

OUTPUT_LIMIT = 20_000


class StudentError(Exception):
    """The student's function raised; the message is ``TypeName: message``.

    When the student raised a built-in exception (ValueError, IndexError, ...), the error
    is also an instance of that class, so a test can check that bad input is refused with
    ``except ValueError``.  Any other class (``Exception``, numpy's ``LinAlgError``, the
    student's own) keeps its name only: a subclass of this one called so, made here (the
    name is all the child sends, and the class always comes from this process), so that a
    message built from ``type(error).__name__`` names what the student raised.  A student's
    class derived from a built-in one (``class TooManyChildren(ValueError)``) keeps its name
    and is an instance of that built-in class too (``builtin``: the nearest built-in class
    the child found among its bases), as in one process.
    """

    def __init__(self, message, traceback_lines=()):
        super().__init__(message)
        self.student_traceback = list(traceback_lines)

    @classmethod
    def of(cls, type_name, message, traceback_lines=(), builtin_base=None):
        name = str(type_name)

        def as_builtin(candidate):
            builtin = getattr(builtins, str(candidate), None)
            return builtin if isinstance(builtin, type) and issubclass(builtin, Exception) \
                and builtin is not Exception else None

        builtin, base = as_builtin(name), as_builtin(builtin_base)
        if builtin is not None:
            cls = _AS_BUILTIN.setdefault(builtin, type(builtin.__name__, (StudentError, builtin), {}))
        elif name.isidentifier() and ((name, base) in _NAMED or len(_NAMED) < 256):  # (a bound: names are student data)
            cls = _NAMED.setdefault((name, base), type(name, (StudentError,) + ((base,) if base else ()),
                                                       {"__module__": "__main__"}))
        return cls(message, traceback_lines)


_AS_BUILTIN, _NAMED = {}, {}


class Proxy:
    """A student function as seen by the hidden tests: a call into the sandbox."""

    def __init__(self, session, name):
        self._session, self._name = session, name
        self.cpu_seconds = None  # CPU seconds the last call used in the sandbox

    def __call__(self, *args, **kwargs):
        return self._call(args, kwargs, {})

    def with_references(self, references, *args, **kwargs):
        """Call the student's function with the names in ``references`` (the task's earlier
        functions) replaced, for this call only, by the test's own functions, which run here on
        the plain data the student's code passes them."""
        return self._call(args, kwargs, dict(references))

    def _call(self, args, kwargs, references):
        try:
            tree, blob = wire.encode((args, kwargs))
        except wire.WireError as error:
            raise TypeError(f"the hidden test passed {error} to {self._name}; only plain data can "
                            f"reach student code (see solutions/README.md)") from None
        hung = self._session.hung.get(self._name)
        if hung:  # a hang costs every test that calls it, but the time limit once, not in each
            raise StudentError.of("TimeoutError", f"TimeoutError: {self._name} {hung} earlier in grading, "
                                                  f"so it was not called again")
        self.cpu_seconds = None
        try:
            reply, data = self._session.request(
                {"op": "call", "name": self._name, "args": tree, "substitute": sorted(references)}, blob,
                serve=lambda name, a, k: references[name](*a, **k))
        except Lost as lost:
            where = self._session.ran_out(lost, self._name)
            if where is None:
                raise
            raise Lost(TIMED_OUT, f"{lost.reason} in {where}") from None
        # the slot's processes as the parent counts them; the child's own count where there are
        # no cgroups (student code in the child could lower that one, never the parent's)
        reported = reply.get("cpu")
        reported = float(reported) if isinstance(reported, (int, float)) and reported == reported else 0.0
        self.cpu_seconds = max(self._session.connection.cpu_seconds, reported)
        if reply.get("error"):
            error = reply["error"]
            raise StudentError.of(error.get("type"), str(error.get("message", "error"))[:2000],
                                  error.get("traceback", [])[-40:], error.get("builtin"))
        try:
            value = wire.decode(reply.get("value"), data)
            result, changed = value["value"], value["arguments"]
        except (wire.WireError, KeyError, TypeError) as error:
            raise StudentError(f"TypeError: {self._name} returned data the grader cannot read ({error})") from None
        if changed is not None:  # the student's function changed its arguments: so do they here
            _update((args, kwargs), changed)
        return result

    def __repr__(self):
        return f"<student function {self._name}>"


def _update(original, changed):
    """Make the arguments a test passed look as the student's function left them: arrays
    changed in place, dicts and lists changed in their items (as in one process)."""
    if isinstance(original, np.ndarray):
        if isinstance(changed, np.ndarray) and original.shape == changed.shape and original.flags.writeable:
            np.copyto(original, changed, casting="unsafe")
        return original
    if type(original) is dict and type(changed) is dict:
        for key in [k for k in original if k not in changed]:
            del original[key]
        for key, value in changed.items():
            original[key] = _update(original[key], value) if key in original else value
        return original
    if type(original) is list and type(changed) is list:
        kept = [_update(a, b) for a, b in zip(original, changed)] + changed[len(original):]
        original[:] = kept
        return original
    if type(original) is tuple and type(changed) is tuple and len(original) == len(changed):
        for a, b in zip(original, changed):
            _update(a, b)
        return original
    return changed


class Session:
    """One notebook being graded: the child running it, and how to get a new one."""

    def __init__(self, slot, files, deadline):
        self.slot, self.files, self.deadline = slot, files, deadline
        self.connection, self.replay, self.violations, self.events = None, [], [], []
        self.hung = {}  # student function -> how its call ran out of time

    def child(self):
        if self.connection is None or not self.connection.alive:
            if time.monotonic() >= self.deadline:
                raise Lost(TIMED_OUT, "the submission ran longer than its time in all")
            self.connection = self.slot.fork(self.files)
            self.connection.deadline = self.deadline
            for request in self.replay:
                self.request(request)
        return self.connection

    def request(self, header, blob=b"", serve=None):
        """``header`` to the child (with the functions it must no longer run); its reply."""
        reply, data = self.child().request(dict(header, hung=sorted(self.hung)), blob, serve=serve)
        self.violations.extend(reply.get("violations", []))
        return reply, data

    def ran_out(self, lost, called=None):
        """If ``lost`` is a per-call or per-cell time-out, note the function it happened in
        (the function the child reported: the one called, or the notebook function a cell
        called that was still running halfway to the limit; else the one called) and
        return its name; otherwise (another loss, the whole submission's limit) None."""
        name = lost.function or called
        if lost.status != TIMED_OUT or lost.reason.endswith(" in all") or not name:
            return None
        self.hung.setdefault(name, lost.reason)
        return name

    def close(self):
        if self.connection is not None:
            self.connection.close()


def task_names(cells):
    """``{name: (part, forbidden tools)}``: what the hidden tests may call, from the
    instructor's cells: the names each solution cell defines, and the adapter functions
    of locked cells (which belong to the part before them)."""
    names, part, tools = {}, None, []
    for cell in cells:
        if cell.kind == "solution":
            part, tools = cell.part or cell.grade_id, list(cell.forbid)
            names.update({name: (part, tools) for name in cell.defines})
        elif cell.kind == "locked" and part is not None and str(cell.grade_id).startswith("adapter_"):
            names.update({name: (part, tools) for name in cell.defines})
    return names


def grade_notebook(slot, cells, files, deadline, tasks=None):
    """Run ``cells`` (from :func:`notebooks.assemble`) and fill in their outputs.

    ``tasks`` is :func:`task_names` of the instructor's notebook: the only names a hidden
    test sees (as proxies), and the part whose tools each one must not use.
    Returns ``(scores, events, violations)``: ``{test grade_id: score}``, the
    ``[(status, reason)]`` of children lost, and ``{part: reason}`` for forbidden tools.
    """
    session = Session(slot, files, deadline)
    session.tasks = tasks if tasks is not None else task_names(cells)
    scores, count = {}, 0
    try:
        for cell in cells:
            if cell.kind in ("markdown", "check"):
                continue
            if time.monotonic() >= deadline:
                session.events.append((TIMED_OUT, "the submission ran longer than its time in all; the rest was not run"))
                scores.update({c.grade_id: 0.0 for c in cells if c.kind == "test" and c.grade_id not in scores})
                break
            count += 1
            if cell.kind == "test":
                scores[cell.grade_id] = run_test(session, cell, count)
            else:
                run_cell(session, cell, count)
    finally:
        session.close()
    violations = {}
    for cell in cells:
        if cell.kind == "solution" and cell.forbid:
            found = static_violations(cell.source, cell.forbid)
            if found:
                violations[cell.part] = f"the code for {cell.part} {found[0]}, which this part forbids"
    for part, tool, detail in session.violations:
        violations.setdefault(part, f"{part} {detail} while it ran, which this part forbids ({tool})")
    for cell in cells:
        if cell.kind == "test" and cell.part in violations and scores.get(cell.grade_id):
            scores[cell.grade_id] = 0.0
            cell.cell["outputs"].append(_stream("stdout", f"0 points: {violations[cell.part]}.\n"))
    return scores, session.events, violations


def run_cell(session, cell, count):
    request = {"op": "cell", "index": count, "source": cell.source, "locked": cell.kind == "locked",
               "parts": {name: [part, list(tools)] for name, (part, tools) in session.tasks.items()}}
    outputs = cell.cell["outputs"] = []
    cell.cell["execution_count"] = count
    try:
        reply, _ = session.request(request)
    except Lost as lost:
        where = session.ran_out(lost)
        reason = f"{lost.reason} in {where}" if where else lost.reason
        session.events.append((lost.status, f"{_name(cell)} {reason}; it was skipped"))
        outputs.append(_error("Stopped", f"this cell {reason} ({lost.status}); it was skipped", []))
        return
    session.replay.append(request)
    for name in ("stdout", "stderr"):
        if reply.get(name):
            outputs.append(_stream(name, str(reply[name])[:OUTPUT_LIMIT + 200]))
    if reply.get("result") is not None:
        outputs.append({"output_type": "execute_result", "execution_count": count, "metadata": {},
                        "data": {"text/plain": str(reply["result"])[:OUTPUT_LIMIT]}})
    error = reply.get("error")
    if error:
        outputs.append(_error(str(error.get("ename", "Error"))[:200], str(error.get("evalue", ""))[:2000],
                              [str(line)[:2000] for line in error.get("traceback", [])][-40:]))


def run_test(session, cell, count):
    """Execute one hidden test here; its score (points, or 0 on any error or loss)."""
    printed = []
    outputs = cell.cell["outputs"] = []
    cell.cell["execution_count"] = count
    namespace = {"__name__": "__main__", "__builtins__": _builtins(printed)}
    namespace.update({name: Proxy(session, name) for name in session.tasks})
    failure = None
    try:
        with watchdog.limit(session.slot.limits.seconds):
            exec(compile(cell.source, f"<hidden test {cell.grade_id}>", "exec"), namespace)
    except Lost as lost:
        failure = _error("Stopped", f"your code {lost.reason} during this test ({lost.status})", [])
        session.events.append((lost.status, f"your code {lost.reason} during test {cell.grade_id!r}"))
    except StudentError as error:
        ename, _, evalue = str(error).partition(": ")
        failure = _error(ename, evalue, error.student_traceback)
    except HiddenTestTooLong:
        failure = _error("Stopped", f"the test itself ran longer than {session.slot.limits.seconds:g} s "
                                    f"of the grader's CPU time (the values your code returned made it so)", [])
        session.events.append((CRASHED, f"the values your code returned kept test {cell.grade_id!r} running too long"))
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: B036 -- a failed test, whatever it raised
        message = str(error)[:2000]
        failure = _error(type(error).__name__, message, [f"{type(error).__name__}: {message}".rstrip(": ")])
    text = "".join(printed)
    if text:
        outputs.append(_stream("stdout", text[:OUTPUT_LIMIT]))
    lost = session.connection is not None and not session.connection.alive and failure is None
    if lost:
        failure = _error("Stopped", "your code stopped the grader's process during this test", [])
    if failure is not None:
        outputs.append(failure)
        return 0.0
    return cell.points


def _builtins(printed):
    """The builtins of a hidden test, with ``print`` writing to the cell's own output."""
    names = dict(vars(builtins))

    def test_print(*args, sep=" ", end="\n", file=None, flush=False):
        printed.append(sep.join(map(str, args)) + end)

    names["print"] = test_print
    return names


def _stream(name, text):
    return {"output_type": "stream", "name": name, "text": text}


def _error(ename, evalue, traceback_lines):
    lines = list(traceback_lines) or [f"{ename}: {evalue}"]
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": lines}


def _name(cell):
    return f"the cell of {cell.grade_id!r}" if cell.grade_id else "a cell"
