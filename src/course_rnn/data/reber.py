"""The (embedded) Reber grammar: strings from a small finite-state machine.

Reber (1967) grammar, as used by Cleeremans, Servan-Schreiber & McClelland (1989) and by
Hochreiter & Schmidhuber (1997), Experiment 1.  Every string starts with B and ends with
E; in between, each state emits one of two symbols with probability 1/2::

    state 0: T -> 1, P -> 2        state 3: X -> 2, S -> 5
    state 1: S -> 1, X -> 3        state 4: P -> 3, V -> 5
    state 2: T -> 2, V -> 4        state 5: E (end)

e.g. BTXSE, BPVVE, BTSSXXTVVE.  The *embedded* grammar wraps a Reber string as
``B T <reber> T E`` or ``B P <reber> P E``: the second-to-last symbol must repeat the
second, an arbitrarily long time later.  A next-symbol predictor is scored on whether it
puts its probability on the legal next symbols (:func:`reber_next_symbols`); predicting
that one symbol is the long-range memory test simple RNNs fail and LSTMs pass.
"""

from course_rnn.data.checks import check_positive_int, check_rng

SYMBOLS = "BTPSXVE"
START, END = "start", "end"
REBER = {  # state: {symbol: next state}
    START: {"B": 0},
    0: {"T": 1, "P": 2},
    1: {"S": 1, "X": 3},
    2: {"T": 2, "V": 4},
    3: {"X": 2, "S": 5},
    4: {"P": 3, "V": 5},
    5: {"E": END},
}


def _embed(inner):
    """B, then T or P, then a string of ``inner``, then the same T or P again, then E."""
    machine = {START: {"B": "after B"}, "after B": {"T": ("T", START), "P": ("P", START)}}
    for branch in "TP":
        for state, moves in inner.items():
            machine[(branch, state)] = {s: (branch, nxt) for s, nxt in moves.items()}
        machine[(branch, END)] = {branch: "before E"}
    machine["before E"] = {"E": END}
    return machine


EMBEDDED_REBER = _embed(REBER)


def _machine(embedded):
    return EMBEDDED_REBER if embedded else REBER


def reber_string(rng, embedded=True):
    """One random string of the (embedded) Reber grammar (Reber 1967; Hochreiter &
    Schmidhuber 1997, Experiment 1), each branch taken with probability 1/2.

    A predictor of the next symbol learns the grammar's transitions; in the embedded form,
    predicting the second-to-last symbol needs the second one, remembered across the whole
    inner string.  rng: ``numpy.random.Generator``.
    """
    check_rng(rng)
    machine, state, out = _machine(embedded), START, []
    while state != END:
        symbol = str(rng.choice(sorted(machine[state])))
        out.append(symbol)
        state = machine[state][symbol]
    return "".join(out)


def reber_strings(n, rng, embedded=True):
    """A list of ``n`` random strings (repeats are possible: short strings are frequent)."""
    check_positive_int(n, "n")
    return [reber_string(rng, embedded) for _ in range(n)]


def is_reber(string, embedded=True):
    """True if ``string`` is a complete string of the (embedded) Reber grammar."""
    machine, state = _machine(embedded), START
    for symbol in string:
        if symbol not in machine.get(state, {}):
            return False
        state = machine[state][symbol]
    return state == END


def reber_next_symbols(string, embedded=True):
    """The legal next symbols after each prefix of ``string``, for scoring a predictor.

    Returns a list of sets, one per position t: the symbols that may follow ``string[:t+1]``
    (the empty set after the final E).  A predictor is right at step t if its most likely
    next symbol (or, stricter, every symbol it gives probability above a threshold) is in
    the set.  Raises ValueError at the first symbol that breaks the grammar.
    """
    machine, state, legal = _machine(embedded), START, []
    for t, symbol in enumerate(string):
        if symbol not in machine.get(state, {}):
            raise ValueError(f"string {string!r} leaves the grammar at position {t} ({symbol!r}); "
                             f"check it with is_reber first")
        state = machine[state][symbol]
        legal.append(set(machine.get(state, {})))
    return legal
