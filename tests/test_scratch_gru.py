"""course_rnn.scratch.gru against torch.nn.GRU (float64), finite differences and the paper's n_t."""

import numpy as np
import pytest
import torch

from course_rnn.gradcheck import numerical_gradient, numerical_gradient_array, relative_error
from course_rnn.scratch import gru_backward, gru_forward, gru_step_backward, gru_step_forward, sigmoid

T, B, D, H = 5, 3, 4, 6
NAMES = {"W_ih": "weight_ih_l0", "W_hh": "weight_hh_l0", "b_ih": "bias_ih_l0", "b_hh": "bias_hh_l0"}


def torch_gru():
    return torch.nn.GRU(D, H, dtype=torch.float64)


def params_of(module):
    return {name: getattr(module, torch_name).detach().numpy().copy() for name, torch_name in NAMES.items()}


def data(rng):
    return rng.standard_normal((T, B, D)), rng.standard_normal((B, H)), rng.standard_normal((T, B, H))


def tiny_params(rng, D=3, H=2):
    return {"W_ih": rng.standard_normal((3 * H, D)), "W_hh": rng.standard_normal((3 * H, H)),
            "b_ih": rng.standard_normal(3 * H), "b_hh": rng.standard_normal(3 * H)}


def test_gru_forward_matches_torch_nn_gru(rng):
    module = torch_gru()
    x, h0, _ = data(rng)
    hs, _ = gru_forward(x, h0, params_of(module))
    with torch.no_grad():
        out, _ = module(torch.tensor(x), torch.tensor(h0)[None])
    assert hs.shape == (T, B, H)
    np.testing.assert_allclose(hs, out.numpy(), rtol=0, atol=1e-10)


def test_gru_backward_matches_torch_autograd(rng):
    module = torch_gru()
    x, h0, dhs = data(rng)
    _, cache = gru_forward(x, h0, params_of(module))
    dx, dh0, grads = gru_backward(dhs, cache)

    xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0[None], requires_grad=True)
    out, _ = module(xt, h0t)
    out.backward(torch.tensor(dhs))
    assert relative_error(dx, xt.grad.numpy()) < 1e-8
    assert relative_error(dh0, h0t.grad[0].numpy()) < 1e-8
    for name, torch_name in NAMES.items():
        assert grads[name].shape == getattr(module, torch_name).shape
        assert relative_error(grads[name], getattr(module, torch_name).grad.numpy()) < 1e-8, name


def test_gru_implements_pytorch_n_t_not_the_paper_formula(rng):
    """The docstring's claim: r multiplies (W_hn h + b_hn), and Cho et al.'s r * h differs."""
    p = tiny_params(rng)
    x, h = rng.standard_normal((2, 3)), rng.standard_normal((2, 2))
    W_ir, W_iz, W_in = np.split(p["W_ih"], 3)
    W_hr, W_hz, W_hn = np.split(p["W_hh"], 3)
    b_ir, b_iz, b_in = np.split(p["b_ih"], 3)
    b_hr, b_hz, b_hn = np.split(p["b_hh"], 3)
    r = sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    n_pytorch = np.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
    n_cho = np.tanh(x @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)

    h_next, _ = gru_step_forward(x, h, p)
    np.testing.assert_allclose(h_next, (1 - z) * n_pytorch + z * h, rtol=0, atol=1e-12)
    assert np.abs(h_next - ((1 - z) * n_cho + z * h)).max() > 1e-3


def test_gru_step_backward_matches_finite_differences(rng):
    p = tiny_params(rng)
    x, h, dh = rng.standard_normal((2, 3)), rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    _, cache = gru_step_forward(x, h, p)
    dx, dh_prev, grads = gru_step_backward(dh, cache)

    def loss():
        return float(np.sum(gru_step_forward(x, h, p)[0] * dh))

    for analytic, array in [(dx, x), (dh_prev, h)] + [(grads[n], p[n]) for n in p]:
        assert relative_error(analytic, numerical_gradient(loss, array)) < 1e-7


def test_gru_backward_through_time_matches_finite_differences(rng):
    p = tiny_params(rng)
    x, h0, dhs = rng.standard_normal((3, 2, 3)), rng.standard_normal((2, 2)), rng.standard_normal((3, 2, 2))
    _, cache = gru_forward(x, h0, p)
    dx, dh0, grads = gru_backward(dhs, cache)
    for analytic, array in [(dx, x), (dh0, h0)] + [(grads[n], p[n]) for n in p]:
        numeric = numerical_gradient_array(lambda: gru_forward(x, h0, p)[0], array, dhs)
        assert relative_error(analytic, numeric) < 1e-7


def test_gru_backward_leaves_its_inputs_unchanged(rng):
    x, h0, dhs = data(rng)
    params = params_of(torch_gru())
    copies = [a.copy() for a in (x, h0, dhs)] + [params[n].copy() for n in NAMES]
    hs, cache = gru_forward(x, h0, params)
    hs_copy = hs.copy()
    gru_backward(dhs, cache)
    for before, after in zip(copies, [x, h0, dhs] + [params[n] for n in NAMES]):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(hs_copy, hs)


def test_gru_forward_rejects_lstm_shaped_params(rng):
    x, h0, _ = data(rng)
    lstm_shaped = {"W_ih": np.zeros((4 * H, D)), "W_hh": np.zeros((4 * H, H)),
                   "b_ih": np.zeros(4 * H), "b_hh": np.zeros(4 * H)}
    with pytest.raises(ValueError, match="G=3"):
        gru_forward(x, h0, lstm_shaped)
