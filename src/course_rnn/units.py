r"""Looking for interpretable hidden units (Karpathy, Johnson & Fei-Fei 2015, "Visualizing
and understanding recurrent networks"): run a trained language model over real text, and
find the unit whose activation follows a property of the text, such as the position of a
character in its line.

- :func:`position_in_line`: for every character, how many characters came before it on its
  line (0 right after a newline);
- :func:`in_speaker_name`: for every character, whether its line names a speaker (after an
  empty line, ending in a colon, as in a play: ``ROMEO:``);
- :func:`unit_correlations`: the Pearson correlation of every hidden unit with a signal;
- :func:`best_unit`: the unit with the largest absolute correlation.

Searching H units for the best one finds some correlation even in an untrained network, so
the same search on the untrained model is the control.  Taught in book/char_lm.md.
"""

import numpy as np


def position_in_line(text):
    """(N,) int: the number of characters before each character on its line."""
    position = np.empty(len(text), dtype=np.int64)
    column = 0
    for i, ch in enumerate(text):
        position[i] = column
        column = 0 if ch == "\n" else column + 1
    return position


def in_speaker_name(text):
    """(N,) float: 1.0 for every character (its newline included) of a line that names a
    speaker, as a play lays it out: a line that ends in a colon and comes first or right
    after an empty line (``ROMEO:``, ``First Citizen:``); 0.0 elsewhere."""
    flags, previous = [], ""
    for i, line in enumerate(text.split("\n")):
        speaker = line.rstrip().endswith(":") and (i == 0 or previous == "")
        flags.extend([float(speaker)] * (len(line) + 1))    # + 1: the newline that ends it
        previous = line.strip()
    return np.array(flags[:len(text)])


def unit_correlations(hs, signal):
    """hs (N, H) activations, signal (N,) -> (H,) Pearson correlation of each unit with
    ``signal`` (0 for a unit that never changes)."""
    hs = np.asarray(hs, dtype=np.float64)
    signal = np.asarray(signal, dtype=np.float64)
    if hs.ndim != 2 or signal.shape != (hs.shape[0],):
        raise ValueError(f"hs must be (N, H) and signal (N,); got {hs.shape} and {signal.shape}")
    a = hs - hs.mean(axis=0)
    b = signal - signal.mean()
    denominator = np.sqrt((a ** 2).sum(axis=0) * (b ** 2).sum())
    varies = (np.ptp(hs, axis=0) > 0) & (np.ptp(signal) > 0)
    return np.divide(a.T @ b, denominator, out=np.zeros(hs.shape[1]), where=varies)


def best_unit(hs, signal):
    """(unit, correlation): the unit of hs (N, H) most correlated with ``signal``, either sign."""
    r = unit_correlations(hs, signal)
    unit = int(np.argmax(np.abs(r)))
    return unit, float(r[unit])
