"""Assertions that hidden tests use to compare a student's arrays with the reference.

Every message names the quantity and what is wrong with it (type, shape, dtype, values,
a mutated input) and never prints the expected values, so the feedback a student reads
points at the mistake without giving the answer away.  Tolerances follow CS231n: in
float64 a correct implementation agrees with the reference to about 1e-12, a wrong one
is off by far more than ``rtol=1e-7``.
"""

import numpy as np

RTOL = 1e-7
ATOL = 1e-10


def random_arrays(seed, **shapes):
    """Standard normal float64 arrays of the given shapes, from one integer seed.

    >>> a = random_arrays(0, x=(3, 2, 4), h0=(2, 5))
    >>> a["x"].shape, a["h0"].dtype
    ((3, 2, 4), dtype('float64'))
    """
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(shape) for name, shape in shapes.items()}


def check_array(name, got, want, rtol=RTOL, atol=ATOL, hint=""):
    """Assert that ``got`` is a float64 ndarray with ``want``'s shape and values.

    ``hint`` is appended to the message when only the values are wrong; it should name a
    concept to revisit (for example "the tanh derivative"), not the formula.
    """
    assert isinstance(got, np.ndarray), (
        f"{name} should be a numpy array, but it is a {type(got).__name__}")
    assert got.shape == want.shape, (
        f"{name} has shape {got.shape}, expected {want.shape}")
    assert got.dtype == np.float64, (
        f"{name} has dtype {got.dtype}, expected float64 (do not cast the inputs)")
    assert np.all(np.isfinite(got)), f"{name} contains NaN or infinity"
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        # np.allclose tests |got - want| <= atol + rtol * |want| entry by entry: report that
        # very quantity, the worst entry's error as a multiple of what it is allowed
        allowed, error = atol + rtol * np.abs(want), np.abs(got - want)
        with np.errstate(divide="ignore", invalid="ignore"):
            excess = float(np.max(np.where(error > 0, error / allowed, 0.0)))
        raise AssertionError(
            f"{name} has the right shape but wrong values: the largest error is {excess:.1e} "
            f"times the allowed |yours - reference| <= atol + rtol * |reference| "
            f"(rtol={rtol:.0e}, atol={atol:.0e}). {hint}".rstrip())


def _proxy_class():
    """The grader's proxy of a student function (a tuple to test nothing against in an
    edition without the grader)."""
    try:
        from course_rnn.grading.hidden import Proxy
    except ImportError:
        return ()
    return Proxy


def call_cpu_seconds(function, *args, references=None, **kwargs):
    """``(function(*args, **kwargs), CPU seconds the call used)``, with ``references`` as in
    :func:`call_with` (the seconds are then those of the student's code alone).

    Under ``course-rnn grade`` the function is a student function running in the sandbox and
    the seconds are those of the sandbox's processes during the call; in one process (Jupyter,
    plain nbgrader) they are this process's and its waited-for children's.  A test uses them
    where a wrong method is right by value but costs far more: numerical differentiation needs
    at least one forward pass per parameter, an analytic gradient a few in all.
    """
    if isinstance(function, _proxy_class()):
        result = function.with_references(references or {}, *args, **kwargs)
        return result, function.cpu_seconds
    from course_rnn.grading.child import process_cpu_seconds

    start = process_cpu_seconds()
    result = call_with(function, references or {}, *args, **kwargs)
    return result, process_cpu_seconds() - start


def call_with(function, references, *args, **kwargs):
    """``function(*args, **kwargs)`` with the names in ``references`` replaced, for this call
    only, by the given functions: a part that builds on earlier ones graded through the
    reference of those (a mistake in Part B then costs Part B, not every part that calls it).

    Under ``course-rnn grade`` the student's function runs in the sandbox and each call of a
    replaced name comes back here, as plain data; in one process (Jupyter, plain nbgrader) the
    names are replaced in the student's namespace for the duration of the call.
    """
    if isinstance(function, _proxy_class()):
        return function.with_references(references, *args, **kwargs)
    import sys

    from course_rnn.grading.child import replaced

    with replaced(getattr(function, "__globals__", None) or vars(sys.modules["__main__"]), references):
        return function(*args, **kwargs)


def call_or_through(function, arguments, references, right):
    """``function(*arguments())``; where that raises or its result is not ``right``, the same
    call with the names in ``references`` replaced (:func:`call_with`), if that result is
    right: a part that builds on earlier ones is graded on its own work.  Otherwise the first
    result, for the test's own assertions to explain, or the first call's error.
    ``arguments`` makes fresh arguments for each call (what the first changed in place cannot
    reach the second)."""

    def is_right(result):
        try:
            return bool(right(result))
        except Exception:
            return False

    try:
        first, error = function(*arguments()), None
    except Exception as caught:  # the student's error: raised again below if nothing is right
        first, error = None, caught
    if error is None and is_right(first):
        return first
    try:
        again = call_with(function, references, *arguments())
    except Exception:
        again = None
    else:
        if is_right(again):
            return again
    if error is not None:
        raise error
    return first


def check_unchanged(function_name, originals, arrays):
    """Assert that a function left its array arguments exactly as they were.

    ``originals`` are copies taken before the call, ``arrays`` the objects that were
    passed; both dicts are keyed by argument name.
    """
    for name, before in originals.items():
        assert np.array_equal(arrays[name], before), (
            f"{function_name} modified its argument {name}; compute new arrays instead "
            f"of changing the inputs in place")


def changed_in_place(function_name, originals, arrays):
    """The error :func:`check_unchanged` would raise, or None: a test that can grade a part
    through the reference of an earlier one keeps it, because the earlier part may be what
    changed the input (a step that updates ``c_prev`` in place costs its own part, and the
    sequence that calls it is tried again through the reference step)."""
    try:
        check_unchanged(function_name, originals, arrays)
    except AssertionError as caught:
        return caught
    return None


def check_tuple(name, got, length):
    """Assert that ``got`` is a tuple or list of ``length`` items (a function's return)."""
    assert isinstance(got, (tuple, list)), (
        f"{name} should return a tuple of {length} arrays, but it returned a {type(got).__name__}")
    assert len(got) == length, (
        f"{name} should return {length} arrays, but it returned {len(got)}")


def random_rnn_arrays(seed, T, B, D, H):
    r"""Random float64 inputs for an Elman RNN, scaled like PyTorch's initialisation.

    Weights are drawn with standard deviation :math:`1/\sqrt{\text{fan-in}}` so that tanh
    is not saturated and gradients through time do not vanish in a few steps: a test that
    compares early-time gradients must see them.  Returns a dict with ``x (T, B, D)``,
    ``h0 (B, H)``, ``W_ih (H, D)``, ``W_hh (H, H)``, ``b_ih (H,)``, ``b_hh (H,)`` and the
    upstream gradient ``dhs (T, B, H)``.
    """
    a = random_arrays(seed, x=(T, B, D), h0=(B, H), W_ih=(H, D), W_hh=(H, H),
                      b_ih=(H,), b_hh=(H,), dhs=(T, B, H))
    a["W_ih"] /= np.sqrt(D)
    a["W_hh"] /= np.sqrt(H)
    a["b_ih"] *= 0.5
    a["b_hh"] *= 0.5
    return a
