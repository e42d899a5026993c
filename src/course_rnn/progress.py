"""Progress bars are for people running the code: the built book shows none.

Every bar of the package asks :func:`hidden` whether to stay silent.  The switch is tqdm's
own environment variable, ``TQDM_DISABLE=1`` (tqdm reads it too, for bars that do not pass
``disable``); the book's build (:mod:`course_rnn.bookbuild`) sets it for the kernels that
execute the chapters, so a chapter's training shows its numbers and figures, not 5 to 35
grey boxes of redrawn bars.
"""

import os

#: the environment variable that switches every progress bar off (tqdm's own)
SWITCH = "TQDM_DISABLE"


def bars_off():
    """True if the environment switches progress bars off (``TQDM_DISABLE`` is 1, true, yes or on)."""
    return os.environ.get(SWITCH, "").strip().lower() in {"1", "true", "yes", "on"}


def hidden(wanted=True):
    """The ``disable=`` of a tqdm bar: hidden if the caller did not want it or the
    environment switches bars off."""
    return not wanted or bars_off()
