"""Global-norm clipping and truncated BPTT against torch.nn.utils and torch with .detach()."""

import numpy as np
import pytest
import torch

from course_rnn.gradcheck import relative_error
from course_rnn.scratch import (clip_grad_norm, clip_grad_value, layer_backward, layer_forward,
                                tbptt_chunks, time_chunks, truncated_bptt)

T, B, D, H = 7, 2, 3, 4
NAMES = {"W_ih": "weight_ih_l0", "W_hh": "weight_hh_l0", "b_ih": "bias_ih_l0", "b_hh": "bias_hh_l0"}


def random_grads(rng, scale=1.0):
    return [{"W_ih": scale * rng.standard_normal((8, 3)), "b_ih": scale * rng.standard_normal(8)},
            {"W_hh": scale * rng.standard_normal((8, 2))}]


def leaves(grads):
    return [g for d in grads for g in d.values()]


# --- clipping ---------------------------------------------------------------------------

def test_clip_grad_norm_matches_torch_clip_grad_norm_(rng):
    grads = random_grads(rng, scale=3.0)
    clipped, total_norm = clip_grad_norm(grads, max_norm=1.5)
    tensors = [torch.tensor(g) for g in leaves(grads)]
    for t in tensors:
        t.grad = t.clone()
    torch_norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm=1.5)
    assert abs(total_norm - torch_norm.item()) < 1e-12 * total_norm
    for ours, theirs in zip(leaves(clipped), tensors):
        # torch divides by total_norm + 1e-6, Pascanu et al. by total_norm
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=2e-6 / total_norm, atol=0)


def test_clipped_gradient_keeps_its_direction_and_has_norm_max_norm(rng):
    """Global, not per-matrix: every array is scaled by the same factor."""
    grads = random_grads(rng)
    grads[1]["W_hh"] *= 100.0  # one exploding matrix
    clipped, total_norm = clip_grad_norm(grads, max_norm=2.0)
    flat = np.concatenate([g.ravel() for g in leaves(grads)])
    flat_clipped = np.concatenate([g.ravel() for g in leaves(clipped)])
    assert total_norm == pytest.approx(np.linalg.norm(flat), rel=1e-14)
    assert np.linalg.norm(flat_clipped) == pytest.approx(2.0, rel=1e-14)
    np.testing.assert_allclose(flat_clipped, flat * (2.0 / np.linalg.norm(flat)), rtol=1e-14, atol=0)


def test_gradients_below_max_norm_come_back_unchanged_in_new_arrays(rng):
    grads = random_grads(rng, scale=0.01)
    copies = [g.copy() for g in leaves(grads)]
    clipped, total_norm = clip_grad_norm(grads, max_norm=10.0)
    assert total_norm < 10.0
    for before, original, new in zip(copies, leaves(grads), leaves(clipped)):
        np.testing.assert_array_equal(new, before)
        assert not np.shares_memory(new, original)


def test_clipping_never_modifies_its_inputs(rng):
    grads = random_grads(rng, scale=5.0)
    copies = [g.copy() for g in leaves(grads)]
    clip_grad_norm(grads, max_norm=0.1)
    clip_grad_value(grads, clip_value=0.1)
    for before, after in zip(copies, leaves(grads)):
        np.testing.assert_array_equal(before, after)


def test_clip_grad_value_matches_torch_clip_grad_value_(rng):
    grads = {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(4)}
    clipped = clip_grad_value(grads, clip_value=0.5)
    for name, g in grads.items():
        t = torch.tensor(g)
        t.grad = t.clone()
        torch.nn.utils.clip_grad_value_([t], clip_value=0.5)
        np.testing.assert_array_equal(clipped[name], t.grad.numpy())


def test_clipping_rejects_bad_thresholds_and_nonfinite_gradients():
    grads = {"W": np.ones((2, 2))}
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm(grads, max_norm=0.0)
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value(grads, clip_value=-1)
    with pytest.raises(ValueError, match="inf or nan"):
        clip_grad_norm({"W": np.array([1.0, np.nan])}, max_norm=1.0)
    with pytest.raises(TypeError, match="dict of arrays"):
        clip_grad_norm({"W": [1.0, 2.0]}, max_norm=1.0)


# --- truncated BPTT ---------------------------------------------------------------------

def torch_module(cell):
    return {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](D, H, dtype=torch.float64)


def params_of(module):
    return {name: getattr(module, torch_name).detach().numpy().copy() for name, torch_name in NAMES.items()}


def data(rng, cell):
    x, dhs = rng.standard_normal((T, B, D)), rng.standard_normal((T, B, H))
    h0 = rng.standard_normal((B, H))
    return x, dhs, ((h0, rng.standard_normal((B, H))) if cell == "lstm" else h0)


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def add_layer_axis(state):
    """The cell's state -> torch's hx for one layer: (1, B, H) tensors."""
    if isinstance(state, tuple):
        return tuple(torch.tensor(s)[None] for s in state)
    return torch.tensor(state)[None]


def test_time_chunks_cover_every_step_once_in_order():
    assert time_chunks(7, 3) == [slice(0, 3), slice(3, 6), slice(6, 7)]
    assert time_chunks(6, 6) == [slice(0, 6)]
    with pytest.raises(ValueError, match="k=0"):
        time_chunks(7, 0)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("k", [T, T + 5])
def test_truncated_bptt_with_k_at_least_T_is_full_bptt(rng, cell, k):
    module = torch_module(cell)
    params = params_of(module)
    x, dhs, state0 = data(rng, cell)
    hs_full, _, cache = layer_forward(x, state0, params, cell)
    _, _, grads_full = layer_backward(dhs, cache)
    hs, grads = truncated_bptt(x, state0, params, dhs, k, cell)
    np.testing.assert_array_equal(hs, hs_full)
    for name in NAMES:
        assert relative_error(grads[name], grads_full[name]) < 1e-12, name


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("k", [1, 3])
def test_truncated_bptt_matches_torch_detaching_the_state_every_k_steps(rng, cell, k):
    module = torch_module(cell)
    params = params_of(module)
    x, dhs, state0 = data(rng, cell)
    hs, grads = truncated_bptt(x, state0, params, dhs, k, cell)
    _, _, cache = layer_forward(x, state0, params, cell)
    _, _, grads_full = layer_backward(dhs, cache)

    state, outputs = add_layer_axis(state0), []
    for start in range(0, T, k):
        out, state = module(torch.tensor(x[start:start + k]), detach(state))
        (out * torch.tensor(dhs[start:start + k])).sum().backward()
        outputs.append(out.detach())
    np.testing.assert_allclose(hs, torch.cat(outputs).numpy(), rtol=0, atol=1e-10)
    for name, torch_name in NAMES.items():
        assert relative_error(grads[name], getattr(module, torch_name).grad.numpy()) < 1e-8, name
    # and the truncation really dropped something: k < T differs from full BPTT
    assert relative_error(grads["W_hh"], grads_full["W_hh"]) > 1e-6


def test_tbptt_chunks_carries_the_state_and_sees_in_place_parameter_updates(rng):
    """A training loop: each chunk starts from the previous chunk's final state, under the
    weights as updated after the previous chunk."""
    params = params_of(torch_module("lstm"))
    x, dhs, state0 = data(rng, "lstm")
    seen, weights_used = [], []
    for steps, hs, cache in tbptt_chunks(x, state0, params, 3, "lstm"):
        weights_used.append({n: p.copy() for n, p in params.items()})  # what this chunk ran with
        _, _, grads = layer_backward(dhs[steps], cache)
        for name in NAMES:
            params[name] -= 0.1 * grads[name]
        seen.append(hs)
    assert len(seen) == 3
    assert not np.array_equal(weights_used[0]["W_hh"], weights_used[1]["W_hh"])
    state = state0
    for steps, hs, weights in zip(time_chunks(T, 3), seen, weights_used):
        expected, state, _ = layer_forward(x[steps], state, weights, "lstm")
        np.testing.assert_array_equal(hs, expected)
