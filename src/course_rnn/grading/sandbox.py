"""Where student code runs: a bubblewrap sandbox per worker, with a warm zygote inside.

A :class:`Slot` is one worker's sandbox.  It starts ``child.py`` under ``bwrap`` with no
network, its own PID and user namespaces (uid 65534, no capabilities), a read-only view of
the Python installation, the virtualenv and the package sources only (not the repository,
``solutions/``, the course directory or its gradebook), a private ``/tmp`` and one writable
folder, ``/submission``, that the parent fills with the files of one submission at a time.
The zygote imports numpy (and torch) once; each submission is a fresh fork of it.

Limits: memory (a cgroup v1 ``memory`` group per slot: the zygote's own size plus the
limit; its children are the ones the kernel kills first), processes (a ``pids`` group), CPU
time and file size (rlimits of the child), wall clock per cell or call and per submission
(the parent's deadlines).  Whatever a submission started is killed, by PID, from the
cgroups when it ends: nothing outlives its grading.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from course_rnn.grading import wire
from course_rnn.grading.errors import GradingError

CHILD = Path(__file__).with_name("child.py")
WIRE = Path(wire.__file__)
SRC = Path(__file__).resolve().parents[2]  # the folder that holds the course_rnn package
PACKAGE = Path(__file__).resolve().parents[1]  # the course_rnn package as Python imports it
GRADER, STAGING = "/.grader", "/.staging"  # inside: the child's own code; the submission before it is copied
CGROUPS = Path("/sys/fs/cgroup")
INSIDE = "/submission"
TIMED_OUT, MEMORY, CRASHED = "timed out", "memory limit", "crashed"
LEFTOVER_BYTES = 64 * 2**20
WALL_FACTOR = 3  # the wall-clock backstop of a limit in CPU seconds
# A child still using CPU at its backstop is starved by a busy machine, not blocked: it gets
# more windows of the same length (its own CPU limit ends it), up to this many in all.
STARVED_WINDOWS = 4
RUNNING_SHARE = 0.02  # "still using CPU": this share of the last window's wall-clock time, or more


@dataclass(frozen=True)
class Limits:
    """What one submission may use.  ``seconds`` bounds each cell and each call of a hidden
    test; ``submission_seconds`` the whole submission (and its CPU time)."""

    memory_bytes: int = 2 * 2**30
    seconds: float = 60.0
    submission_seconds: float = 600.0
    file_bytes: int = 64 * 2**20
    processes: int = 64


class SandboxUnavailable(GradingError):
    """bubblewrap cannot run here, so student code cannot be isolated."""


# one thread a child: the workers are the parallelism
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


class Lost(BaseException):
    """The child running a submission is gone: killed for a limit, or it died by itself.

    A BaseException, so that a hidden test's ``except Exception`` cannot swallow it.
    """

    def __init__(self, status, reason, function=None):
        super().__init__(reason)
        self.status, self.reason, self.function = status, reason, function


def bwrap_problem():
    """Why bubblewrap cannot sandbox a process here, and what to do about it; or None if it can."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bwrap is not installed (install the Debian package: apt-get install bubblewrap)"
    if os.geteuid() != 0:
        return "the grader must run as root to give each child its own file systems (bwrap --cap-add)"
    with tempfile.TemporaryDirectory() as empty:
        try:
            done = subprocess.run([bwrap, *mounts(empty), "--", sys.executable, "-I", "-c", "pass"],
                                  capture_output=True, text=True, timeout=60, env=SANDBOX_ENV)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"{bwrap} could not start ({error})"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit %d" % done.returncode])[-1]
        return (f"{bwrap} is installed but failed to start a sandbox: {last} (a container must allow "
                f"new namespaces and mounts, e.g. docker run --privileged)")
    return None


def unavailable(problem):
    """The error for :func:`bwrap_problem`'s ``problem``."""
    return SandboxUnavailable(f"cannot sandbox student code: {problem}; or pass --unsafe to run submissions "
                              f"unsandboxed (only for code you trust)")


#: the environment of bubblewrap itself (it is PID 1 of the sandbox: a student can read it)
SANDBOX_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def under_tmp(path):
    return Path(path) == Path("/tmp") or Path("/tmp") in Path(path).parents


def system_paths(package=None):
    """``[(source, where inside)]``: the Python installation and the package, read-only.
    ``package`` is a folder holding the edition of ``course_rnn`` students may import."""
    found = {Path(sys.base_prefix).resolve(), Path(sys.prefix), SRC}
    found |= {Path(p) for p in sys.path if Path(p).name in ("site-packages", "dist-packages") and Path(p).is_dir()}
    paths = [(p, p) for p in sorted(found)]
    if package is not None:
        paths.append((Path(package) / "course_rnn", PACKAGE))
    return paths + [(CHILD, Path(GRADER) / "child.py"), (WIRE, Path(GRADER) / "wire.py")]


def mounts(workdir=None, package=None):
    """bwrap's arguments: namespaces, read-only system and Python, a read-only staging folder
    from which each child copies its submission into a fresh folder of its own."""
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--uid", "65534", "--gid", "65534",
            "--cap-add", "ALL", "--tmpfs", "/tmp"]  # the tmpfs first: a clone under /tmp is bound over it
    for top in ("usr", "bin", "lib", "lib64", "lib32", "sbin"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.exists():
            args += ["--ro-bind", str(path), str(path)]
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/ssl/certs"):
        args += ["--ro-bind-try", path, path]
    for source, inside in system_paths(package):
        args += ["--ro-bind", str(source), str(inside)]
    if workdir is not None:
        args += ["--ro-bind", str(workdir), STAGING, "--dir", INSIDE, "--chdir", "/"]
    args += ["--dev", "/dev", "--proc", "/proc", "--clearenv"]
    for name, value in (("HOME", "/tmp"), ("PATH", "/usr/bin:/bin"), ("LANG", "C.UTF-8"), ("MPLBACKEND", "Agg"),
                        ("PYTHONBREAKPOINT", "0"), *ONE_THREAD.items(), ("PYTHONHASHSEED", "0")):
        args += ["--setenv", name, value]
    return args


class Cgroups:
    """One cgroup v1 ``memory`` and ``pids`` group, below the ones this process is in."""

    def __init__(self, name):
        self.dirs = {}
        for controller in ("memory", "pids"):
            base = CGROUPS / controller / own_cgroup(controller).lstrip("/")
            folder = base / name
            try:
                folder.mkdir(exist_ok=True)
            except OSError:
                continue
            self.dirs[controller] = folder

    @property
    def available(self):
        return set(self.dirs) == {"memory", "pids"}

    def join(self):
        """Move the calling process in (used between fork and exec of the sandbox)."""
        for folder in self.dirs.values():
            (folder / "cgroup.procs").write_text(str(os.getpid()))

    def pids(self):
        found = set()
        for folder in self.dirs.values():
            try:
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except OSError:
                pass
        return found

    def write(self, controller, name, value):
        if controller in self.dirs:
            try:
                (self.dirs[controller] / name).write_text(str(value))
            except OSError:
                pass

    def read(self, controller, name):
        try:
            return (self.dirs[controller] / name).read_text()
        except (OSError, KeyError):
            return ""

    def oom_kills(self):
        for line in self.read("memory", "memory.oom_control").splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return int(self.read("memory", "memory.failcnt") or 0)

    def kill(self, keep=frozenset()):
        """SIGKILL every process of the groups but ``keep``, until none is left (or 20 s,
        on a machine so busy that the kernel is slow to reap them)."""
        until = time.monotonic() + 20
        while time.monotonic() < until:
            extra = self.pids() - set(keep)
            if not extra:
                return
            for pid in extra:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.005)

    def remove(self):
        self.kill()
        for folder in self.dirs.values():
            for _ in range(50):
                try:
                    folder.rmdir()
                    break
                except OSError:
                    time.sleep(0.02)


def own_cgroup(controller):
    """This process's cgroup path in a v1 hierarchy, e.g. ``/`` or ``/some/group``."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controller in controllers.split(","):
                return path
    except OSError:
        pass
    return "/"


def remove_stale_cgroups():
    """Groups left by a grader that was killed: kill what is in them and remove them."""
    for controller in ("memory", "pids"):
        base = CGROUPS / controller / own_cgroup(controller).lstrip("/")
        for folder in base.glob("course-rnn-*"):
            owner = folder.name.split("-")[2]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                group = Cgroups.__new__(Cgroups)
                group.dirs = {controller: folder}
                group.remove()


class Slot:
    """One worker's sandbox: a zygote that forks a child per submission."""

    def __init__(self, name, limits, preload=("numpy",), unsafe=False, folder=None, package=None):
        self.name, self.limits, self.preload, self.unsafe = name, limits, tuple(preload), unsafe
        self.package = package  # the folder of the students' edition of course_rnn
        self.root = Path(tempfile.mkdtemp(prefix=f".course-rnn-{name}-", dir=folder))
        self.workdir = self.root / "submission"
        self.process = self.channel = None
        self.cgroups = Cgroups(f"course-rnn-{os.getpid()}-{name}")
        self.keep = set()

    def start(self):
        """Start (or restart) the zygote and wait until it has imported its modules."""
        self.stop_zygote()
        self.workdir.mkdir(parents=True, exist_ok=True)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = SANDBOX_ENV
        if self.unsafe:  # temporary files go to a private folder emptied after each child
            scratch = self.root / "child-tmp"
            scratch.mkdir(exist_ok=True)
            env = dict(os.environ, TMPDIR=str(scratch), **ONE_THREAD)
            command = [sys.executable, "-I", str(CHILD), str(theirs.fileno()), str(WIRE), "unsafe", *self.preload]
        else:
            command = [shutil.which("bwrap"), *mounts(self.workdir, self.package), "--",
                       sys.executable, "-I", f"{GRADER}/child.py", str(theirs.fileno()), f"{GRADER}/wire.py",
                       "sandboxed", *self.preload]
        self.process = subprocess.Popen(command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        preexec_fn=self.cgroups.join, start_new_session=True)
        theirs.close()
        self.channel = ours
        ours.settimeout(300)
        try:
            ready = ours.recv(4096)
        except OSError:
            ready = b""
        if not ready:
            self.process.kill()
            self.process.wait()
            problem = None if self.unsafe else bwrap_problem()
            raise GradingError(f"the sandbox did not start: {problem or 'the zygote ended before it was ready'}")
        self.keep = self.cgroups.pids()
        for pid in self.keep:
            try:
                Path(f"/proc/{pid}/oom_score_adj").write_text("-1000")
            except OSError:
                pass
        usage = int(self.cgroups.read("memory", "memory.usage_in_bytes") or 0)
        self.cgroups.write("memory", "memory.limit_in_bytes", usage + self.limits.memory_bytes)
        self.cgroups.write("memory", "memory.memsw.limit_in_bytes", usage + self.limits.memory_bytes)
        self.cgroups.write("pids", "pids.max", len(self.keep) + self.limits.processes)
        self.baseline = usage

    def fork(self, files):
        """A fresh child for one submission, its folder holding ``files`` ({name: Path})."""
        if self.process is None or self.process.poll() is not None or not self.workdir.is_dir():
            self.start()  # (a folder deleted under us, say by a /tmp cleaner, needs a new bind)
        for item in self.workdir.iterdir():
            shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
        for name, path in files.items():
            if path.is_dir():  # (the course's data folders; a student's files are regular files only)
                shutil.copytree(path, self.workdir / name, symlinks=True)
            else:
                shutil.copyfile(path, self.workdir / name)
        limits = {"workdir": str(self.workdir) if self.unsafe else INSIDE, "staging": STAGING,
                  "keep": sorted({str(inside) for _, inside in system_paths(self.package) if under_tmp(inside)
                                  and Path(inside).is_dir()}),
                  "tmpfs_bytes": self.limits.memory_bytes, "cpu_seconds": int(self.limits.submission_seconds) + 1,
                  "file_bytes": self.limits.file_bytes, "call_seconds": self.limits.seconds}
        try:
            self.channel.send(json.dumps({"op": "fork", "limits": limits}).encode())
            self.channel.settimeout(60)
            _, fds, _, _ = socket.recv_fds(self.channel, 4096, 1)
        except OSError:
            fds = []
        if not fds:
            self.start()
            return self.fork(files)
        self.oom_before = self.cgroups.oom_kills()
        return Connection(self, socket.socket(fileno=fds[0]))

    def end(self, reason=None):
        """Kill the child and whatever it started; ``(status, reason)`` of how it ended."""
        code = None
        try:
            self.channel.send(b'{"op": "kill"}')
        except OSError:
            pass
        self.cgroups.kill(self.keep)
        try:
            self.channel.settimeout(10)
            message = self.channel.recv(4096)
            code = json.loads(message.decode())["code"] if message else None
        except (OSError, ValueError, KeyError):
            pass
        memory_limit = self.cgroups.oom_kills() > self.oom_before
        if code is None or self.leftover():
            self.start()  # the zygote is gone, or memory is still held: a fresh sandbox for the next child
        if memory_limit:
            return MEMORY, f"used more than the memory limit of {self.limits.memory_bytes / 2**30:g} GiB"
        if reason is not None:
            return TIMED_OUT, reason
        if code == -signal.SIGXCPU:
            return TIMED_OUT, f"used more than {self.limits.submission_seconds:g} s of CPU time"
        if code is None or code == 0:
            return CRASHED, "ended the Python process running the notebook"
        if code < 0:
            return CRASHED, f"was killed by {signal.Signals(-code).name}"
        return CRASHED, f"exited the Python process running the notebook with code {code}"

    def child_cpu_seconds(self):
        """CPU seconds (user + system) used so far by the processes of the slot that are not
        the sandbox's own: the child and whatever it started (0 without cgroups)."""
        ticks = 0
        for pid in self.cgroups.pids() - set(self.keep):
            try:  # /proc/PID/stat: utime, stime, and the same of waited-for children: fields 14-17
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += sum(int(f) for f in fields[11:15])
            except (OSError, IndexError, ValueError):
                pass
        return ticks / os.sysconf("SC_CLK_TCK")

    def leftover(self):
        """Whether the slot's memory group still holds much more than right after the zygote
        started (what a child left behind would be charged to the next student)."""
        usage = self.cgroups.read("memory", "memory.usage_in_bytes")
        return bool(usage) and int(usage) > getattr(self, "baseline", 0) + LEFTOVER_BYTES

    def stop_zygote(self):
        if self.process is not None:
            self.cgroups.kill()
            self.process.kill()
            self.process.wait()
            self.channel.close()
            self.process = None

    def close(self):
        self.stop_zygote()
        self.cgroups.remove()
        shutil.rmtree(self.root, ignore_errors=True)


class Connection:
    """The parent's end of one child: requests with a deadline, or :class:`Lost`."""

    def __init__(self, slot, sock):
        self.slot, self.sock, self.alive = slot, sock, True
        self.cpu_seconds = 0.0  # what the child's processes used in the last request (0 without cgroups)
        self.deadline = time.monotonic() + WALL_FACTOR * slot.limits.submission_seconds
        self.stream = _DeadlineStream(sock)
        self.request({"op": "hello"}, expect="ready", send=False)

    def request(self, header, blob=b"", expect=None, send=True, serve=None):
        """Send ``header`` and return the child's reply ``(header, blob)``.

        The child ends itself when the cell or call has used the slot's ``seconds`` of CPU time
        (after naming the function to charge); the wall-clock deadline here is only a backstop,
        several times larger, for code that sleeps or blocks.  While a call runs, the child may
        ask for a reference function the call sees in place of the student's (``op:
        reference``); ``serve(name, args, kwargs)`` answers it.  A child still using CPU when
        the backstop comes is starved by a busy machine, not blocked: it gets another window
        (up to ``STARVED_WINDOWS`` in all), so that how busy the machine is does not change a
        grade.
        """
        if not self.alive:
            raise Lost(self.lost_status, self.lost_reason)
        cpu = self.slot.limits.seconds
        backstop = WALL_FACTOR * cpu + 10
        start = time.monotonic()
        until = min(start + backstop, self.deadline)
        self.stream.until = until
        used = [self.slot.child_cpu_seconds()]
        first = used[0]

        def still_running():
            """At the backstop: another window if the child used CPU in the last one."""
            now, before = time.monotonic(), used[0]
            used[0] = self.slot.child_cpu_seconds()
            if self.stream.until >= self.deadline or now - start >= STARVED_WINDOWS * backstop \
                    or used[0] - before < RUNNING_SHARE * backstop:
                return False
            self.stream.until = min(now + backstop, start + STARVED_WINDOWS * backstop, self.deadline)
            return True
        self.stream.extend = still_running
        self.running_late, out_of_cpu = None, False
        try:
            if send:
                wire.send(self.stream, header, blob)
            reply, data = wire.receive(self.stream)
            while reply.get("op") in ("hung", "reference"):
                if reply["op"] == "reference":
                    self._serve(serve, reply, data)
                else:  # the child names the function that ran out of time
                    name = reply.get("function")
                    self.running_late = name if isinstance(name, str) and name.isidentifier() else None
                    out_of_cpu = out_of_cpu or reply.get("cpu") is True
                reply, data = wire.receive(self.stream)
            if expect is not None and reply.get("op") != expect:
                raise wire.WireError(f"expected {expect!r}, got {reply.get('op')!r}")
            self.cpu_seconds = self.slot.child_cpu_seconds() - first
            return reply, data
        except TimeoutError:
            whole = self.stream.until == self.deadline
            limit = self.slot.limits.submission_seconds * WALL_FACTOR if whole else self.stream.until - start
            self.lose(f"ran longer than {limit:.0f} s of wall-clock time" + (" in all" if whole else ""))
        except (EOFError, OSError, wire.WireError) as error:
            if out_of_cpu:
                self.lose(f"used more than {cpu:g} s of CPU time")
            self.lose(None if isinstance(error, (EOFError, OSError)) else f"broke the grader's protocol ({error})")

    def _serve(self, serve, request, data):
        """Answer a child's request for a reference function, with its result or the error it
        raised.  Anything else stopping it here (a test out of its time) ends the child, whose
        next message would otherwise be read as the reply to another request."""
        name = request.get("name")
        try:
            if serve is None:
                raise LookupError(f"no reference function {name!r} stands in here")
            args, kwargs = wire.decode(request.get("args"), data)
            tree, blob = wire.encode(serve(name, args, kwargs))
            reply = {"op": "reference-result", "value": tree, "error": None}
        except Exception as error:  # the reference refused what the student's code passed it
            reply, blob = {"op": "reference-result", "error": f"{type(error).__name__}: {error}"[:500]}, b""
        except BaseException:
            self.alive = False
            self.sock.close()
            self.slot.end()
            raise
        wire.send(self.stream, reply, blob)

    def lose(self, reason):
        self.alive = False
        self.sock.close()
        status, reason = self.slot.end(reason)
        if reason.startswith("broke"):
            status = CRASHED
        self.lost_status, self.lost_reason = status, reason
        raise Lost(status, reason, self.running_late if status == TIMED_OUT else None)

    def close(self):
        """End the child normally (it is killed; whatever it started is killed too)."""
        if self.alive:
            self.alive = False
            self.sock.close()
            self.slot.end()


class _DeadlineStream:
    """A socket read and written as a stream, every operation bounded by ``until``."""

    def __init__(self, sock):
        self.sock, self.until = sock, None
        self.extend = None  # at ``until``: returns True after moving ``until`` later, to go on waiting

    def _arm(self):
        left = self.until - time.monotonic()
        while left <= 0:
            if self.extend is None or not self.extend():
                raise TimeoutError
            left = self.until - time.monotonic()
        self.sock.settimeout(left)

    def read(self, n):
        while True:  # a timeout mid-message asks ``extend`` again: nothing read is lost
            self._arm()
            try:
                return self.sock.recv(min(n, 1 << 20))
            except socket.timeout:
                continue

    def write(self, data):
        self._arm()
        try:
            self.sock.sendall(data)
        except socket.timeout:
            raise TimeoutError from None

    def flush(self):
        pass
