"""Plain data across the sandbox wall: JSON for structure, ``.npz`` for arrays, never pickle.

A message is one frame: two big-endian 32-bit lengths, a JSON header, then a blob (the raw
bytes of the arrays, possibly empty).  Values are encoded as a JSON tree in which a list
is a JSON array and everything else is tagged: ``{"tuple": [...]}``, ``{"dict": [[key, value],
...]}`` (string keys), ``{"array": i}`` (the i-th array of the blob) and ``{"scalar": i}``
(a numpy scalar, kept as one: ``np.float64`` stays ``np.float64``).  Decoding is strict:
``np.frombuffer`` of dtypes that hold only numbers, booleans or strings (checked before),
bounded depth and size; anything else is a :class:`WireError`.  (An ``.npz`` archive
would be as safe with ``allow_pickle=False``, but costs a zip file per call, and hidden
tests make hundreds of calls.)  So an object that claims to equal
everything cannot cross: only its data could, and it has none.

This module imports nothing from ``course_rnn``: the sandboxed child loads it by path.
"""

import json
import struct

import numpy as np

MAX_HEADER = 16 * 2**20
MAX_BLOB = 512 * 2**20
MAX_DEPTH = 64
ARRAY_KINDS = "biufcU"  # bool, int, uint, float, complex, str: nothing that needs pickle
_LENGTHS = struct.Struct(">II")


class WireError(ValueError):
    """A value that is not plain data, or a frame that is not well formed."""


def encode(value):
    """``(tree, blob)`` for a plain-data value; raises WireError naming what is not plain.

    The blob is the arrays' raw bytes one after another; the tree's ``"arrays"`` entry
    lists each one's dtype and shape (see :func:`decode`).
    """
    arrays = []
    tree = _encode(value, arrays, 0)
    layout = [[a.dtype.str, list(a.shape)] for a in arrays]
    return {"value": tree, "arrays": layout}, b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)


def _encode(value, arrays, depth):
    if depth > MAX_DEPTH:
        raise WireError(f"nested more than {MAX_DEPTH} levels deep")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:
        arrays.append(np.asarray(value))
        return {"scalar": len(arrays) - 1}
    if isinstance(value, np.ndarray):
        array = np.array(value, copy=True, subok=False)  # an ndarray subclass keeps only its data
        if array.dtype.kind not in ARRAY_KINDS:
            raise WireError(f"an array of dtype {array.dtype} (only numbers, booleans and strings)")
        arrays.append(array)
        return {"array": len(arrays) - 1}
    if type(value) is list:
        return [_encode(v, arrays, depth + 1) for v in value]
    if type(value) is tuple:
        return {"tuple": [_encode(v, arrays, depth + 1) for v in value]}
    if type(value) is dict:
        if not all(type(k) is str for k in value):
            raise WireError("a dict with keys that are not strings")
        return {"dict": [[k, _encode(v, arrays, depth + 1)] for k, v in value.items()]}
    kind = type(value)
    raise WireError(f"a {kind.__module__}.{kind.__qualname__} object"
                    if kind.__module__ != "builtins" else f"a {kind.__qualname__}")


def decode(tree, blob):
    """The value of ``encode``'s ``(tree, blob)``; raises WireError on anything unexpected.

    Arrays are rebuilt from their raw bytes with ``np.frombuffer`` after their dtype was
    checked to hold only numbers, booleans or strings: nothing is ever unpickled.
    """
    if type(tree) is not dict or set(tree) != {"value", "arrays"} or type(tree["arrays"]) is not list:
        raise WireError("a message without its value and array layout")
    if len(blob) > MAX_BLOB:
        raise WireError(f"array data of {len(blob)} bytes, more than {MAX_BLOB}")
    arrays, offset = [], 0
    for entry in tree["arrays"]:
        try:
            dtype_text, shape = entry
            dtype = np.dtype(str(dtype_text))
            shape = tuple(int(n) for n in shape)
        except (TypeError, ValueError):
            raise WireError(f"an unreadable array layout {str(entry)[:80]!r}") from None
        if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.hasobject \
                or any(n < 0 for n in shape):
            raise WireError(f"an array of dtype {dtype}")
        size = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
        if offset + size > len(blob):
            raise WireError("array data shorter than its layout says")
        arrays.append(np.frombuffer(blob, dtype, int(np.prod(shape, dtype=np.int64)), offset).reshape(shape).copy())
        offset += size
    if offset != len(blob):
        raise WireError("array data longer than its layout says")
    return _decode(tree["value"], arrays, 0)


def _decode(tree, arrays, depth):
    if depth > MAX_DEPTH:
        raise WireError(f"nested more than {MAX_DEPTH} levels deep")
    if tree is None or type(tree) in (bool, int, float, str):
        return tree
    if type(tree) is list:
        return [_decode(v, arrays, depth + 1) for v in tree]
    if type(tree) is dict and len(tree) == 1:
        (tag, inner), = tree.items()
        if tag == "tuple" and type(inner) is list:
            return tuple(_decode(v, arrays, depth + 1) for v in inner)
        if tag == "dict" and type(inner) is list and all(
                type(kv) is list and len(kv) == 2 and type(kv[0]) is str for kv in inner):
            return {k: _decode(v, arrays, depth + 1) for k, v in inner}
        if tag == "array" and type(inner) is int and 0 <= inner < len(arrays):
            return arrays[inner]
        if tag == "scalar" and type(inner) is int and 0 <= inner < len(arrays) and arrays[inner].ndim == 0:
            return arrays[inner][()]
    raise WireError(f"an unexpected element {str(tree)[:80]!r}")


def send(stream, header, blob=b""):
    """Write one frame: a JSON-able ``header`` dict and an optional blob."""
    data = json.dumps(header).encode("utf-8")
    stream.write(_LENGTHS.pack(len(data), len(blob)) + data + blob)
    stream.flush()


def receive(stream):
    """Read one frame: ``(header dict, blob)``; raises EOFError at end of stream."""
    head = _read_exactly(stream, _LENGTHS.size)
    size, blob_size = _LENGTHS.unpack(head)
    if size > MAX_HEADER or blob_size > MAX_BLOB:
        raise WireError(f"a frame of {size} + {blob_size} bytes, larger than allowed")
    try:
        header = json.loads(_read_exactly(stream, size).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WireError(f"a header that is not JSON ({error})") from None
    if type(header) is not dict:
        raise WireError("a header that is not a JSON object")
    return header, _read_exactly(stream, blob_size)


def _read_exactly(stream, n):
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
