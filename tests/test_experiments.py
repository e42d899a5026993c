"""course_rnn.experiments against independent oracles: torch autograd, finite differences,
eigenvalues, torch's own parameter counts, hand-made predictors of known score."""

import numpy as np
import pytest
import torch

from course_rnn.data import is_reber, reber_next_symbols, reber_strings
from course_rnn.data.reber import SYMBOLS
from course_rnn.experiments.charlm_compare import (OneHotLM, evaluate_lm, matched_hidden_size,
                                                   parameter_count)
from course_rnn.experiments.clipping import adding_loss_and_grads, init_adding_rnn, train_adding_sgd
from course_rnn.experiments.gradients import pascanu_unit, with_spectral_radius
from course_rnn.experiments.sequence_tasks import (adding_scores, count_parameters, reber_batch,
                                                   reber_scores, recurrent_layer)


# gradients.py -------------------------------------------------------------------------------

def test_with_spectral_radius_gives_the_requested_largest_eigenvalue_modulus(rng):
    W = rng.standard_normal((20, 20))
    for rho in (0.5, 1.0, 1.7):
        scaled = with_spectral_radius(W, rho)
        assert np.abs(np.linalg.eigvals(scaled)).max() == pytest.approx(rho, rel=1e-10)
        assert np.allclose(scaled / W, (scaled / W).flat[0])       # a pure rescaling
    assert np.array_equal(W, W.copy())


def test_with_spectral_radius_refuses_non_square_and_nilpotent_matrices():
    with pytest.raises(ValueError, match="square"):
        with_spectral_radius(np.ones((2, 3)), 1.0)
    with pytest.raises(ValueError, match="nilpotent"):
        with_spectral_radius(np.array([[0.0, 1.0], [0.0, 0.0]]), 1.0)


def test_pascanu_unit_loss_and_derivative_match_torch_autograd():
    w = torch.tensor([-1.0, 0.5, 3.0, 4.8, 7.0], dtype=torch.float64, requires_grad=True)
    b = -2.5
    x = torch.full((5,), 0.5, dtype=torch.float64)
    for _ in range(50):
        x = w * torch.sigmoid(x) + b
    loss = (torch.sigmoid(x) - 0.7) ** 2             # Pascanu et al.'s loss reads sigma(x_50)
    loss.sum().backward()
    ours, dw = pascanu_unit(w.detach().numpy(), b)
    np.testing.assert_allclose(ours, loss.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dw, w.grad.numpy(), rtol=1e-9)


def test_pascanu_unit_derivative_matches_finite_differences_away_from_the_cliff():
    w, eps = np.array([1.0, 2.5, 6.0]), 1e-6
    _, dw = pascanu_unit(w, -2.5, T=20)
    numeric = (pascanu_unit(w + eps, -2.5, T=20)[0] - pascanu_unit(w - eps, -2.5, T=20)[0]) / (2 * eps)
    np.testing.assert_allclose(dw, numeric, rtol=1e-6)


def test_pascanu_unit_has_a_cliff_along_w():
    w = np.linspace(0, 10, 4001)
    loss, _ = pascanu_unit(w, -2.5)
    # L lies in [0, 0.49]; one grid step of 0.0025 changes it by more than half that range
    assert np.abs(np.diff(loss)).max() > 0.25


# clipping.py --------------------------------------------------------------------------------

def test_adding_loss_and_grads_match_torch_autograd(rng):
    H, T, B = 5, 7, 4
    p = init_adding_rnn(H, 1.1, rng)
    x, y = rng.standard_normal((T, B, 2)), rng.standard_normal(B)
    loss, grads, _ = adding_loss_and_grads(p, x, y)

    rnn = torch.nn.RNN(2, H, dtype=torch.float64)
    with torch.no_grad():
        for name, ours in (("weight_ih_l0", "W_ih"), ("weight_hh_l0", "W_hh"),
                           ("bias_ih_l0", "b_ih"), ("bias_hh_l0", "b_hh")):
            getattr(rnn, name).copy_(torch.from_numpy(p[ours]))
    w = torch.tensor(p["w"], requires_grad=True)
    c = torch.tensor(p["c"], requires_grad=True)
    hs, _ = rnn(torch.from_numpy(x))
    torch_loss = ((hs[-1] @ w + c - torch.from_numpy(y)) ** 2).mean()
    torch_loss.backward()
    assert loss == pytest.approx(torch_loss.item(), rel=1e-12)
    for ours, theirs in ((grads["W_hh"], rnn.weight_hh_l0.grad), (grads["W_ih"], rnn.weight_ih_l0.grad),
                         (grads["b_hh"], rnn.bias_hh_l0.grad), (grads["w"], w.grad), (grads["c"], c.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-9, atol=1e-12)


def test_clipping_with_a_threshold_never_reached_changes_nothing():
    plain = train_adding_sgd(0, max_norm=None, steps=20, T=10, H=8)
    loose = train_adding_sgd(0, max_norm=1e12, steps=20, T=10, H=8)
    np.testing.assert_array_equal(plain["loss"], loose["loss"])


def test_clipped_and_unclipped_runs_of_a_seed_start_identically_and_then_differ():
    plain = train_adding_sgd(2, max_norm=None, steps=30, T=30, H=32)
    clipped = train_adding_sgd(2, max_norm=0.1, steps=30, T=30, H=32)
    assert plain["loss"][0] == clipped["loss"][0] and plain["grad_norm"][0] == clipped["grad_norm"][0]
    assert not np.array_equal(plain["loss"][:30], clipped["loss"][:30])


def test_an_unclipped_run_on_the_exploding_side_diverges_and_clipping_keeps_it_finite():
    plain = train_adding_sgd(2, max_norm=None, steps=300)    # rho = 1.1, lr = 0.1, as in the book
    clipped = train_adding_sgd(2, max_norm=1.0, steps=300)
    # diverged: the last step's loss or gradient norm overflowed (which one first depends on
    # the rounding of the machine's BLAS: a loss of 1.4e306 with an infinite norm was seen)
    assert plain["diverged"] is not None
    assert not (np.isfinite(plain["loss"][-1]) and np.isfinite(plain["grad_norm"][-1]))
    assert len(plain["loss"]) == plain["diverged"] + 1
    assert clipped["diverged"] is None and np.all(np.isfinite(clipped["loss"]))


# sequence_tasks.py --------------------------------------------------------------------------

def test_recurrent_layer_sets_the_lstm_forget_bias_and_refuses_unknown_cells():
    layer = recurrent_layer("lstm", 3, 4, forget_bias=2.0)
    b = (layer.bias_ih_l0 + layer.bias_hh_l0).detach()
    assert torch.all(b[4:8] == 2.0)                           # rows i|f|g|o: f is rows H..2H
    with pytest.raises(ValueError, match="cell"):
        recurrent_layer("transformer", 3, 4)


def test_reber_batch_encodes_inputs_and_next_symbol_targets(rng):
    strings = reber_strings(5, rng)
    x, targets = reber_batch(strings)
    assert x.shape == (max(map(len, strings)) - 1, 5, len(SYMBOLS))
    for b, s in enumerate(strings):
        read = "".join(SYMBOLS[k] for k in x[:len(s) - 1, b].argmax(-1))
        assert read == s[:-1] and torch.all(x[len(s) - 1:, b] == 0)
        assert "".join(SYMBOLS[k] for k in targets[:len(s) - 1, b]) == s[1:]
        assert torch.all(targets[len(s) - 1:, b] == -100)


def _oracle_probs(strings, swap_penultimate=False):
    """Uniform over the legal next symbols at every step (optionally wrong at the end)."""
    T = max(map(len, strings)) - 1
    probs = np.full((T, len(strings), len(SYMBOLS)), 1e-3)
    for b, s in enumerate(strings):
        for t, legal in enumerate(reber_next_symbols(s)[:-1]):
            if swap_penultimate and t == len(s) - 3:
                legal = {"T", "P"} - legal
            for symbol in legal:
                probs[t, b, SYMBOLS.index(symbol)] = 1.0
    return probs / probs.sum(-1, keepdims=True)


def test_reber_scores_gives_full_marks_to_the_grammar_itself(rng):
    strings = reber_strings(50, rng)
    assert all(is_reber(s) for s in strings)
    assert reber_scores(_oracle_probs(strings), strings) == (1.0, 1.0)


def test_reber_scores_fails_every_string_whose_long_range_symbol_is_wrong(rng):
    strings = reber_strings(50, rng)
    assert reber_scores(_oracle_probs(strings, swap_penultimate=True), strings) == (0.0, 0.0)


def test_adding_scores_of_a_perfect_and_of_a_mean_predictor():
    class Oracle(torch.nn.Module):
        def forward(self, x):
            return (x[..., 0] * x[..., 1]).sum(0)            # the sum of the marked values
    from course_rnn.data import adding_problem
    x, y = adding_problem(50, 500, np.random.default_rng(0))
    mse, within = adding_scores(Oracle(), x, y)
    assert mse < 1e-10 and within == 1.0

    class Mean(torch.nn.Module):
        def forward(self, x):
            return torch.ones(x.shape[1])
    mse, _ = adding_scores(Mean(), x, y)
    assert mse == pytest.approx(1 / 6, rel=0.15)              # Var(U1 + U2) = 1/6


# charlm_compare.py --------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("H,V", [(1, 5), (17, 40), (64, 65)])
def test_parameter_count_equals_what_torch_counts(cell, H, V):
    assert parameter_count(cell, H, V) == count_parameters(OneHotLM(cell, H, V))


def test_matched_hidden_size_is_the_closest_of_all_sizes():
    V = 65
    target = parameter_count("lstm", 64, V)
    for cell in ("rnn", "gru", "lstm"):
        H = matched_hidden_size(cell, target, V)
        best = min(range(1, 400), key=lambda h: abs(parameter_count(cell, h, V) - target))
        assert abs(parameter_count(cell, H, V) - target) == abs(parameter_count(cell, best, V) - target)
    assert matched_hidden_size("lstm", target, V) == 64


def test_evaluate_lm_of_a_uniform_model_is_log_v():
    V = 11
    model = OneHotLM("gru", 4, V)
    with torch.no_grad():
        model.out.weight.zero_()
        model.out.bias.zero_()
    ids = np.random.default_rng(0).integers(0, V, size=1001)
    assert evaluate_lm(model, ids, T=50) == pytest.approx(np.log(V), rel=1e-6)
