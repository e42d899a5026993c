"""course_rnn.scratch.lstm against torch.nn.LSTM / LSTMCell (float64) and finite differences."""

import numpy as np
import pytest
import torch

from course_rnn.gradcheck import numerical_gradient, numerical_gradient_array, relative_error
from course_rnn.scratch import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward

T, B, D, H = 5, 3, 4, 6
NAMES = {"W_ih": "weight_ih", "W_hh": "weight_hh", "b_ih": "bias_ih", "b_hh": "bias_hh"}


def torch_lstm():
    return torch.nn.LSTM(D, H, dtype=torch.float64)


def params_of(module, suffix="_l0"):
    return {name: getattr(module, torch_name + suffix).detach().numpy().copy()
            for name, torch_name in NAMES.items()}


def data(rng):
    x = rng.standard_normal((T, B, D))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    dhs = rng.standard_normal((T, B, H))
    return x, h0, c0, dhs


def test_lstm_forward_matches_torch_nn_lstm(rng):
    module = torch_lstm()
    x, h0, c0, _ = data(rng)
    hs, cache = lstm_forward(x, (h0, c0), params_of(module))
    with torch.no_grad():
        out, (h_n, c_n) = module(torch.tensor(x), (torch.tensor(h0)[None], torch.tensor(c0)[None]))
    assert hs.shape == (T, B, H)
    np.testing.assert_allclose(hs, out.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(cache[-1][7], c_n[0].numpy(), rtol=0, atol=1e-10)


def test_lstm_backward_matches_torch_autograd(rng):
    module = torch_lstm()
    x, h0, c0, dhs = data(rng)
    hs, cache = lstm_forward(x, (h0, c0), params_of(module))
    dx, (dh0, dc0), grads = lstm_backward(dhs, cache)

    xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (x, h0[None], c0[None]))
    out, _ = module(xt, (h0t, c0t))
    out.backward(torch.tensor(dhs))
    assert relative_error(dx, xt.grad.numpy()) < 1e-8
    assert relative_error(dh0, h0t.grad[0].numpy()) < 1e-8
    assert relative_error(dc0, c0t.grad[0].numpy()) < 1e-8
    for name, torch_name in NAMES.items():
        assert grads[name].shape == getattr(module, torch_name + "_l0").shape
        assert relative_error(grads[name], getattr(module, torch_name + "_l0").grad.numpy()) < 1e-8, name


def test_lstm_backward_with_cell_state_gradients_matches_torch_lstm_cell(rng):
    """dcs: an upstream gradient on every c_t, checked against a loop of torch.nn.LSTMCell."""
    cell = torch.nn.LSTMCell(D, H, dtype=torch.float64)
    x, h0, c0, dhs = data(rng)
    dcs = rng.standard_normal((T, B, H))
    hs, cache = lstm_forward(x, (h0, c0), params_of(cell, suffix=""))
    dx, (dh0, dc0), grads = lstm_backward(dhs, cache, dcs=dcs)

    xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    h, c, loss = h0t, c0t, 0.0
    for t in range(T):
        h, c = cell(xt[t], (h, c))
        loss = loss + (h * torch.tensor(dhs[t])).sum() + (c * torch.tensor(dcs[t])).sum()
    loss.backward()
    assert relative_error(dx, xt.grad.numpy()) < 1e-8
    assert relative_error(dh0, h0t.grad.numpy()) < 1e-8
    assert relative_error(dc0, c0t.grad.numpy()) < 1e-8
    for name, torch_name in NAMES.items():
        assert relative_error(grads[name], getattr(cell, torch_name).grad.numpy()) < 1e-8, name


def test_lstm_step_backward_matches_finite_differences(rng):
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    p = {"W_ih": rng.standard_normal((8, 3)), "W_hh": rng.standard_normal((8, 2)),
         "b_ih": rng.standard_normal(8), "b_hh": rng.standard_normal(8)}
    dh, dc = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    _, _, cache = lstm_step_forward(x, h, c, p)
    dx, dh_prev, dc_prev, grads = lstm_step_backward(dh, dc, cache)

    def loss():
        h_next, c_next, _ = lstm_step_forward(x, h, c, p)
        return float(np.sum(h_next * dh) + np.sum(c_next * dc))

    for analytic, array in [(dx, x), (dh_prev, h), (dc_prev, c)] + [(grads[n], p[n]) for n in p]:
        assert relative_error(analytic, numerical_gradient(loss, array)) < 1e-7


def test_lstm_backward_through_time_matches_finite_differences(rng):
    x, h0, c0 = rng.standard_normal((3, 2, 3)), rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    p = {"W_ih": rng.standard_normal((8, 3)), "W_hh": rng.standard_normal((8, 2)),
         "b_ih": rng.standard_normal(8), "b_hh": rng.standard_normal(8)}
    dhs = rng.standard_normal((3, 2, 2))
    _, cache = lstm_forward(x, (h0, c0), p)
    dx, (dh0, dc0), grads = lstm_backward(dhs, cache)

    def hs():
        return lstm_forward(x, (h0, c0), p)[0]

    for analytic, array in [(dx, x), (dh0, h0), (dc0, c0)] + [(grads[n], p[n]) for n in p]:
        assert relative_error(analytic, numerical_gradient_array(hs, array, dhs)) < 1e-7


def test_lstm_backward_leaves_its_inputs_unchanged(rng):
    module = torch_lstm()
    x, h0, c0, dhs = data(rng)
    dcs = rng.standard_normal((T, B, H))
    params = params_of(module)
    copies = [a.copy() for a in (x, h0, c0, dhs, dcs)] + [params[n].copy() for n in NAMES]
    hs, cache = lstm_forward(x, (h0, c0), params)
    hs_copy = hs.copy()
    lstm_backward(dhs, cache, dcs=dcs)
    for before, after in zip(copies, [x, h0, c0, dhs, dcs] + [params[n] for n in NAMES]):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(hs_copy, hs)


def test_lstm_forward_rejects_gru_shaped_params_and_a_bare_h0(rng):
    x, h0, c0, _ = data(rng)
    gru_shaped = {"W_ih": np.zeros((3 * H, D)), "W_hh": np.zeros((3 * H, H)),
                  "b_ih": np.zeros(3 * H), "b_hh": np.zeros(3 * H)}
    with pytest.raises(ValueError, match="W_hh"):
        lstm_forward(x, (h0, c0), gru_shaped)
    with pytest.raises(ValueError, match=r"\(h0, c0\)"):
        lstm_forward(x, h0, params_of(torch_lstm()))
