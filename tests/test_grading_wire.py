"""Plain data across the sandbox wall: what crosses keeps its types and values, what is
not plain data (pickles, objects, tensors) never crosses."""

import io
import pickle

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


def test_an_oversized_frame_is_refused_before_it_is_read():
    header = wire._LENGTHS.pack(wire.MAX_HEADER + 1, 0)
    with pytest.raises(wire.WireError):
        wire.receive(io.BytesIO(header))
