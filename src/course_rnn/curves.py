"""Learning curves of a training run: validation metrics against the seconds of training
used, the optimizer steps and the training examples seen.

Two models trained for the same :class:`~course_rnn.budget.CPUBudget` (CPU or wall-clock
seconds) are compared at equal compute by plotting their curves against ``seconds``, and
at equal data by plotting them against ``samples``.  Evaluating is not training: it runs
inside ``budget.paused()``, so it does not use the budget.

A run of a fixed number of steps (``fit(..., max_steps=N)``) gives the same curve on any
machine, however busy; ``CPUBudget(math.inf)`` then only measures the CPU seconds, and
``every_steps`` sets the schedule of evaluations in steps instead of seconds.

.. code-block:: python

    budget = CPUBudget(15.0)
    curve = CurveRecorder(budget, model, lambda: evaluate(model, val, task="lm"), every=1.5,
                          samples_per_step=B).start()   # starts the budget; the untrained point
    history = fit(model, batches, task="lm", epochs=None, max_steps=10**9, progress=False,
        callbacks=[budget, curve])
    curve.finish(history)          # one last point at the end of the budget
    curve.points                   # [{"seconds", "step", "samples", "loss", ...}, ...]
"""

from course_rnn.budget import CPUBudget


class CurveRecorder:
    """A :func:`course_rnn.train.fit` callback that evaluates ``model`` at the start and then
    every ``every`` seconds of ``budget`` (or every ``every_steps`` optimizer steps), and
    keeps one point per evaluation.

    ``evaluate()`` takes no argument and returns a dict of metrics (for example
    :func:`course_rnn.train.evaluate`'s); a point is that dict plus ``seconds`` (budget
    used), ``step`` (optimizer steps) and ``samples`` (``step * samples_per_step``).  The
    model is put back in training mode after each evaluation.
    """

    def __init__(self, budget, model, evaluate, every=None, samples_per_step=1, every_steps=None):
        if not isinstance(budget, CPUBudget):
            raise TypeError(f"budget must be a CPUBudget; got {type(budget).__name__}")
        if (every is None) == (every_steps is None):
            raise ValueError("give one schedule: every (seconds of the budget) or every_steps (steps)")
        if every is not None and not every > 0:
            raise ValueError(f"every={every!r} must be a positive number of seconds")
        if every_steps is not None and (isinstance(every_steps, bool) or not isinstance(every_steps, int)
                                        or every_steps < 1):
            raise ValueError(f"every_steps={every_steps!r} must be a positive integer")
        if isinstance(samples_per_step, bool) or not isinstance(samples_per_step, int) or samples_per_step < 1:
            raise ValueError(f"samples_per_step={samples_per_step!r} must be a positive integer")
        self.budget, self.model, self.evaluate = budget, model, evaluate
        self.every = None if every is None else float(every)
        self.every_steps, self.samples_per_step = every_steps, samples_per_step
        self.points = []
        self._next = 0.0

    def record(self, step):
        """Evaluate now (without charging the budget) and keep the point."""
        seconds = self.budget.used
        training = self.model.training
        with self.budget.paused():
            metrics = dict(self.evaluate())
        self.model.train(training)
        self.points.append({"seconds": seconds, "step": step, "samples": step * self.samples_per_step,
                            **metrics})
        return self.points[-1]

    def __call__(self, event, history):
        if event != "step" or self.budget.exhausted:
            return False
        if self.every_steps is not None:
            if history.step % self.every_steps == 0:
                self.record(history.step)
        elif self.budget.used >= self._next:
            self.record(history.step)
            self._next = self.budget.used + self.every
        return False

    def start(self):
        """Record the untrained model's point (call before training starts the budget)."""
        if not self.budget.used and not self.points:
            self.budget.start()
            self.record(0)
            self._next = self.every or 0.0
        return self

    def finish(self, history):
        """Record the point at the end of training (if the last one is not already there)."""
        if not self.points or self.points[-1]["step"] != history.step:
            self.record(history.step)
        return self.points

    def series(self, key, x="seconds"):
        """Two lists for plotting: ``x`` and the metric ``key`` of every point."""
        return [p[x] for p in self.points], [p[key] for p in self.points]
