r"""Training for a fixed budget of CPU time, with a text progress bar the built book can show.

Two models are compared fairly when each gets the same compute.  Wall-clock seconds depend
on what else the machine is doing; the CPU time of this process (``time.process_time``: all
its threads, user + system) depends much less, so that is the budget here.  Evaluation is
not training: time spent inside :meth:`CPUBudget.paused` is not counted.

.. code-block:: python

    budget = CPUBudget(20.0)
    bar = BudgetBar(budget, "CharLM")
    curve = EveryCPUSeconds(budget, 2.0, lambda: evaluate(model, val)["loss"])
    fit(model, batches, epochs=None, max_steps=10**9, progress=False,
        callbacks=[budget, curve, bar])           # stops after 20 CPU seconds of training
"""

import sys
import time
from contextlib import contextmanager

from tqdm import tqdm

from course_rnn.progress import hidden


class CPUBudget:
    """Counts CPU seconds of training; as a :func:`course_rnn.train.fit` callback it returns
    True (stop) once ``seconds`` have been used.  The clock starts at the first call of
    :meth:`start` or of the callback.  ``clock`` is ``time.process_time`` unless given
    (e.g. ``time.perf_counter`` for wall-clock seconds, or a fake clock in tests)."""

    def __init__(self, seconds, clock=time.process_time):
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
            raise ValueError(f"seconds={seconds!r} must be a positive number of CPU seconds")
        self.seconds, self.clock = float(seconds), clock
        self._start, self._paused_for = None, 0.0

    def start(self):
        """Start the clock (again from zero)."""
        self._start, self._paused_for = self.clock(), 0.0
        return self

    @property
    def used(self):
        """CPU seconds of training so far (0 before the start)."""
        if self._start is None:
            return 0.0
        return self.clock() - self._start - self._paused_for

    @property
    def exhausted(self):
        return self.used >= self.seconds

    @contextmanager
    def paused(self):
        """A block whose CPU time is not charged to the budget (evaluation, plotting)."""
        begin = self.clock()
        try:
            yield
        finally:
            self._paused_for += self.clock() - begin

    def __call__(self, event, history=None):
        if self._start is None:
            self.start()
        return event == "step" and self.exhausted


class EveryCPUSeconds:
    """A callback that runs ``fn()`` each time another ``interval`` seconds of ``budget`` have
    been used, inside :meth:`CPUBudget.paused` (so measuring is not charged as training).
    ``fn``'s return values are kept in ``results`` as ``(seconds used, value)`` pairs."""

    def __init__(self, budget, interval, fn):
        if not interval > 0:
            raise ValueError(f"interval={interval!r} must be a positive number of seconds")
        self.budget, self.interval, self.fn = budget, interval, fn
        self.results, self._next = [], interval

    def __call__(self, event, history=None):
        if event == "step" and self.budget.used >= self._next:
            self.record()
            self._next = (self.budget.used // self.interval + 1) * self.interval
        return False

    def record(self):
        """Run ``fn`` now (e.g. once more at the end of training) and keep its value."""
        used = self.budget.used
        with self.budget.paused():
            self.results.append((used, self.fn()))


class BudgetBar:
    """A text progress bar of a :class:`CPUBudget`, printed to ``sys.stdout`` in ASCII so that
    it reads the same in a terminal and in the executed notebook of the book.  As a callback
    of :func:`course_rnn.train.fit` or :meth:`MinCharRNN.train
    <course_rnn.minchar.MinCharRNN.train>` it shows the last training loss; it redraws at most
    ``updates`` times, so the notebook output stays short."""

    def __init__(self, budget, desc, updates=10, file=None):
        if not isinstance(budget, CPUBudget):
            raise TypeError(f"budget must be a CPUBudget; got {type(budget).__name__}")
        self.budget, self.updates = budget, updates
        self.bar = tqdm(total=round(budget.seconds, 1), desc=desc, unit="cpu-s", ascii=True, disable=hidden(),
                        file=file or sys.stdout, ncols=90, mininterval=0, miniters=1,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total} cpu-s{postfix}")
        self._shown = 0

    def update(self, loss=None, done=False):
        """Redraw if another 1/updates of the budget has passed (or when ``done``)."""
        fraction = min(self.budget.used / self.budget.seconds, 1.0)
        if not done and fraction * self.updates < self._shown + 1:
            return
        self._shown = int(fraction * self.updates)
        self.bar.n = round(min(self.budget.used, self.budget.seconds), 1)
        if loss is not None:
            self.bar.set_postfix_str(f"loss {loss:.3f}", refresh=False)
        if done:
            self.bar.close()  # draws the final state once; a closed bar never redraws
        else:
            self.bar.refresh()

    def close(self, loss=None):
        """Draw the final state and end the bar (training may stop before the budget is used)."""
        if not self.bar.disable:
            self.update(loss, done=True)

    def __call__(self, event, history=None):
        losses = getattr(history, "train_loss", None)  # a fit History, or a MinCharRNN
        loss = losses[-1] if losses else None
        if self.budget.exhausted:
            self.close(loss)
        else:
            self.update(loss)
        return False
