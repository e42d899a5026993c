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

Frames are bounded before they are read: a header of at most :data:`MAX_HEADER` bytes
nested at most :data:`MAX_NESTING` deep (checked without recursion before ``json.loads``,
which recurses), array data of at most :data:`MAX_BLOB` bytes.  A frame over a limit is
refused from its 8-byte prefix, before any of it is read, so a hostile reply costs the
grader nothing; :func:`receive` and :func:`decode` raise nothing but WireError (and
EOFError at the end of the stream) whatever the bytes.  The hidden tests of ``solutions/``
stay far below the limits: grading every solved notebook, the largest frames held 1.7 MB
of array data (a04's tagger weights) and a 0.26 MB header (a05's trees, as nested lists).

This module imports nothing from ``course_rnn``: the sandboxed child loads it by path.
"""

import json
import math
import re
import struct

import numpy as np

MAX_HEADER = 4 * 2**20  # bytes of JSON: structure, scalars, a cell's source and outputs
MAX_BLOB = 64 * 2**20  # bytes of array data in one frame
MAX_DEPTH = 64  # levels of lists, tuples and dicts in a value
MAX_NESTING = 4 * MAX_DEPTH  # JSON levels of a header: a dict level of a value takes three
MAX_DIMS = 32  # numpy holds at most 64
ARRAY_KINDS = "biufcU"  # bool, int, uint, float, complex, str: nothing that needs pickle
_LENGTHS = struct.Struct(">II")
_DTYPE_TEXT = re.compile(r"[<>|=]?[biufcU][0-9]{1,10}")  # what ``dtype.str`` of ARRAY_KINDS looks like


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
    # subclasses of the plain types (an IntEnum, a namedtuple, an OrderedDict, a defaultdict)
    # travel as the plain type, read through the base class so an override cannot lie
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__index__(value)
    if isinstance(value, float) and not isinstance(value, np.generic):
        return float.__float__(value)
    if isinstance(value, str) and not isinstance(value, np.generic):
        return str.__str__(value)
    if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:
        arrays.append(np.asarray(value))
        return {"scalar": len(arrays) - 1}
    if isinstance(value, np.ndarray):
        array = np.array(value, copy=True, subok=False)  # an ndarray subclass keeps only its data
        if array.dtype.kind not in ARRAY_KINDS:
            raise WireError(f"an array of dtype {array.dtype} (only numbers, booleans and strings)")
        arrays.append(array)
        return {"array": len(arrays) - 1}
    if isinstance(value, list):
        return [_encode(v, arrays, depth + 1) for v in list.__iter__(value)]
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, arrays, depth + 1) for v in tuple.__iter__(value)]}
    if isinstance(value, dict):
        items = list(dict.items(value))
        if not all(isinstance(k, str) for k, _ in items):
            raise WireError("a dict with keys that are not strings")
        return {"dict": [[str.__str__(k), _encode(v, arrays, depth + 1)] for k, v in items]}
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
        raise WireError(f"array data of {len(blob)} bytes, more than the limit of {_mib(MAX_BLOB)}")
    arrays, offset = [], 0
    for entry in tree["arrays"]:
        dtype, shape = _layout(entry)
        count = math.prod(shape)  # exact: Python integers never wrap around
        if offset + dtype.itemsize * count > len(blob):
            raise WireError("array data shorter than its layout says")
        arrays.append(np.frombuffer(blob, dtype, count, offset).reshape(shape).copy())
        offset += dtype.itemsize * count
    if offset != len(blob):
        raise WireError("array data longer than its layout says")
    return _decode(tree["value"], arrays, 0)


def _layout(entry):
    """``(dtype, shape)`` of one ``[dtype text, shape]`` entry, or WireError: a dtype of
    numbers, booleans or strings, at most MAX_DIMS dimensions, each a plain integer from 0
    to MAX_BLOB (an array of more elements than the limit has bytes cannot be sent)."""
    if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not str or type(entry[1]) is not list \
            or not _DTYPE_TEXT.fullmatch(entry[0]):  # numpy parses a long structured dtype slowly
        raise WireError(f"an unreadable array layout {str(entry)[:80]!r}")
    dtype_text, shape = entry
    try:
        dtype = np.dtype(dtype_text)
    except (TypeError, ValueError, OverflowError):
        raise WireError(f"an unreadable array layout {str(entry)[:80]!r}") from None
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.hasobject or dtype.itemsize == 0:
        raise WireError(f"an array of dtype {dtype}")
    if len(shape) > MAX_DIMS or not all(type(n) is int and 0 <= n <= MAX_BLOB for n in shape):
        raise WireError(f"an array of shape {str(shape)[:80]}")
    return dtype, tuple(shape)


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
    """Read one frame: ``(header dict, blob)``; raises EOFError at end of stream.

    A frame over a limit is refused (WireError naming the limit) from its lengths alone,
    before any of it is read: the stream is then unusable, and the caller drops it.
    """
    size, blob_size = _LENGTHS.unpack(_read_exactly(stream, _LENGTHS.size))
    if size > MAX_HEADER:
        raise WireError(f"a header of {size} bytes, more than the limit of {_mib(MAX_HEADER)}")
    if blob_size > MAX_BLOB:
        raise WireError(f"array data of {blob_size} bytes, more than the limit of {_mib(MAX_BLOB)}")
    data = _read_exactly(stream, size)
    if _nesting(data) > MAX_NESTING:
        raise WireError(f"a header nested more than the limit of {MAX_NESTING} levels deep")
    try:
        header = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # bad UTF-8 or JSON, a 5000-digit int; deep if called deep
        raise WireError(f"a header that is not JSON ({str(error)[:200]})") from None
    if type(header) is not dict:
        raise WireError("a header that is not a JSON object")
    return header, _read_exactly(stream, blob_size)


def _read_exactly(stream, n):
    """``n`` bytes from ``stream`` into one buffer (no list of chunks to join: the peak
    memory of a frame is its size, once)."""
    buffer, filled = bytearray(n), 0
    view = memoryview(buffer)
    while filled < n:
        chunk = stream.read(n - filled)
        if not chunk:
            raise EOFError("the other side closed the channel")
        view[filled:filled + len(chunk)] = chunk
        filled += len(chunk)
    return buffer


_NOT_QUOTE_OR_BRACKET = bytes(range(256)).translate(None, b'"[]{}')
_BRACKET_STEP = np.zeros(256, np.int8)
_BRACKET_STEP[[ord("["), ord("{")]], _BRACKET_STEP[[ord("]"), ord("}")]] = 1, -1


def _nesting(data):
    """The deepest nesting of arrays and objects in the JSON text ``data``, found in linear
    time without recursion.  Escaped backslashes go first, then escaped quotes (a run of
    backslashes pairs up from its start, as JSON reads it), then every byte but quotes and
    brackets; what is left between the n-th and (n+1)-th quote, n odd, is a string's.  The
    depth is the running sum of +1 per opening and -1 per closing bracket outside strings."""
    marks = np.frombuffer(bytes(data).replace(b"\\\\", b"").replace(b'\\"', b"")
                          .translate(None, _NOT_QUOTE_OR_BRACKET), np.uint8)
    outside = np.cumsum(marks == ord('"')) % 2 == 0
    return int(np.cumsum(_BRACKET_STEP[marks] * outside, dtype=np.int64).max(initial=0))


def _mib(n):
    return f"{n / 2**20:g} MiB"
