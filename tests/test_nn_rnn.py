"""course_rnn.nn.RNN / RNNCell / rnn_cell against torch.nn (the oracle), in float64.

For every combination of options, load torch.nn's state_dict into the course's module, run
both on the same input and random upstream gradients, and compare outputs, h_n and the
gradients of the input, h0 and every parameter to 1e-10.
"""

import itertools

import pytest
import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

import course_rnn.nn as cnn

F64 = torch.float64
T, B, D, H = 5, 3, 4, 3
LENGTHS = torch.tensor([3, 5, 1])  # unsorted, and the longest is T


def make_pair(**options):
    """torch.nn.RNN and the course's RNN, with the same (torch's) weights."""
    reference = torch.nn.RNN(D, H, dtype=F64, **options)
    ours = cnn.RNN(D, H, dtype=F64, **options)
    ours.load_state_dict(reference.state_dict())
    return reference, ours


def make_inputs(reference, kind, with_state):
    batch_first = reference.batch_first and kind != "unbatched"
    shape = {"unbatched": (T, D)}.get(kind, (B, T, D) if batch_first else (T, B, D))
    L = reference.num_layers * (2 if reference.bidirectional else 1)
    h0 = torch.randn(L, *(() if kind == "unbatched" else (B,)), H, dtype=F64)
    return torch.randn(*shape, dtype=F64), h0 if with_state else None


def run(module, x, h0, kind, upstream=None):
    """Forward, then backward of sum(output * upstream); returns (outputs, gradients, upstream)."""
    x = x.clone().requires_grad_()
    states = [] if h0 is None else [h0.clone().requires_grad_()]
    inp = x
    if kind == "packed":
        inp = pack_padded_sequence(x, LENGTHS, batch_first=module.batch_first, enforce_sorted=False)
    output, h_n = module(inp, states[0] if states else None)
    if kind == "packed":
        assert isinstance(output, PackedSequence)
        output = output.data
    outputs = [output, h_n]
    if upstream is None:
        upstream = [torch.randn_like(o) for o in outputs]
    loss = sum((o * u).sum() for o, u in zip(outputs, upstream))
    grads = torch.autograd.grad(loss, [x] + states + list(module.parameters()))
    return outputs, grads, upstream


def assert_same_as_torch(reference, ours, kind, with_state):
    x, h0 = make_inputs(reference, kind, with_state)
    ref_out, ref_grads, upstream = run(reference, x, h0, kind)
    our_out, our_grads, _ = run(ours, x, h0, kind, upstream)
    assert len(ref_grads) == len(our_grads)
    for expected, got in zip(ref_out + list(ref_grads), our_out + list(our_grads)):
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-10)


OPTIONS = list(itertools.product(["tanh", "relu"], [1, 2], [True, False], [False, True], [False, True]))


@pytest.mark.parametrize("kind", ["batched", "unbatched", "packed"])
@pytest.mark.parametrize("with_state", [True, False], ids=["h0", "no_h0"])
@pytest.mark.parametrize("nonlinearity,num_layers,bias,batch_first,bidirectional", OPTIONS)
def test_rnn_outputs_and_all_gradients_match_torch_nn(nonlinearity, num_layers, bias, batch_first,
                                                      bidirectional, kind, with_state):
    reference, ours = make_pair(nonlinearity=nonlinearity, num_layers=num_layers, bias=bias,
                                batch_first=batch_first, bidirectional=bidirectional)
    assert_same_as_torch(reference, ours, kind, with_state)


@pytest.mark.parametrize("options", [dict(), dict(num_layers=2, bidirectional=True),
                                     dict(num_layers=3, bias=False), dict(nonlinearity="relu")], ids=str)
def test_rnn_state_dict_keys_and_shapes_equal_torch_nn_in_order(options):
    reference = torch.nn.RNN(D, H, **options).state_dict()
    ours = cnn.RNN(D, H, **options).state_dict()
    assert list(ours) == list(reference)
    assert [v.shape for v in ours.values()] == [v.shape for v in reference.values()]


def test_torch_nn_rnn_loads_our_state_dict_and_agrees():
    torch.manual_seed(3)
    ours = cnn.RNN(D, H, num_layers=2, bidirectional=True, dtype=F64)
    torch.manual_seed(4)  # different initial weights, so only the load can make them agree
    reference = torch.nn.RNN(D, H, num_layers=2, bidirectional=True, dtype=F64)
    reference.load_state_dict(ours.state_dict())
    assert_same_as_torch(reference, ours, "batched", with_state=True)


def test_rnn_initial_weights_lie_in_torch_nn_range():
    """Like torch.nn, every parameter starts uniform in (-1/sqrt(H), 1/sqrt(H))."""
    big = 64
    module = cnn.RNN(D, big, num_layers=2)
    bound = big ** -0.5
    for name, weight in module.named_parameters():
        assert weight.abs().max() <= bound, name
        assert weight.abs().max() > 0.9 * bound, name  # spread over the range, not all zero


# dropout: torch draws its masks differently, so compare properties, not samples

def test_rnn_eval_mode_ignores_dropout():
    reference, ours = make_pair(num_layers=2, dropout=0.5)
    reference.eval(), ours.eval()
    assert_same_as_torch(reference, ours, "batched", with_state=True)


def test_rnn_dropout_one_in_training_cuts_the_second_layer_off_from_the_first():
    """With p=1 the second layer sees zeros: it acts as a one-layer net on a zero input."""
    _, ours = make_pair(num_layers=2, dropout=1.0)
    ours.train()
    x = torch.randn(T, B, D, dtype=F64, requires_grad=True)
    output, _ = ours(x)
    second_alone = torch.nn.RNN(H, H, dtype=F64)
    second_alone.load_state_dict({k.replace("_l1", "_l0"): v for k, v in ours.state_dict().items() if "_l1" in k})
    torch.testing.assert_close(output, second_alone(torch.zeros(T, B, H, dtype=F64))[0], rtol=0, atol=1e-12)
    (grad_x,) = torch.autograd.grad(output.sum(), x)
    assert torch.count_nonzero(grad_x) == 0


def test_rnn_dropout_is_active_in_training_and_repeatable_with_the_same_seed():
    _, ours = make_pair(num_layers=2, dropout=0.5)
    x = torch.randn(T, B, D, dtype=F64)
    ours.eval()
    deterministic = ours(x)[0]
    ours.train()
    torch.manual_seed(7)
    first = ours(x)[0]
    torch.manual_seed(7)
    torch.testing.assert_close(ours(x)[0], first, rtol=0, atol=0)
    assert not torch.allclose(first, deterministic)


# cells

@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_cell_outputs_and_gradients_match_torch_nn(nonlinearity, bias, with_state, batched):
    reference = torch.nn.RNNCell(D, H, bias=bias, nonlinearity=nonlinearity, dtype=F64)
    ours = cnn.RNNCell(D, H, bias=bias, nonlinearity=nonlinearity, dtype=F64)
    assert list(ours.state_dict()) == list(reference.state_dict())
    ours.load_state_dict(reference.state_dict())
    batch = (B,) if batched else ()
    x, h = torch.randn(*batch, D, dtype=F64), torch.randn(*batch, H, dtype=F64)
    upstream = torch.randn(*batch, H, dtype=F64)
    results = []
    for module in (reference, ours):
        leaves = [x.clone().requires_grad_()] + ([h.clone().requires_grad_()] if with_state else [])
        out = module(leaves[0], leaves[1] if with_state else None)
        results.append([out] + list(torch.autograd.grad((out * upstream).sum(), leaves + list(module.parameters()))))
    for expected, got in zip(*results):
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-10)


def test_rnn_cell_function_equals_torch_nn_rnn_cell():
    x, h = torch.randn(B, D, dtype=F64), torch.randn(B, H, dtype=F64)
    for nonlinearity in ("tanh", "relu"):
        cell = torch.nn.RNNCell(D, H, nonlinearity=nonlinearity, dtype=F64)
        got = cnn.rnn_cell(x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh, nonlinearity)
        torch.testing.assert_close(got, cell(x, h), rtol=0, atol=1e-12)


# bad arguments

@pytest.mark.parametrize("options,words", [
    (dict(hidden_size=0), "hidden_size"), (dict(input_size=2.5), "input_size"),
    (dict(num_layers=0), "num_layers"), (dict(num_layers=True), "num_layers"),
    (dict(dropout=1.5), "dropout"), (dict(nonlinearity="sigmoid"), "nonlinearity"),
])
def test_rnn_bad_constructor_arguments_raise_clear_errors(options, words):
    arguments = dict(input_size=D, hidden_size=H)
    arguments.update(options)
    with pytest.raises(ValueError, match=words):
        cnn.RNN(**arguments)


def test_rnn_cell_rejects_an_unknown_nonlinearity():
    with pytest.raises(ValueError, match="nonlinearity"):
        cnn.RNNCell(D, H, nonlinearity="sigmoid")


def test_rnn_bad_call_arguments_raise_clear_errors():
    module = cnn.RNN(D, H)
    with pytest.raises(ValueError, match="input_size"):
        module(torch.randn(T, B, D + 1))
    with pytest.raises(ValueError, match=r"\(T, B, D\)"):
        module(torch.randn(T, B, D, 1))
    with pytest.raises(ValueError, match="h_0"):
        module(torch.randn(T, B, D), torch.zeros(1, B + 1, H))
    with pytest.raises(ValueError, match="h_0"):
        module(torch.randn(T, B, D), (torch.zeros(1, B, H), torch.zeros(1, B, H)))
