"""TransformerLM (torch.nn blocks, causal mask), the independent-window LM task, and the
learning-curve recorder used by the transformer and Tree-LSTM chapters."""

import itertools
import math
import multiprocessing
import time
import warnings

import numpy as np
import pytest
import torch

from course_rnn.budget import CPUBudget
from course_rnn.curves import CurveRecorder
from course_rnn.experiments.lm_compare import train_for_steps
from course_rnn.lm_windows import RandomWindows, WindowLanguageModeling, fixed_windows, windows_at
from course_rnn.models import CharLM
from course_rnn.sampling import TorchStepper
from course_rnn.train import evaluate, fit
from course_rnn.transformer_lm import TransformerLM


def _model(V=11, max_len=16):
    torch.manual_seed(0)
    return TransformerLM(V, d_model=16, nhead=2, num_layers=2, max_len=max_len, dropout=0.0).double().eval()


def test_logits_at_t_do_not_depend_on_later_tokens():
    """Causality: changing token t+1.. leaves the logits of 0..t unchanged, and changing
    token t changes them at t (the mask hides the future, not the present)."""
    model = _model()
    tokens = torch.randint(0, 11, (10, 3), generator=torch.Generator().manual_seed(1))
    changed = tokens.clone()
    changed[6:] = (changed[6:] + 1) % 11
    with torch.no_grad():
        a, _ = model(tokens)
        b, _ = model(changed)
    assert torch.allclose(a[:6], b[:6], atol=1e-12)
    assert not torch.allclose(a[6], b[6])


def test_one_token_at_a_time_with_the_state_equals_the_whole_window():
    """The returned state is the context: stepping token by token (as TorchStepper does)
    gives the logits of one pass over the whole sequence."""
    model = _model()
    tokens = torch.randint(0, 11, (12, 2), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        whole, _ = model(tokens)
        state, steps = None, []
        for t in range(12):
            logits, state = model(tokens[t:t + 1], state)
            steps.append(logits)
    assert torch.allclose(torch.cat(steps), whole, atol=1e-10)
    stepper = TorchStepper(model)
    logits, state = None, None
    for token in tokens[:5, 0].tolist():
        logits, state = stepper(token, state)
    assert torch.allclose(logits, whole[4, 0], atol=1e-10)


def test_context_is_cropped_to_max_len_and_a_longer_window_is_refused():
    model = _model(max_len=8)
    tokens = torch.zeros(8, 1, dtype=torch.int64)
    with torch.no_grad():
        _, state = model(tokens)
        assert state.shape == (7, 1)
        logits, state = model(tokens[:1], state)
    assert logits.shape == (1, 1, 11) and state.shape == (7, 1)
    with pytest.raises(ValueError, match="max_len"):
        model(torch.zeros(9, 1, dtype=torch.int64))
    with pytest.raises(ValueError, match="divisible"):
        TransformerLM(11, d_model=10, nhead=3)


def test_it_is_built_from_torch_nn_blocks_and_constructs_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = TransformerLM(11, d_model=16, nhead=2, num_layers=3)
    assert sum(isinstance(m, torch.nn.TransformerEncoderLayer) for m in model.modules()) == 3


def test_a_transformer_learns_a_copy_task_that_needs_attention():
    """Every window is 8 random tokens followed by the same 8 again: the second half is
    predictable only by looking back 8 positions.  A few hundred steps bring the loss on
    the second half far below ln V (chance)."""
    torch.manual_seed(0)
    V, half = 6, 8
    model = TransformerLM(V, d_model=32, nhead=2, num_layers=2, max_len=2 * half)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    for _ in range(300):
        first = torch.randint(0, V, (half, 32), generator=g)
        seq = torch.cat([first, first])
        logits, _ = model(seq[:-1])
        loss = torch.nn.functional.cross_entropy(logits[half - 1:].reshape(-1, V), seq[half:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.2 * np.log(V)


def test_windows_are_the_text_shifted_by_one_and_random_windows_are_reproducible():
    ids = torch.arange(100)
    x, y = windows_at(ids, [0, 10, 50], 5)
    assert x.shape == (5, 3) and torch.equal(x[:, 1], torch.arange(10, 15)) and torch.equal(y, x + 1)
    a = [b for b in RandomWindows(ids, 5, 4, seed=3).epoch(3)()]
    b = [b for b in RandomWindows(ids, 5, 4, seed=3).epoch(3)()]
    assert all(torch.equal(p[0], q[0]) for p, q in zip(a, b))
    batches = fixed_windows(ids, 5, 4)
    assert len(batches) == 4 and torch.equal(batches[0][0][:, 1], torch.arange(5, 10))
    with pytest.raises(ValueError, match="int64"):
        RandomWindows(ids.float(), 5, 4)


def test_window_task_never_carries_a_state_into_the_next_batch():
    """An LSTM evaluated with the window task equals the mean of its losses on each batch
    evaluated alone (with the carried "lm" task the second batch would start from a state)."""
    torch.manual_seed(0)
    model = CharLM(7, hidden_size=8).double()
    batches = fixed_windows(torch.randint(0, 7, (200,), generator=torch.Generator().manual_seed(0)), 10, 4)[:2]
    together = evaluate(model, batches, task=WindowLanguageModeling())["loss"]
    alone = np.mean([evaluate(model, [b], task="lm")["loss"] for b in batches])
    carried = evaluate(model, batches, task="lm")["loss"]
    assert together == pytest.approx(alone, rel=1e-12)
    assert carried != pytest.approx(together, rel=1e-6)


class _FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_curve_recorder_evaluates_on_schedule_without_charging_the_budget():
    clock = _FakeClock()
    budget = CPUBudget(10.0, clock=clock)
    model = torch.nn.Linear(1, 1)
    evaluations = itertools.count()

    def evaluate_now():
        clock.now += 100.0  # evaluation is slow, but paused: it must not count
        return {"loss": float(next(evaluations))}

    curve = CurveRecorder(budget, model, evaluate_now, every=3.0, samples_per_step=4).start()

    class History:
        step = 0

    while not budget.exhausted:
        clock.now += 1.0
        History.step += 1
        curve("step", History)
    curve.finish(History)
    assert [p["seconds"] for p in curve.points] == [0.0, 3.0, 6.0, 9.0, 10.0]
    assert [p["samples"] for p in curve.points] == [0, 12, 24, 36, 40]
    assert budget.used == pytest.approx(10.0)
    assert model.training


def test_budgeted_fit_with_the_window_task_trains_both_kinds_of_model():
    """One CPU second of training lowers the validation loss of both models (a smoke test
    of the chapter's pipeline on a repetitive text)."""
    ids = torch.tensor([0, 1, 2, 3, 4] * 300)
    val = fixed_windows(ids, 16, 8)
    for model in (CharLM(5, hidden_size=16), TransformerLM(5, d_model=16, nhead=2, num_layers=1, max_len=16)):
        budget = CPUBudget(1.0)
        curve = CurveRecorder(budget, model, lambda: evaluate(model, val, task=WindowLanguageModeling()),
                              every=0.5, samples_per_step=8).start()
        history = fit(model, RandomWindows(ids, 16, 8).epoch(50), task=WindowLanguageModeling(), lr=1e-2,
                      epochs=None, max_steps=10**6, progress=False, callbacks=[budget, curve])
        curve.finish(history)
        assert curve.points[-1]["loss"] < 0.5 * curve.points[0]["loss"]


def test_curve_recorder_on_a_step_schedule_records_every_k_steps_and_the_cpu_seconds():
    clock = _FakeClock()
    budget = CPUBudget(math.inf, clock=clock)
    model = torch.nn.Linear(1, 1)
    curve = CurveRecorder(budget, model, lambda: {"loss": 0.0}, every_steps=4, samples_per_step=3).start()

    class History:
        step = 0

    for _ in range(10):
        clock.now += 0.5
        History.step += 1
        curve("step", History)
    curve.finish(History)
    assert [p["step"] for p in curve.points] == [0, 4, 8, 10]
    assert [p["seconds"] for p in curve.points] == [0.0, 2.0, 4.0, 5.0]
    assert [p["samples"] for p in curve.points] == [0, 12, 24, 30]
    with pytest.raises(ValueError, match="one schedule"):
        CurveRecorder(budget, model, lambda: {}, every=1.0, every_steps=2)
    with pytest.raises(ValueError, match="one schedule"):
        CurveRecorder(budget, model, lambda: {})


def test_a_run_of_a_fixed_number_of_steps_gives_the_same_curve_however_busy_the_machine():
    """The book's comparison (train_for_steps) depends on the seed, not on the CPU time: two
    runs from one seed give the same losses, a burner process on the other core or not."""
    ids = torch.tensor([0, 1, 2, 3, 4, 3, 2, 1] * 200)
    val = fixed_windows(ids, 16, 8, n_batches=4)

    def run():
        torch.manual_seed(3)
        curve = train_for_steps(CharLM(5, hidden_size=16), ids, val, 1e-2, 30, 16, 8, seed=3, every=10)
        return curve.points

    quiet = run()
    burner = multiprocessing.get_context("spawn").Process(target=_burn, args=(20.0,), daemon=True)
    burner.start()
    try:
        busy = run()
    finally:
        burner.terminate()
    assert [p["step"] for p in quiet] == [0, 10, 20, 30]
    assert [p["samples"] for p in quiet] == [0, 1280, 2560, 3840]
    assert [p["loss"] for p in busy] == [p["loss"] for p in quiet]
    assert quiet[-1]["loss"] < 0.7 * quiet[0]["loss"]
    assert all(b["seconds"] > a["seconds"] for a, b in zip(quiet, quiet[1:]))


def _burn(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
