"""The sandbox itself: what student code can see, reach and leave behind.

One warm slot (bubblewrap, cgroups) runs a few children; each check is what a hostile
submission would try first.
"""

import os
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from course_rnn.grading import wire
from course_rnn.grading.sandbox import Limits, Lost, Slot, bwrap_problem

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(bwrap_problem() is not None, reason=f"no sandbox here: {bwrap_problem()}")


@pytest.fixture(scope="module")
def slot():
    made = Slot("test", Limits(seconds=10, memory_bytes=256 * 2**20))
    made.start()
    yield made
    made.close()


def run(slot, source, files=None):
    """Execute one cell in a fresh child; its reply."""
    child = slot.fork(files or {})
    try:
        reply, _ = child.request({"op": "cell", "index": 1, "source": source})
    finally:
        child.close()
    return reply


def test_student_code_sees_neither_the_repository_nor_the_course_directory(slot, tmp_path):
    (tmp_path / "gradebook.db").write_text("secret")
    probe = (f"import os\nfor p in [{str(REPO / 'solutions')!r}, {str(REPO)!r} + '/README.md', "
             f"{str(tmp_path / 'gradebook.db')!r}, '/root/.ssh', '/etc/passwd']:\n    print(p, os.path.exists(p))")
    out = run(slot, probe)["stdout"]
    assert "True" not in out and out.count("False") == 5


def test_package_and_python_are_read_only_and_the_folder_holds_only_the_given_files(slot, tmp_path):
    given = tmp_path / "weights.npz"
    np.savez(given, w=np.ones(3))
    probe = (f"import os\nprint(sorted(os.listdir('.')))\ntry:\n    open({str(REPO / 'src' / 'course_rnn' / '__init__.py')!r}, 'a')\n"
             "except OSError as e:\n    print('read-only', e.errno)\nopen('mine.txt', 'w').write('ok')")
    reply = run(slot, probe, {"weights.npz": given})
    assert "['weights.npz']" in reply["stdout"] and "read-only" in reply["stdout"]
    assert run(slot, "import os\nprint(os.listdir('.'))")["stdout"].strip() == "[]"  # next child starts clean


def test_no_network_even_to_this_machine(slot):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    port = server.getsockname()[1]
    out = run(slot, f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
                    f"    print('connected')\nexcept OSError:\n    print('refused')")["stdout"]
    with pytest.raises(BlockingIOError):
        server.accept()
    server.close()
    assert out.strip() == "refused"


def test_numpy_is_imported_before_the_student_and_a_local_numpy_py_cannot_shadow_it(slot, tmp_path):
    fake = tmp_path / "numpy.py"
    fake.write_text("raise SystemExit('shadowed')")
    reply = run(slot, "import sys\nsys.path.insert(0, '.')\nprint('numpy' in sys.modules)\n"
                      "import numpy\nprint(numpy.__file__.endswith('__init__.py'))", {"numpy.py": fake})
    assert reply["stdout"].split() == ["True", "True"] and reply["error"] is None


def test_a_call_returns_plain_data_and_copies_back_in_place_changes(slot):
    child = slot.fork({})
    try:
        child.request({"op": "cell", "index": 1, "source": "def f(x, d):\n    x *= 2\n    return {'sum': float(x.sum()), 'd': d}"})
        x = np.arange(3.0)
        tree, blob = wire.encode(((x, {"k": (1, "a")}), {}))
        reply, data = child.request({"op": "call", "name": "f", "args": tree}, blob)
        value = wire.decode(reply["value"], data)
    finally:
        child.close()
    assert value["value"] == {"sum": 6.0, "d": {"k": (1, "a")}}
    assert np.array_equal(value["changed"]["0"], [0.0, 2.0, 4.0])


def test_a_hang_that_ignores_signals_is_killed_at_the_limit_with_everything_it_started(slot):
    child = slot.fork({})
    start = time.monotonic()
    with pytest.raises(Lost) as lost:
        child.request({"op": "cell", "index": 1, "source": (
            "import os, signal, time\nif os.fork() == 0:\n    os.execv('/bin/sleep', ['sleep', '4243.5'])\n"
            "signal.signal(signal.SIGINT, signal.SIG_IGN)\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "while True:\n    try:\n        time.sleep(1)\n    except:\n        pass")}, seconds=2)
    assert lost.value.status == "timed out" and time.monotonic() - start < 30
    assert "sleep 4243.5" not in os.popen("ps -eo args").read()


def test_memory_beyond_the_limit_kills_the_child_not_the_sandbox(slot):
    child = slot.fork({})
    with pytest.raises(Lost) as lost:
        child.request({"op": "cell", "index": 1, "source": "import numpy as np\nx = np.ones(2**26)"}, seconds=60)
    assert lost.value.status == "memory limit"
    assert run(slot, "print(1 + 1)")["stdout"] == "2\n"  # the same warm zygote still serves
