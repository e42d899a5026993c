"""course_rnn.train: the loop's arithmetic against torch done by hand, reproducibility, resuming."""

import copy
import math

import numpy as np
import pytest
import torch

from course_rnn.data.batching import batchify, bptt_windows
from course_rnn.models import CharLM, SequenceClassifier
from course_rnn.train import (History, evaluate, fit, load_checkpoint, save_checkpoint,
                              seed_everything)

V = 7


def lm_data(n=400, B=4, seed=0):
    ids = np.random.default_rng(seed).integers(0, V, n)
    return batchify(ids, B)  # (T_total, B)


def shuffled_windows(data, T):
    """Windows in a random order drawn from numpy's and torch's global generators."""
    windows = list(bptt_windows(data, T))
    order = np.random.permutation(len(windows))
    return [windows[i] for i in order[torch.randperm(len(order)).numpy()]]


def run(seed, epochs=2):
    seed_everything(seed)
    lm = CharLM(V, 16, cell="lstm", dropout=0.3, embedding_size=6)
    data = lm_data()
    return fit(lm, lambda: shuffled_windows(data, 10), task="lm", epochs=epochs, clip=1.0,
               progress=False).train_loss


def test_same_seed_gives_identical_losses_and_another_seed_does_not():
    first, second = run(3), run(3)
    assert first == second
    assert run(4) != first


def test_training_resumed_from_a_checkpoint_is_bit_identical_to_never_stopping(tmp_path):
    data = lm_data()

    def batches():
        return shuffled_windows(data, 10)

    def new_model_and_optimizer():
        lm = CharLM(V, 16, cell="lstm", dropout=0.3, embedding_size=6)
        return lm, torch.optim.Adam(lm.parameters(), lr=0.01)

    seed_everything(0)
    lm, opt = new_model_and_optimizer()
    straight = fit(lm, batches, task="lm", optimizer=opt, epochs=4, clip=1.0, progress=False)

    seed_everything(0)
    lm_a, opt_a = new_model_and_optimizer()
    first = fit(lm_a, batches, task="lm", optimizer=opt_a, epochs=2, clip=1.0, progress=False)
    save_checkpoint(tmp_path / "ckpt.pt", lm_a, opt_a, step=first.step, history=first)
    torch.manual_seed(123), np.random.seed(123)  # disturb every generator before loading
    lm_b, opt_b = new_model_and_optimizer()
    loaded = load_checkpoint(tmp_path / "ckpt.pt", lm_b, opt_b)
    assert loaded["step"] == first.step
    resumed = fit(lm_b, batches, task="lm", optimizer=opt_b, epochs=2, clip=1.0, progress=False,
                  history=loaded["history"])

    assert resumed.train_loss == straight.train_loss
    assert resumed.grad_norm == straight.grad_norm
    for (name, a), b in zip(lm.state_dict().items(), lm_b.state_dict().values()):
        assert torch.equal(a, b), name


def test_lm_evaluate_with_carried_state_equals_one_pass_over_the_whole_stream():
    lm = CharLM(V, 12, cell="lstm", embedding_size=5).double()
    data = lm_data(n=203, B=3)
    metrics = evaluate(lm, list(bptt_windows(data, 9)), task="lm")
    # oracle: the whole stream in one call, cross-entropy of every next token
    with torch.no_grad():
        logits, _ = lm(torch.from_numpy(data[:-1]))
        nll = torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.from_numpy(data[1:]).reshape(-1))
    assert metrics["loss"] == pytest.approx(float(nll), rel=1e-12)
    assert metrics["perplexity"] == pytest.approx(math.exp(float(nll)), rel=1e-12)
    assert metrics["bpc"] == pytest.approx(float(nll) / math.log(2), rel=1e-12)


def test_truncated_bptt_carries_the_state_but_not_the_gradient():
    seen = []

    class Spy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lm = CharLM(V, 8, cell="rnn")

        def forward(self, tokens, state=None):
            seen.append(state)
            return self.lm(tokens, state)

    fit(Spy(), list(bptt_windows(lm_data(), 10)), task="lm", epochs=2, progress=False)
    windows = len(seen) // 2
    assert seen[0] is None and seen[windows] is None  # every epoch starts from zeros
    for state in seen[1:windows]:
        assert state.abs().sum() > 0 and not state.requires_grad and state.grad_fn is None


def test_clipping_scales_the_global_gradient_norm_to_clip():
    torch.manual_seed(0)
    clf = SequenceClassifier(5, 3, embedding_size=4, hidden_size=6)
    batch = (torch.randint(1, 5, (6, 4)), torch.tensor([6, 3, 2, 5]), torch.tensor([0, 1, 2, 1]))
    # oracle: the gradient by autograd, its global norm, the clipped SGD step by hand
    before = copy.deepcopy(clf)
    loss = torch.nn.functional.cross_entropy(before(*batch[:2]), batch[2])
    grads = torch.autograd.grad(loss, list(before.parameters()))
    norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
    clip = float(norm) / 4
    history = fit(clf, [batch], task="classifier", optimizer=torch.optim.SGD(clf.parameters(), lr=1.0),
                  epochs=1, clip=clip, progress=False)
    assert history.grad_norm[0] == pytest.approx(float(norm), rel=1e-6)
    for p_after, p_before, g in zip(clf.parameters(), before.parameters(), grads):
        torch.testing.assert_close(p_after, p_before - g * clip / norm, rtol=1e-5, atol=1e-6)


def test_tagger_accuracy_counts_real_tokens_only():
    class Fixed(torch.nn.Module):
        """Predicts tag 1 everywhere (with a dummy parameter for the optimizer)."""
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(()))

        def forward(self, tokens, lengths):
            logits = torch.zeros(*tokens.shape, 3)
            logits[..., 1] = 1.0
            return logits + self.w

    tags = torch.tensor([[1, 1, 1], [1, 0, 2], [2, 0, 0], [1, 0, 0]])  # (T, B); padding is 0
    lengths = torch.tensor([4, 2, 1])
    mask = torch.arange(4)[:, None] < lengths[None]
    real = tags[mask]
    expected_accuracy = float((real == 1).float().mean())  # 5 of the 7 real tags are 1
    expected_loss = float(torch.nn.functional.cross_entropy(torch.tensor([[0.0, 1.0, 0.0]]).expand(7, 3), real))
    for lengths_or_mask in (lengths, mask):
        metrics = evaluate(Fixed(), [(torch.zeros(4, 3, dtype=torch.long), lengths_or_mask, tags)], "tagger")
        assert metrics["accuracy"] == pytest.approx(expected_accuracy) == pytest.approx(5 / 7)
        assert metrics["loss"] == pytest.approx(expected_loss)


def test_early_stopping_restores_the_weights_of_the_best_validation_epoch():
    torch.manual_seed(0)
    clf = SequenceClassifier(5, 2, embedding_size=4, hidden_size=6)
    tokens, lengths = torch.randint(1, 5, (5, 8)), torch.full((8,), 5)
    train = [(tokens, lengths, torch.zeros(8, dtype=torch.long))]
    val = [(tokens, lengths, torch.ones(8, dtype=torch.long))]  # every step makes it worse
    snapshots = []
    history = fit(clf, train, val, task="classifier", lr=0.05, epochs=20, patience=2, progress=False,
                  callbacks=[lambda event, h: event == "epoch" and snapshots.append(copy.deepcopy(clf.state_dict()))])
    assert history.stopped_early and history.best_epoch == 1 and len(history.epochs) == 3
    assert history.val_loss[0] < history.val_loss[1] < history.val_loss[2]
    for name, value in clf.state_dict().items():
        assert torch.equal(value, snapshots[0][name]), name


def test_max_steps_and_callbacks_stop_training_where_asked():
    batches = list(bptt_windows(lm_data(), 10))
    history = fit(CharLM(V, 8), batches, task="lm", epochs=None, max_steps=len(batches) + 3, progress=False)
    assert history.step == len(batches) + 3 and len(history.epochs) == 2
    history = fit(CharLM(V, 8), batches, task="lm", epochs=5, progress=False,
                  callbacks=[lambda event, h: h.step == 4])
    assert history.step == 4


def test_progress_bar_shows_the_loss_and_can_be_hidden(capsys):
    batches = list(bptt_windows(lm_data(), 10))
    fit(CharLM(V, 8), batches, task="lm", epochs=1, progress=True)
    assert "loss=" in capsys.readouterr().err
    fit(CharLM(V, 8), batches, task="lm", epochs=1, progress=False)
    assert capsys.readouterr().err == ""


def test_bad_arguments_get_clear_errors(tmp_path):
    lm = CharLM(V, 8)
    with pytest.raises(ValueError, match="iterator, which is empty after one epoch"):
        fit(lm, bptt_windows(lm_data(), 10), task="lm", epochs=2, progress=False)
    with pytest.raises(ValueError, match="patience needs val_batches"):
        fit(lm, [], task="lm", patience=2, progress=False)
    with pytest.raises(ValueError, match="task='translation'"):
        fit(lm, [], task="translation", progress=False)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt", lm)
    with torch.no_grad():
        lm.decoder.bias.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match="diverged"):
        fit(lm, list(bptt_windows(lm_data(), 10)), task="lm", epochs=1, progress=False)


def test_history_round_trips_through_a_plain_dict():
    h = History(train_loss=[2.0, 1.5], grad_norm=[3.0, 2.0], epochs=[{"epoch": 1, "step": 2, "val_loss": 1.4}],
                best_epoch=1)
    again = History(**h.to_dict())
    assert again.to_dict() == h.to_dict() and again.val_loss == [1.4] and again.step == 2
