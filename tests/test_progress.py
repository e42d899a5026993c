"""Progress bars are for people running the code, never in the built book: one switch,
tqdm's own ``TQDM_DISABLE=1``, silences every bar of the package, and the book's build sets
it for the kernels that execute the chapters."""

import io
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from course_rnn import bookbuild, progress
from course_rnn.budget import BudgetBar, CPUBudget
from course_rnn.elman_tasks import train_next_item
from course_rnn.experiments.sequence_tasks import Progress
from course_rnn.models import CharLM
from course_rnn.train import fit


class FakeClock:
    now = 0.0

    def __call__(self):
        return self.now


def _budget_bar_output():
    clock = FakeClock()
    budget = CPUBudget(2, clock=clock).start()
    out = io.StringIO()
    bar = BudgetBar(budget, "model", updates=4, file=out)
    for t in np.linspace(0.1, 2.5, 25):
        clock.now = t
        bar("step")
    return out.getvalue()


def _every_other_bar(capsys):
    """What the package's other bars print: fit (to stderr), train_next_item and Progress
    (to stdout)."""
    data = torch.randint(0, 6, (40, 2))
    fit(CharLM(6, 4), [(data[i:i + 4], data[i + 1:i + 5]) for i in range(0, 32, 4)], epochs=1,
        progress=True)
    x = np.eye(3, dtype=np.float32)[np.arange(60) % 3]
    train_next_item(x[:-1], x[1:], H=2, passes=3, streams=2, progress="next item")
    bar = Progress(4, "work", updates=2)
    for _ in range(4):
        bar.step()
    bar.close()
    printed = capsys.readouterr()
    return printed.out + printed.err


@pytest.mark.parametrize("value, off", [("1", True), ("true", True), ("", False), ("0", False)])
def test_the_switch_reads_tqdms_environment_variable(monkeypatch, value, off):
    monkeypatch.setenv("TQDM_DISABLE", value)
    assert progress.bars_off() is off
    assert progress.hidden(True) is off and progress.hidden(False) is True


def test_every_bar_prints_without_the_switch_and_nothing_with_it(monkeypatch, capsys):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert "100%" in _budget_bar_output()
    shown = _every_other_bar(capsys)
    assert shown.count("%|") >= 3, f"expected the bars of fit, train_next_item and Progress:\n{shown}"

    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert _budget_bar_output() == ""
    assert _every_other_bar(capsys) == ""


def test_the_book_build_switches_bars_off_for_the_chapter_kernels(monkeypatch):
    """Loading the Sphinx extension (as ``jupyter-book build`` does before executing any
    page) sets the switch in the environment the kernels inherit."""
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    calls = []
    app = SimpleNamespace(**{name: (lambda *a, **k: calls.append(a)) for name in
                             ("add_config_value", "add_directive", "connect")})
    bookbuild.setup(app)
    assert progress.bars_off()
