"""Plain data across the sandbox wall: what crosses keeps its types and values, what is
not plain data (pickles, objects, tensors) never crosses, and no frame, however hostile,
raises anything but WireError or costs the grader more memory than the limits allow."""

import io
import json
import pickle
import socket
import subprocess
import sys
import threading
import tracemalloc

import numpy as np
import pytest
import torch

from course_rnn.grading import wire


def roundtrip(value):
    return wire.decode(*wire.encode(value))


def test_nested_plain_data_keeps_types_values_and_order():
    value = {"b": (np.arange(6, dtype=np.int64).reshape(2, 3), [1.5, None, True, "x"]),
             "a": [np.array([True, False]), {"k": np.float64(2.5)}], "n": np.int64(7)}
    got = roundtrip(value)
    assert list(got) == ["b", "a", "n"]
    assert type(got["b"]) is tuple and type(got["b"][1]) is list and type(got["n"]) is np.int64
    assert got["b"][0].dtype == np.int64 and np.array_equal(got["b"][0], value["b"][0])
    assert got["a"][0].dtype == np.bool_ and got["a"][1] == {"k": 2.5} and type(got["a"][1]["k"]) is np.float64
    assert got["b"][1] == [1.5, None, True, "x"]


def test_float64_arrays_cross_bit_for_bit():
    a = np.random.default_rng(0).standard_normal((3, 4, 5))
    assert roundtrip(a).tobytes() == a.tobytes()


class Liar(np.ndarray):
    def __eq__(self, other):
        return True


def test_an_array_subclass_that_lies_about_equality_arrives_as_its_plain_data():
    lying = np.zeros(3).view(Liar)
    got = roundtrip(lying)
    assert type(got) is np.ndarray and not np.array_equal(got, np.ones(3))


def test_subclasses_of_plain_types_arrive_as_the_plain_type_with_their_real_contents():
    """A student's namedtuple, OrderedDict, defaultdict or IntEnum is plain data (the tests
    use isinstance); it is read through the base class, so an override cannot lie."""
    import collections
    import enum

    Grads = collections.namedtuple("Grads", "dW db")

    class LyingDict(dict):
        def items(self):
            return [("dW", "forged")]

    class LyingTuple(tuple):
        def __iter__(self):
            return iter(["forged"])

    class Size(enum.IntEnum):
        H = 4

    value = [Grads(np.ones(2), 2.0), collections.OrderedDict(b=1, a=2),
             collections.defaultdict(list, {"k": [1]}), LyingDict(dW=np.zeros(1)), LyingTuple((1, 2)), Size.H]
    got = roundtrip(value)
    assert type(got[0]) is tuple and np.array_equal(got[0][0], np.ones(2)) and got[0][1] == 2.0
    assert type(got[1]) is dict and list(got[1].items()) == [("b", 1), ("a", 2)]
    assert got[2] == {"k": [1]} and type(got[2]) is dict
    assert type(got[3]) is dict and np.array_equal(got[3]["dW"], np.zeros(1))
    assert got[4] == (1, 2) and type(got[5]) is int and got[5] == 4


@pytest.mark.parametrize("value, named", [
    (object(), "object"),
    (np.array([object()]), "dtype object"),
    (torch.zeros(2), "torch.Tensor"),
    (lambda: 0, "function"),
    ({1: "int key"}, "keys that are not strings"),
    (np.random.default_rng(0), "Generator"),
])
def test_what_is_not_plain_data_is_refused_with_its_name(value, named):
    with pytest.raises(wire.WireError, match=named):
        wire.encode(value)


@pytest.mark.parametrize("layout", [[["|O", [1]]], [["f8,O", [1]]], [["<f8", [-1]]], [["<f8", [5]]],
                                    [["no such dtype", [1]]], [["<f8"]]])
def test_array_layouts_that_need_objects_or_lie_about_their_size_are_refused(layout):
    with pytest.raises(wire.WireError):
        wire.decode({"value": {"array": 0}, "arrays": layout}, np.zeros(2).tobytes())


def test_a_pickle_in_the_array_data_is_never_unpickled():
    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled')",))

    payload = pickle.dumps(Boom())
    with pytest.raises(wire.WireError):
        wire.decode({"value": {"array": 0}, "arrays": [["|O", [1]]]}, payload)
    raw = payload + b"\0" * (-len(payload) % 8)
    got = wire.decode({"value": {"array": 0}, "arrays": [["<f8", [len(raw) // 8]]]}, raw)
    assert got.dtype == np.float64  # just numbers: the bytes were read, never executed


@pytest.mark.parametrize("tree", [{"array": 3}, {"tuple": 1}, {"evil": []}, {"dict": [[1, 2]]}, {"scalar": 0}])
def test_malformed_trees_are_refused(tree):
    with pytest.raises(wire.WireError):
        wire.decode({"value": tree, "arrays": [["<f8", [2]]]}, np.zeros(2).tobytes())


def test_a_message_without_its_layout_is_refused():
    with pytest.raises(wire.WireError):
        wire.decode({"array": 0}, b"")


def test_frames_roundtrip_and_a_cut_stream_is_end_of_file():
    stream = io.BytesIO()
    wire.send(stream, {"op": "x"}, b"blob")
    data = stream.getvalue()
    assert wire.receive(io.BytesIO(data)) == ({"op": "x"}, b"blob")
    with pytest.raises(EOFError):
        wire.receive(io.BytesIO(data[:-2]))



# Hostile frames: whatever the bytes, receive and decode raise WireError (or EOFError at the
# end of the stream) and the grader carries on; nothing is read beyond the limits.

def frame(header_bytes, blob=b""):
    return io.BytesIO(wire._LENGTHS.pack(len(header_bytes), len(blob)) + header_bytes + blob)


def nesting_of(value):
    """Levels of JSON arrays and objects in a decoded value (an oracle for wire._nesting)."""
    if isinstance(value, (list, dict)):
        items = value.values() if isinstance(value, dict) else value
        return 1 + max((nesting_of(v) for v in items), default=0)
    return 0


@pytest.mark.parametrize("header, problem", [
    (b"[" * 200_000 + b"]" * 200_000, "nested"),  # json.loads alone raises RecursionError
    (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested"),
    (b'{"n": ' + b"1" * 5000 + b"}", "not JSON"),  # more digits than int() converts: ValueError
    (b'{"a": "\xff"}', "not JSON"),
    (b'{"a": ', "not JSON"),
    (b"[1, 2]", "not a JSON object"),
])
def test_hostile_headers_are_wire_errors(header, problem):
    with pytest.raises(wire.WireError, match=problem):
        wire.receive(frame(header))


def test_a_header_at_the_nesting_limit_is_read_and_one_level_deeper_is_refused():
    def nested(levels):
        return b'{"a": ' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"

    header, _ = wire.receive(frame(nested(wire.MAX_NESTING)))
    assert nesting_of(header) == wire.MAX_NESTING
    with pytest.raises(wire.WireError, match=f"limit of {wire.MAX_NESTING} levels"):
        wire.receive(frame(nested(wire.MAX_NESTING + 1)))


def test_brackets_and_escaped_quotes_inside_strings_do_not_count_as_nesting():
    pieces = ["[", "]", "{", "}", '"', "\\", '\\"', "\\\\", "\n", "é", "a"]
    rng = np.random.default_rng(0)

    def text():
        return "".join(rng.choice(pieces, size=rng.integers(0, 8)))

    def value(depth):
        kind = rng.integers(3) if depth < 6 else 0
        if kind == 0:
            return text()
        if kind == 1:
            return [value(depth + 1) for _ in range(rng.integers(0, 4))]
        return {text(): value(depth + 1) for _ in range(rng.integers(0, 4))}

    for _ in range(300):
        v = value(0)
        for ascii_only in (True, False):
            assert wire._nesting(json.dumps(v, ensure_ascii=ascii_only).encode()) == nesting_of(v), v


class CountingStream(io.BytesIO):
    """A stream that remembers how many bytes were read from it."""

    taken = 0

    def read(self, n=-1):
        data = super().read(n)
        self.taken += len(data)
        return data


@pytest.mark.parametrize("header_size, blob_size, limit", [
    (wire.MAX_HEADER + 1, 0, "header of .* more than the limit of 4 MiB"),
    (10, wire.MAX_BLOB + 1, "array data of .* more than the limit of 64 MiB"),
    (10, 400 * 2**20, "array data of 419430400 bytes"),
])
def test_an_oversized_frame_is_refused_from_its_lengths_naming_the_limit(header_size, blob_size, limit):
    stream = CountingStream(wire._LENGTHS.pack(header_size, blob_size) + b"\0" * 4096)
    with pytest.raises(wire.WireError, match=limit):
        wire.receive(stream)
    assert stream.taken == wire._LENGTHS.size


def test_frames_exactly_at_the_limits_are_read(monkeypatch):
    monkeypatch.setattr(wire, "MAX_HEADER", 64)
    monkeypatch.setattr(wire, "MAX_BLOB", 1000)
    header = json.dumps({"op": "x" * (64 - len('{"op": ""}'))}).encode()
    assert len(header) == 64
    got, blob = wire.receive(frame(header, b"\1" * 1000))
    assert got["op"] == "x" * 54 and bytes(blob) == b"\1" * 1000
    with pytest.raises(wire.WireError, match="array data of 1001 bytes"):
        wire.receive(frame(header, b"\1" * 1001))


def test_receiving_a_hostile_400_mib_frame_keeps_memory_bounded():
    """A child that answers with 400 MiB cost the grader 1.3 GB; now it costs nothing."""
    ours, theirs = socket.socketpair()

    def flood():
        chunk = bytes(2**20)
        try:
            theirs.sendall(wire._LENGTHS.pack(2, 400 * 2**20) + b"{}")
            for _ in range(400):
                theirs.sendall(chunk)
        except OSError:
            pass  # the grader hung up: the flood is over
        finally:
            theirs.close()

    writer = threading.Thread(target=flood)
    tracemalloc.start()
    writer.start()
    try:
        with pytest.raises(wire.WireError, match="array data"):
            wire.receive(ours.makefile("rb"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        ours.close()
        writer.join()
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"receiving the frame took {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("layout", [
    [["<f8", [2**32, 2**32]]],  # the element count wraps around in int64 to 0
    [["<f8", [10**30]]],
    [["<f8", [0, 2**62]]],  # no elements, a dimension numpy cannot hold
    [["<f8", [1] * 100]],
    [["<f8", [1.5]]], [["<f8", [True]]], [["<f8", "12"]],
    [["<U0", [2**40]]],
    [["i4," * 1000, [1]]],
    [[8, [1]]],
])
def test_array_layouts_numpy_cannot_build_are_wire_errors(layout):
    with pytest.raises(wire.WireError):
        wire.decode({"value": {"array": 0}, "arrays": layout}, np.zeros(1).tobytes())


@pytest.mark.parametrize("value", [
    np.str_(""), np.array(["a", "bcd"]), np.float16(1.5), np.longdouble(2), np.clongdouble(1j), np.bool_(True),
    np.uint64(2**64 - 1), np.array(3.25, dtype=">f8"), np.zeros((0, 3)), np.array([], dtype=np.int8),
    np.arange(24, dtype=np.complex64).reshape(2, 3, 4),
])
def test_every_kind_of_plain_array_and_scalar_still_crosses(value):
    got = roundtrip(value)
    assert type(got) is type(value) and got.dtype == value.dtype and got.shape == value.shape
    assert np.array_equal(got, value)


def test_wire_loads_by_path_without_course_rnn():
    """The sandboxed child loads wire.py by path, where course_rnn may not be importable."""
    code = ("import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('wire', {wire.__file__!r})\n"
            "module = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(module)\n"
            "print(sorted(m for m in sys.modules if m.startswith('course_rnn')))\n")
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_deepest_value_encode_accepts_crosses_a_frame():
    value, deepest = 1.0, None
    while True:
        try:
            tree, blob = wire.encode({"value": value, "changed": {}})  # as the child replies
        except wire.WireError:
            break
        deepest = (value, tree, blob)
        value = {"k": value}  # a dict level of a value takes the most JSON levels: three
    value, tree, blob = deepest
    stream = io.BytesIO()
    wire.send(stream, {"op": "result", "value": tree}, blob)
    header, data = wire.receive(io.BytesIO(stream.getvalue()))
    assert wire.decode(header["value"], data)["value"] == value
