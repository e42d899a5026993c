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
    assert type(got["b"]) is tuple and type(got["b"][1]) is list and type(got["n"]) is int
    assert got["b"][0].dtype == np.int64 and np.array_equal(got["b"][0], value["b"][0])
    assert got["a"][0].dtype == np.bool_ and got["a"][1] == {"k": 2.5} and type(got["a"][1]["k"]) is float
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


def test_an_archive_holding_a_pickle_is_refused_and_never_unpickled():
    buffer = io.BytesIO()
    np.savez(buffer, a0=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(wire.WireError):
        wire.decode({"array": 0}, buffer.getvalue())
    with pytest.raises(wire.WireError):
        wire.decode({"array": 0}, pickle.dumps(np.zeros(2)))


@pytest.mark.parametrize("tree", [{"array": 3}, {"tuple": 1}, {"evil": []}, {"dict": [[1, 2]]}])
def test_malformed_trees_are_refused(tree):
    with pytest.raises(wire.WireError):
        wire.decode(tree, b"")


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
