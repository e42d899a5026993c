"""course_rnn.scratch.rnn against torch.nn.RNN and torch autograd (float64)."""

import numpy as np
import pytest
import torch

from course_rnn.gradcheck import numerical_gradient, relative_error
from course_rnn.scratch import init_rnn_params, rnn_backward, rnn_forward, rnn_step_forward

T, B, D, H = 6, 3, 4, 5


def torch_rnn_with_params(params, nonlinearity):
    rnn = torch.nn.RNN(D, H, nonlinearity=nonlinearity).double()
    with torch.no_grad():
        for ours, theirs in [("W_ih", "weight_ih_l0"), ("W_hh", "weight_hh_l0"),
                             ("b_ih", "bias_ih_l0"), ("b_hh", "bias_hh_l0")]:
            getattr(rnn, theirs).copy_(torch.from_numpy(params[ours]))
    return rnn


@pytest.fixture
def problem(rng):
    return {
        "x": rng.standard_normal((T, B, D)),
        "h0": rng.standard_normal((B, H)),
        "params": init_rnn_params(D, H, rng),
        "dhs": rng.standard_normal((T, B, H)),
    }


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_forward_matches_torch_nn_rnn(problem, nonlinearity):
    hs, _ = rnn_forward(problem["x"], problem["h0"], problem["params"], nonlinearity)
    rnn = torch_rnn_with_params(problem["params"], nonlinearity)
    out, h_n = rnn(torch.from_numpy(problem["x"]), torch.from_numpy(problem["h0"])[None])
    assert hs.shape == (T, B, H)
    np.testing.assert_allclose(hs, out.detach().numpy(), atol=1e-12, rtol=0)
    np.testing.assert_allclose(hs[-1], h_n[0].detach().numpy(), atol=1e-12, rtol=0)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_backward_matches_torch_autograd(problem, nonlinearity):
    hs, cache = rnn_forward(problem["x"], problem["h0"], problem["params"], nonlinearity)
    dx, dh0, grads = rnn_backward(problem["dhs"], cache)

    rnn = torch_rnn_with_params(problem["params"], nonlinearity)
    x = torch.from_numpy(problem["x"]).requires_grad_()
    h0 = torch.from_numpy(problem["h0"])[None].requires_grad_()
    out, _ = rnn(x, h0)
    (out * torch.from_numpy(problem["dhs"])).sum().backward()

    assert relative_error(dx, x.grad.numpy()) < 1e-8
    assert relative_error(dh0, h0.grad[0].numpy()) < 1e-8
    for ours, theirs in [("W_ih", "weight_ih_l0"), ("W_hh", "weight_hh_l0"),
                         ("b_ih", "bias_ih_l0"), ("b_hh", "bias_hh_l0")]:
        assert relative_error(grads[ours], getattr(rnn, theirs).grad.numpy()) < 1e-8, ours


def test_rnn_backward_matches_finite_differences(problem):
    x, h0, params, dhs = problem["x"], problem["h0"], problem["params"], problem["dhs"]

    def loss():
        return float(np.sum(rnn_forward(x, h0, params)[0] * dhs))

    _, cache = rnn_forward(x, h0, params)
    dx, dh0, grads = rnn_backward(dhs, cache)
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-7
    assert relative_error(dh0, numerical_gradient(loss, h0)) < 1e-7
    for name in ("W_ih", "W_hh", "b_ih", "b_hh"):
        assert relative_error(grads[name], numerical_gradient(loss, params[name])) < 1e-7, name


def test_rnn_forward_and_backward_never_modify_their_inputs(problem):
    copies = {k: (v.copy() if isinstance(v, np.ndarray) else {n: a.copy() for n, a in v.items()})
              for k, v in problem.items()}
    _, cache = rnn_forward(problem["x"], problem["h0"], problem["params"])
    rnn_backward(problem["dhs"], cache)
    for key, original in copies.items():
        if isinstance(original, dict):
            for name, array in original.items():
                np.testing.assert_array_equal(problem[key][name], array)
        else:
            np.testing.assert_array_equal(problem[key], original)


def test_rnn_forward_is_the_step_applied_in_order(problem):
    """h_t depends on h_{t-1}: reversing time changes the answer, re-running steps does not."""
    hs, _ = rnn_forward(problem["x"], problem["h0"], problem["params"])
    h = problem["h0"]
    for t in range(T):
        h, _ = rnn_step_forward(problem["x"][t], h, problem["params"])
        np.testing.assert_array_equal(hs[t], h)
    reversed_hs, _ = rnn_forward(problem["x"][::-1], problem["h0"], problem["params"])
    assert not np.allclose(reversed_hs[-1], hs[-1])


def test_rnn_rejects_unknown_nonlinearity_and_wrong_input_size(problem):
    with pytest.raises(ValueError, match="nonlinearity='sigmoid'"):
        rnn_forward(problem["x"], problem["h0"], problem["params"], nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="D=3"):
        rnn_forward(problem["x"][..., :3], problem["h0"], problem["params"])
    with pytest.raises(KeyError, match="W_hh"):
        rnn_forward(problem["x"], problem["h0"], {"W_ih": problem["params"]["W_ih"]})
