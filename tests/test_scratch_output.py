"""The output layer (affine, softmax, cross-entropy over a sequence) against torch autograd,
and its hidden-state gradient fed through rnn_backward against autograd of the whole model."""

import numpy as np
import pytest
import torch

from course_rnn.scratch import output_backward, output_forward, rnn_backward, rnn_forward


def _arrays(rng, T=5, B=3, H=4, V=7, D=2):
    return dict(hs=np.tanh(rng.standard_normal((T, B, H))), targets=rng.integers(0, V, (T, B)),
                W_ho=rng.standard_normal((V, H)), b_o=rng.standard_normal(V),
                x=rng.standard_normal((T, B, D)), h0=rng.standard_normal((B, H)),
                W_ih=rng.standard_normal((H, D)) / np.sqrt(D), W_hh=rng.standard_normal((H, H)) / np.sqrt(H),
                b_ih=rng.standard_normal(H), b_hh=rng.standard_normal(H))


@pytest.mark.parametrize("masked", [False, True])
def test_output_layer_loss_and_gradients_match_torch_cross_entropy(rng, masked):
    a = _arrays(rng)
    mask = (rng.random(a["targets"].shape) < 0.6).astype(float) if masked else None
    if masked:
        mask[0, 0] = 1.0
    params = {"W_ho": a["W_ho"], "b_o": a["b_o"]}
    logits, loss, cache = output_forward(a["hs"], a["targets"], params, mask)
    dhs, grads = output_backward(cache)

    hs = torch.tensor(a["hs"], requires_grad=True)
    W = torch.tensor(a["W_ho"], requires_grad=True)
    b = torch.tensor(a["b_o"], requires_grad=True)
    z = torch.nn.functional.linear(hs, W, b)
    targets = torch.tensor(a["targets"])
    if masked:
        targets = targets.masked_fill(torch.tensor(mask) == 0, -100)  # torch's ignore_index
    want = torch.nn.functional.cross_entropy(z.reshape(-1, z.shape[-1]), targets.reshape(-1))
    want.backward()
    assert np.allclose(logits, z.detach().numpy(), rtol=1e-12)
    assert loss == pytest.approx(want.item(), rel=1e-12)
    assert np.allclose(dhs, hs.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert np.allclose(grads["W_ho"], W.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert np.allclose(grads["b_o"], b.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_rnn_with_output_layer_backpropagates_like_autograd_through_time(rng):
    a = _arrays(rng, T=6)
    p = {k: a[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}
    hs, rnn_cache = rnn_forward(a["x"], a["h0"], p)
    _, loss, out_cache = output_forward(hs, a["targets"], {"W_ho": a["W_ho"], "b_o": a["b_o"]})
    dhs, _ = output_backward(out_cache)
    dx, dh0, grads = rnn_backward(dhs, rnn_cache)

    rnn = torch.nn.RNN(2, 4, dtype=torch.float64)
    with torch.no_grad():
        for ours, theirs in (("W_ih", "weight_ih_l0"), ("W_hh", "weight_hh_l0"),
                             ("b_ih", "bias_ih_l0"), ("b_hh", "bias_hh_l0")):
            getattr(rnn, theirs).copy_(torch.tensor(p[ours]))
    x = torch.tensor(a["x"], requires_grad=True)
    h0 = torch.tensor(a["h0"][None], requires_grad=True)
    out, _ = rnn(x, h0)
    z = torch.nn.functional.linear(out, torch.tensor(a["W_ho"]), torch.tensor(a["b_o"]))
    torch.nn.functional.cross_entropy(z.reshape(-1, 7), torch.tensor(a["targets"]).reshape(-1)).backward()
    assert np.allclose(dx, x.grad.numpy(), rtol=1e-9, atol=1e-13)
    assert np.allclose(dh0, h0.grad.numpy()[0], rtol=1e-9, atol=1e-13)
    assert np.allclose(grads["W_hh"], rnn.weight_hh_l0.grad.numpy(), rtol=1e-9, atol=1e-13)


def test_output_backward_leaves_its_inputs_unchanged(rng):
    a = _arrays(rng)
    params = {"W_ho": a["W_ho"], "b_o": a["b_o"]}
    arrays = {"hs": a["hs"], "targets": a["targets"], **params}
    copies = {name: value.copy() for name, value in arrays.items()}
    output_backward(output_forward(a["hs"], a["targets"], params)[2])
    for name, before in copies.items():
        assert np.array_equal(arrays[name], before), f"{name} was modified"


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(targets=a["targets"] + 100), "targets must be integer ids"),
    (lambda a: a.update(targets=a["targets"][:, :1]), "targets has shape"),
    (lambda a: a.update(hs=a["hs"][..., :2]), "hs has shape"),
])
def test_bad_input_is_refused_with_a_message_naming_the_argument(rng, change, message):
    a = _arrays(rng)
    change(a)
    with pytest.raises(ValueError, match=message):
        output_forward(a["hs"], a["targets"], {"W_ho": a["W_ho"], "b_o": a["b_o"]})


def test_a_mask_without_positions_is_refused(rng):
    a = _arrays(rng)
    with pytest.raises(ValueError, match="mask has no position"):
        output_forward(a["hs"], a["targets"], {"W_ho": a["W_ho"], "b_o": a["b_o"]},
                       mask=np.zeros(a["targets"].shape))
