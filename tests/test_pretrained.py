"""Tests of the shipped CharLM (course_rnn.pretrained): it loads, it is small, its vocabulary
is tiny Shakespeare's, and the validation loss recorded in the file is the one the shipped
weights actually get (recomputed here with course_rnn.train.evaluate)."""

import math

import numpy as np
import pytest
import torch

from course_rnn.data import CharVocab, batchify, bptt_windows, load_tinyshakespeare
from course_rnn.pretrained import CHARLM_FILE, load_charlm
from course_rnn.train import evaluate


def test_shipped_file_is_under_one_megabyte():
    assert CHARLM_FILE.is_file(), "run python -m course_rnn.pretrained.train_charlm"
    assert CHARLM_FILE.stat().st_size < 1_000_000


def test_loads_in_eval_mode_with_the_tinyshakespeare_vocabulary():
    model, vocab, info = load_charlm()
    assert not model.training
    assert vocab.itos == CharVocab(load_tinyshakespeare(), pad=False, unk=False).itos
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert info["config"]["cell"] == "lstm" and info["chars_seen"] > 0


def test_recorded_validation_loss_is_the_shipped_models():
    model, vocab, info = load_charlm()
    val = batchify(np.array(vocab.encode(load_tinyshakespeare("validation"))), 10)
    loss = evaluate(model, list(bptt_windows(val, 500)), task="lm")["loss"]
    assert loss == pytest.approx(info["val_loss"], abs=1e-3)
    assert loss < math.log(len(vocab)) - 2  # far better than knowing nothing (ln 65 = 4.17)


def test_missing_file_names_the_script(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_charlm"):
        load_charlm(tmp_path / "nothing.pt")
