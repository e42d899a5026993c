"""Tests of course_rnn.budget with a fake clock: the budget counts only unpaused time, stops
fit when spent, and the bar prints plain ASCII to the file it is given."""

import io

import numpy as np
import pytest
import torch

from course_rnn.budget import BudgetBar, CPUBudget, EveryCPUSeconds
from course_rnn.models import CharLM
from course_rnn.train import fit


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_paused_time_is_not_charged():
    clock = FakeClock()
    budget = CPUBudget(10, clock=clock).start()
    clock.now = 3.0
    with budget.paused():
        clock.now = 8.0
    clock.now = 9.0
    assert budget.used == pytest.approx(4.0)
    assert not budget.exhausted
    clock.now = 15.0
    assert budget.exhausted and budget("step") is True
    assert budget("epoch") is False  # only steps stop training


def test_budget_stops_fit_after_the_clock_passes_it():
    """The fake clock advances one 'second' per step: a 5-second budget allows 5 steps."""
    clock = FakeClock()
    budget = CPUBudget(5, clock=clock).start()

    def tick(event, history):
        clock.now += 1.0

    data = torch.randint(0, 6, (40, 2))
    model = CharLM(6, 4)
    history = fit(model, lambda: [(data[i:i + 4], data[i + 1:i + 5]) for i in range(0, 32, 4)],
                  epochs=None, max_steps=100, progress=False, callbacks=[tick, budget])
    assert history.step == 5


def test_bar_prints_ascii_and_ends_at_the_full_budget(monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)  # bars on, whatever the caller's environment
    clock = FakeClock()
    budget = CPUBudget(2, clock=clock).start()
    out = io.StringIO()
    bar = BudgetBar(budget, "model", updates=4, file=out)
    for t in np.linspace(0.1, 2.5, 25):
        clock.now = t
        bar("step")
    text = out.getvalue()
    assert text.isascii()
    assert "100%" in text and "2.0/2.0 cpu-s" in text
    assert text.count("\r") <= 4 + 2  # a few redraws, not one per step


def test_bad_budget_raises():
    with pytest.raises(ValueError, match="positive number"):
        CPUBudget(0)
    with pytest.raises(TypeError, match="CPUBudget"):
        BudgetBar(5.0, "x")


def test_every_cpu_seconds_measures_at_each_interval_without_charging_it():
    clock = FakeClock()
    budget = CPUBudget(10, clock=clock).start()

    def measure():
        clock.now += 100.0  # an expensive evaluation
        return len(every.results)

    every = EveryCPUSeconds(budget, 2.0, measure)
    for _ in range(9):
        clock.now += 0.7
        every("step")
    # training time 0.7, 1.4, ... 6.3: crossings of 2, 4, 6 -> measured at 2.1, 4.2, 6.3
    assert [round(t, 1) for t, _ in every.results] == [2.1, 4.2, 6.3]
    assert [v for _, v in every.results] == [0, 1, 2]
    assert budget.used == pytest.approx(6.3)
