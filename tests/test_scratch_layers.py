"""Stacked and bidirectional scratch layers against torch.nn.RNN/LSTM/GRU(num_layers, bidirectional)."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from course_rnn.gradcheck import relative_error
from course_rnn.scratch import (bidirectional_backward, bidirectional_forward, params_from_state_dict,
                                stacked_backward, stacked_forward, state_dict_from_params)

T, B, D, H = 4, 2, 3, 5
CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("gru", "tanh"), ("lstm", "tanh")]
SHAPES = [(1, False), (2, False), (1, True), (2, True)]


def torch_module(cell, nonlinearity, num_layers, bidirectional, bias=True):
    kwargs = {"num_layers": num_layers, "bidirectional": bidirectional, "bias": bias, "dtype": torch.float64}
    if cell == "rnn":
        return torch.nn.RNN(D, H, nonlinearity=nonlinearity, **kwargs)
    return {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](D, H, **kwargs)


def numpy_state_dict(module):
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def random_state(rng, cell, n):
    """torch's hx layout: (n, B, H), or the pair (h, c) for the LSTM."""
    if cell == "lstm":
        return rng.standard_normal((n, B, H)), rng.standard_normal((n, B, H))
    return rng.standard_normal((n, B, H))


def as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


def to_torch(state, requires_grad=False):
    tensors = tuple(torch.tensor(s, requires_grad=requires_grad) for s in as_tuple(state))
    return tensors if len(tensors) == 2 else tensors[0]


@pytest.mark.parametrize("num_layers, bidirectional", SHAPES)
@pytest.mark.parametrize("cell, nonlinearity", CELLS)
def test_stacked_forward_matches_torch_nn(rng, cell, nonlinearity, num_layers, bidirectional):
    module = torch_module(cell, nonlinearity, num_layers, bidirectional)
    n = num_layers * (2 if bidirectional else 1)
    x, state0 = rng.standard_normal((T, B, D)), random_state(rng, cell, n)
    out, state_n, _ = stacked_forward(x, state0, params_from_state_dict(numpy_state_dict(module)),
                                      cell, nonlinearity)
    with torch.no_grad():
        out_t, state_t = module(torch.tensor(x), to_torch(state0))
    assert out.shape == (T, B, H * (2 if bidirectional else 1))
    np.testing.assert_allclose(out, out_t.numpy(), rtol=0, atol=1e-10)
    for ours, theirs in zip(as_tuple(state_n), as_tuple(state_t)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("num_layers, bidirectional", SHAPES)
@pytest.mark.parametrize("cell, nonlinearity", CELLS)
def test_stacked_backward_matches_torch_autograd(rng, cell, nonlinearity, num_layers, bidirectional):
    """Upstream gradients on the output and on the final states (h_n, and c_n for the LSTM)."""
    module = torch_module(cell, nonlinearity, num_layers, bidirectional)
    n = num_layers * (2 if bidirectional else 1)
    x, state0 = rng.standard_normal((T, B, D)), random_state(rng, cell, n)
    dout = rng.standard_normal((T, B, H * (2 if bidirectional else 1)))
    dstate_n = random_state(rng, cell, n)
    layer_params = params_from_state_dict(numpy_state_dict(module))
    _, _, cache = stacked_forward(x, state0, layer_params, cell, nonlinearity)
    dx, dstate0, layer_grads = stacked_backward(dout, cache, dstate_n)

    xt, state0_t = torch.tensor(x, requires_grad=True), to_torch(state0, requires_grad=True)
    out_t, state_t = module(xt, state0_t)
    loss = (out_t * torch.tensor(dout)).sum()
    for s, ds in zip(as_tuple(state_t), as_tuple(dstate_n)):
        loss = loss + (s * torch.tensor(ds)).sum()
    loss.backward()
    assert relative_error(dx, xt.grad.numpy()) < 1e-8
    for ours, theirs in zip(as_tuple(dstate0), as_tuple(state0_t)):
        assert relative_error(ours, theirs.grad.numpy()) < 1e-8
    grads = state_dict_from_params(layer_grads)
    assert sorted(grads) == sorted(name for name, _ in module.named_parameters())
    for name, parameter in module.named_parameters():
        assert relative_error(grads[name], parameter.grad.numpy()) < 1e-8, name


def test_bidirectional_layer_with_per_direction_states_matches_torch_lstm(rng):
    module = torch_module("lstm", "tanh", 1, True)
    (p_f, p_r), = params_from_state_dict(numpy_state_dict(module))
    x, (h0, c0) = rng.standard_normal((T, B, D)), random_state(rng, "lstm", 2)
    dout = rng.standard_normal((T, B, 2 * H))
    per_direction = ((h0[0], c0[0]), (h0[1], c0[1]))
    out, (state_f, state_r), cache = bidirectional_forward(x, per_direction, (p_f, p_r), "lstm")
    dx, ((dh0_f, dc0_f), (dh0_r, dc0_r)), _ = bidirectional_backward(dout, cache)

    xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    out_t, (h_n, c_n) = module(xt, (h0t, c0t))
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(np.stack([state_f[1], state_r[1]]), c_n.detach().numpy(), rtol=0, atol=1e-10)
    assert relative_error(dx, xt.grad.numpy()) < 1e-8
    assert relative_error(np.stack([dh0_f, dh0_r]), h0t.grad.numpy()) < 1e-8
    assert relative_error(np.stack([dc0_f, dc0_r]), c0t.grad.numpy()) < 1e-8


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_missing_initial_state_means_zeros_as_in_torch(rng, cell):
    module = torch_module(cell, "tanh", 2, True)
    x = rng.standard_normal((T, B, D))
    out, _, _ = stacked_forward(x, None, params_from_state_dict(numpy_state_dict(module)), cell)
    with torch.no_grad():
        out_t, _ = module(torch.tensor(x))
    np.testing.assert_allclose(out, out_t.numpy(), rtol=0, atol=1e-10)


def test_state_dict_without_biases_matches_torch_bias_false(rng):
    module = torch_module("rnn", "relu", 2, False, bias=False)
    x, h0 = rng.standard_normal((T, B, D)), rng.standard_normal((2, B, H))
    out, h_n, _ = stacked_forward(x, h0, params_from_state_dict(numpy_state_dict(module)), "rnn", "relu")
    with torch.no_grad():
        out_t, h_n_t = module(torch.tensor(x), torch.tensor(h0))
    np.testing.assert_allclose(out, out_t.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(h_n, h_n_t.numpy(), rtol=0, atol=1e-10)


def test_stacked_backward_leaves_its_inputs_unchanged(rng):
    module = torch_module("lstm", "tanh", 2, True)
    layer_params = params_from_state_dict(numpy_state_dict(module))
    x, state0 = rng.standard_normal((T, B, D)), random_state(rng, "lstm", 4)
    dout, dstate_n = rng.standard_normal((T, B, 2 * H)), random_state(rng, "lstm", 4)
    arrays = [x, *state0, dout, *dstate_n] + list(state_dict_from_params(layer_params).values())
    copies = [a.copy() for a in arrays]
    out, _, cache = stacked_forward(x, state0, layer_params, "lstm")
    out_copy = out.copy()
    stacked_backward(dout, cache, dstate_n)
    for before, after in zip(copies, arrays):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(out_copy, out)


def test_bad_arguments_get_clear_errors(rng):
    x = rng.standard_normal((T, B, D))
    layer_params = params_from_state_dict(numpy_state_dict(torch_module("lstm", "tanh", 2, False)))
    with pytest.raises(ValueError, match="nonlinearity"):
        stacked_forward(x, None, layer_params, "lstm", "relu")
    with pytest.raises(ValueError, match="cell="):
        stacked_forward(x, None, layer_params, "transformer")
    with pytest.raises(ValueError, match=r"num_layers \* num_directions = 2"):
        stacked_forward(x, random_state(rng, "lstm", 1), layer_params, "lstm")
    with pytest.raises(ValueError, match="weight_hr_l0"):
        params_from_state_dict({"weight_hr_l0": np.zeros((H, 2))})


def test_scratch_package_never_imports_torch():
    """DESIGN.md: course_rnn.scratch is numpy only (checked in a fresh interpreter)."""
    code = ("import sys; import course_rnn.scratch.layers, course_rnn.scratch.truncated, "
            "course_rnn.scratch.clip; sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
