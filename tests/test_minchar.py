"""Tests of course_rnn.minchar (the min-char-rnn baseline): gradients against torch autograd,
the Adagrad step against its formula and torch.optim.Adagrad, evaluation against
torch.nn.RNN + cross-entropy, and the training loop's bookkeeping."""

import math

import numpy as np
import pytest
import torch

from course_rnn.minchar import PARAMS, MinCharRNN


def random_model(V=7, H=6, T=5, seed=0):
    """A MinCharRNN with weights large enough that every gradient is far from zero."""
    model = MinCharRNN(V, H, T, seed=seed)
    rng = np.random.default_rng(seed + 1)
    for name in PARAMS:
        model.params[name] = rng.normal(0, 0.5, model.params[name].shape)
    return model


def torch_loss(model, inputs, targets, h_prev):
    """The same window's summed loss written with torch ops, and the leaf tensors."""
    p = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    h = torch.tensor(h_prev)
    x = torch.nn.functional.one_hot(torch.tensor(inputs), model.V).double()  # (T, V)
    loss = 0.0
    for t in range(len(inputs)):
        h = torch.tanh(p["W_xh"] @ x[t] + p["W_hh"] @ h + p["b_h"])
        y = p["W_hy"] @ h + p["b_y"]
        loss = loss - torch.log_softmax(y, 0)[targets[t]]
    return loss, p, h


def test_loss_and_gradients_match_torch_autograd():
    model = random_model()
    rng = np.random.default_rng(3)
    inputs, targets = rng.integers(0, model.V, 5), rng.integers(0, model.V, 5)
    h_prev = rng.normal(0, 0.5, model.H)
    loss, grads, h_last = model.loss_and_grads(inputs, targets, h_prev)
    t_loss, leaves, t_h = torch_loss(model, inputs, targets, h_prev)
    t_loss.backward()
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    np.testing.assert_allclose(h_last, t_h.detach().numpy(), rtol=1e-12)
    for name in PARAMS:
        np.testing.assert_allclose(grads[name], leaves[name].grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def test_repeated_input_character_accumulates_its_w_xh_column_gradient():
    """W_xh is indexed by the input id: a character read twice must add both contributions."""
    model = random_model()
    inputs, targets = np.array([2, 2, 2, 4, 2]), np.array([1, 0, 3, 3, 6])
    _, grads, _ = model.loss_and_grads(inputs, targets, np.zeros(model.H))
    t_loss, leaves, _ = torch_loss(model, inputs, targets, np.zeros(model.H))
    t_loss.backward()
    np.testing.assert_allclose(grads["W_xh"], leaves["W_xh"].grad.numpy(), rtol=1e-9, atol=1e-12)
    assert np.all(grads["W_xh"][:, [0, 1, 3, 5, 6]] == 0)  # characters never read get no gradient


def test_adagrad_update_matches_torch_adagrad_and_clips_elementwise():
    model = random_model()
    rng = np.random.default_rng(5)
    # |g| >= 0.5, where sqrt(m + 1e-8) and sqrt(m) + 0 agree to 4e-8 relative; some |g| beyond the clip
    grads = {k: rng.choice([-1, 1], v.shape) * rng.uniform(0.5, 9, v.shape)
             for k, v in model.params.items()}
    assert any(np.abs(g).max() > 5 for g in grads.values())
    leaves = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in model.params.items()}
    optimizer = torch.optim.Adagrad(leaves.values(), lr=model.lr, eps=0.0)
    for _ in range(3):  # three steps, so the running sum of squares matters
        model.adagrad_update(grads)
        for name, leaf in leaves.items():
            leaf.grad = torch.tensor(np.clip(grads[name], -5, 5))
        optimizer.step()
    for name in PARAMS:
        np.testing.assert_allclose(model.params[name], leaves[name].detach().numpy(), rtol=1e-7,
                                   err_msg=name)


def test_evaluate_equals_torch_rnn_cross_entropy_per_stream():
    model = random_model(V=9, H=5)
    streams = np.random.default_rng(2).integers(0, 9, (12, 3))  # (T_total, B)
    rnn = torch.nn.RNN(9, 5, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(model.params["W_xh"]))
        rnn.weight_hh_l0.copy_(torch.tensor(model.params["W_hh"]))
        rnn.bias_ih_l0.copy_(torch.tensor(model.params["b_h"]))
        rnn.bias_hh_l0.zero_()
        x = torch.nn.functional.one_hot(torch.tensor(streams[:-1]), 9).double()
        hs, _ = rnn(x)                                                   # (T, B, H)
        logits = hs @ torch.tensor(model.params["W_hy"]).T + torch.tensor(model.params["b_y"])
        expected = torch.nn.functional.cross_entropy(logits.reshape(-1, 9),
                                                     torch.tensor(streams[1:]).reshape(-1))
    assert model.evaluate(streams) == pytest.approx(expected.item(), rel=1e-10)


def test_step_function_gives_the_logits_of_the_training_forward_pass():
    model = random_model()
    inputs = [3, 1, 4, 1]
    state, logits = None, None
    for token in inputs:
        logits, state = model.step(token, state)
    _, leaves, h = torch_loss(model, inputs, [0] * 4, np.zeros(model.H))
    np.testing.assert_allclose(state, h.detach().numpy(), rtol=1e-12)
    expected = model.params["W_hy"] @ h.detach().numpy() + model.params["b_y"]
    np.testing.assert_allclose(logits, expected, rtol=1e-12)


def test_fresh_model_predicts_nearly_uniformly():
    """Weights from N(0, 0.01^2): the first loss is close to ln V per character."""
    model = MinCharRNN(20, 100)
    ids = np.random.default_rng(0).integers(0, 20, 26)
    loss, _, _ = model.loss_and_grads(ids[:-1], ids[1:], np.zeros(100))
    assert loss / 25 == pytest.approx(math.log(20), abs=0.01)


def test_training_learns_a_periodic_text_and_counts_characters():
    ids = np.tile(np.arange(5), 40)  # 0 1 2 3 4 0 1 ...: perfectly predictable
    model = MinCharRNN(5, 16, T=10, seed=1)
    before = model.evaluate(ids[:, None])
    losses = model.train(ids, max_chars=4000)
    assert model.chars_seen == 4000 and len(losses) == 400
    assert model.evaluate(ids[:, None]) < 0.1 < before
    assert losses[-1] < losses[0]


def test_training_wraps_around_the_text_with_a_fresh_state():
    ids = np.arange(31) % 7
    model = MinCharRNN(7, 4, T=10)
    model.train(ids, max_chars=30)   # windows at 0, 10, 20 fit in 31 ids
    assert model.position == 30
    model.train(ids, max_chars=10)   # 30 + 11 > 31: back to the start
    assert model.position == 10 and model.chars_seen == 40


def test_a_callback_stops_training():
    model = MinCharRNN(5, 4, T=5)
    calls = []
    model.train(np.arange(100) % 5, callbacks=[lambda event, m: calls.append(event) or len(calls) == 3])
    assert calls == ["step"] * 3 and model.chars_seen == 15


@pytest.mark.parametrize("kwargs", [{"V": 0}, {"V": 5, "H": 2.5}, {"V": 5, "lr": 0}])
def test_bad_sizes_raise_clear_errors(kwargs):
    with pytest.raises(ValueError, match="must be"):
        MinCharRNN(**kwargs)


def test_training_without_a_stopping_rule_or_on_too_little_text_raises():
    model = MinCharRNN(5, 4, T=25)
    with pytest.raises(ValueError, match="max_chars or a stopping callback"):
        model.train(np.arange(100) % 5)
    with pytest.raises(ValueError, match="at least T \\+ 1"):
        model.train(np.arange(10) % 5, max_chars=10)
    with pytest.raises(ValueError, match="T_total, B"):
        model.evaluate(np.arange(10))
