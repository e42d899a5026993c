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
CGROUPS = Path("/sys/fs/cgroup")
INSIDE = "/submission"
TIMED_OUT, MEMORY, CRASHED = "timed out", "memory limit", "crashed"


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
    """Why bubblewrap cannot sandbox a process here, or None if it can."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bwrap (Debian package bubblewrap) is not installed"
    try:
        done = subprocess.run([bwrap, *mounts(), "--", sys.executable, "-I", "-c", "pass"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap could not start ({error})"
    if done.returncode != 0:
        return f"bwrap failed: {(done.stderr.strip().splitlines() or ['exit %d' % done.returncode])[-1]}"
    return None


def mounts(workdir=None):
    """bwrap's arguments: namespaces, read-only system and Python, one writable folder."""
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--uid", "65534", "--gid", "65534"]
    for top in ("usr", "bin", "lib", "lib64", "lib32", "sbin"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.exists():
            args += ["--ro-bind", str(path), str(path)]
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/ssl/certs"):
        args += ["--ro-bind-try", path, path]
    for path in sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix), SRC}):
        args += ["--ro-bind", str(path), str(path)]
    if workdir is not None:
        args += ["--bind", str(workdir), INSIDE, "--chdir", INSIDE]
    args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--clearenv"]
    for name, value in (("HOME", "/tmp"), ("PATH", "/usr/bin:/bin"), ("LANG", "C.UTF-8"),
                        ("MPLBACKEND", "Agg"), *ONE_THREAD.items(), ("PYTHONHASHSEED", "0")):
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
        """SIGKILL every process of the groups but ``keep``, until none is left."""
        for _ in range(200):
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

    def __init__(self, name, limits, preload=("numpy",), unsafe=False, folder=None):
        self.name, self.limits, self.preload, self.unsafe = name, limits, tuple(preload), unsafe
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
        inside = self.workdir if self.unsafe else Path(INSIDE)
        command = [sys.executable, "-I", str(CHILD), str(theirs.fileno()), str(WIRE),
                   "unsafe" if self.unsafe else "sandboxed", *self.preload]
        env = None
        if self.unsafe:  # temporary files go to a private folder emptied after each child
            scratch = self.root / "child-tmp"
            scratch.mkdir(exist_ok=True)
            env = dict(os.environ, TMPDIR=str(scratch), **ONE_THREAD)
        else:
            command = [shutil.which("bwrap"), *mounts(self.workdir), "--", *command]
        self.inside = str(inside)
        self.process = subprocess.Popen(command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
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
            log = self.process.stderr.read().decode(errors="replace").strip().splitlines()[-5:]
            raise GradingError(f"the sandbox did not start: {' / '.join(log) or 'no message'}")
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

    def fork(self, files):
        """A fresh child for one submission, its folder holding ``files`` ({name: Path})."""
        if self.process is None or self.process.poll() is not None or not self.workdir.is_dir():
            self.start()  # (a folder deleted under us, say by a /tmp cleaner, needs a new bind)
        for item in self.workdir.iterdir():
            shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
        for name, path in files.items():
            (shutil.copytree if path.is_dir() else shutil.copyfile)(path, self.workdir / name)
        limits = {"workdir": self.inside, "cpu_seconds": int(self.limits.submission_seconds) + 1,
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
        if code is None:
            self.start()  # the zygote itself is gone: a fresh sandbox for the next child
        if self.cgroups.oom_kills() > self.oom_before:
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

    def stop_zygote(self):
        if self.process is not None:
            self.cgroups.kill()
            self.process.kill()
            self.process.wait()
            self.process.stderr.close()
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
        self.deadline = time.monotonic() + slot.limits.submission_seconds
        self.stream = _DeadlineStream(sock)
        self.request({"op": "hello"}, expect="ready", send=False)

    def request(self, header, blob=b"", expect=None, send=True, seconds=None):
        """Send ``header`` and return the child's reply ``(header, blob)``."""
        if not self.alive:
            raise Lost(self.lost_status, self.lost_reason)
        per_request = self.slot.limits.seconds if seconds is None else seconds
        until = min(time.monotonic() + per_request, self.deadline)
        self.stream.until = until
        self.running_late = None
        try:
            if send:
                wire.send(self.stream, header, blob)
            reply, data = wire.receive(self.stream)
            while reply.get("op") == "hung":  # the child names the function about to run out of time
                name = reply.get("function")
                self.running_late = name if isinstance(name, str) and name.isidentifier() else None
                reply, data = wire.receive(self.stream)
            if expect is not None and reply.get("op") != expect:
                raise wire.WireError(f"expected {expect!r}, got {reply.get('op')!r}")
            return reply, data
        except TimeoutError:
            whole = until == self.deadline
            limit = self.slot.limits.submission_seconds if whole else per_request
            self.lose(f"ran longer than {limit:g} s" + (" in all" if whole else ""))
        except (EOFError, OSError, wire.WireError) as error:
            self.lose(None if isinstance(error, (EOFError, OSError)) else f"broke the grader's protocol ({error})")

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

    def _arm(self):
        left = self.until - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.sock.settimeout(left)

    def read(self, n):
        self._arm()
        try:
            return self.sock.recv(min(n, 1 << 20))
        except socket.timeout:
            raise TimeoutError from None

    def write(self, data):
        self._arm()
        try:
            self.sock.sendall(data)
        except socket.timeout:
            raise TimeoutError from None

    def flush(self):
        pass
