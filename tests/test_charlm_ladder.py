"""The ladder of char_lm.md changes one thing per rung, and a short run learns."""

import math
from dataclasses import fields

import numpy as np
import torch

from course_rnn.experiments.charlm_ladder import RUNGS, train_rung


def test_each_rung_changes_one_thing_from_the_rung_before():
    varying = [f.name for f in fields(RUNGS[0]) if f.name not in ("name", "lr")]
    for before, after in zip(RUNGS, RUNGS[1:]):
        changed = {k for k in varying if getattr(before, k) != getattr(after, k)}
        if before.engine != after.engine:         # numpy, one stream -> PyTorch, B streams
            assert changed == {"engine", "B"}, (after.name, changed)
        else:
            assert len(changed) == 1, (after.name, changed)


def test_a_torch_rung_and_min_char_rnn_beat_the_uniform_model_after_a_second_of_training():
    torch.set_num_threads(1)
    V = 5
    rng = np.random.default_rng(0)
    text = np.array([0, 1, 2, 3, 4] * 4000)        # a cycle: the next id is determined
    text[rng.integers(0, len(text), 200)] = rng.integers(0, V, 200)
    val = text[:2000].reshape(50, 40).T            # (T_total, B)
    for rung in (RUNGS[0], RUNGS[3]):
        run = train_rung(rung, text, val, V, seconds=1.0, seed=0, points=2)
        assert run.curve[0][2] > math.log(V) - 0.05    # untrained: close to uniform
        assert run.final < 0.5 * math.log(V), rung.name
        assert run.curve[-1][1] > run.curve[0][1] == 0  # characters were read
