"""course_rnn.nn.LSTM / GRU and their cells against torch.nn (the oracle), in float64.

For every combination of options, load torch.nn's state_dict into the course's module, run
both on the same input and random upstream gradients, and compare outputs, final states and
the gradients of the input, the initial states and every parameter to 1e-10.  The
hand-written backward passes (LSTMLayer, GRULayer) are also checked by finite differences.
"""

import itertools

import pytest
import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

import course_rnn.nn as cnn

F64 = torch.float64
T, B, D, H, P = 5, 3, 4, 3, 2
LENGTHS = torch.tensor([3, 5, 1])  # unsorted, and the longest is T


def make_pair(name, **options):
    """torch.nn's module and the course's, with the same (torch's) weights."""
    reference = getattr(torch.nn, name)(D, H, dtype=F64, **options)
    ours = getattr(cnn, name)(D, H, dtype=F64, **options)
    ours.load_state_dict(reference.state_dict())
    return reference, ours


def make_inputs(reference, kind, with_state):
    """x in the layout ``kind`` asks for, and the initial state(s) or None; all leaves."""
    batch_first = reference.batch_first and kind != "unbatched"
    shape = {"unbatched": (T, D)}.get(kind, (B, T, D) if batch_first else (T, B, D))
    x = torch.randn(*shape, dtype=F64)
    if not with_state:
        return x, None
    L = reference.num_layers * (2 if reference.bidirectional else 1)
    batch = () if kind == "unbatched" else (B,)
    h_features = getattr(reference, "proj_size", 0) or H
    if isinstance(reference, torch.nn.LSTM):
        return x, (torch.randn(L, *batch, h_features, dtype=F64), torch.randn(L, *batch, H, dtype=F64))
    return x, torch.randn(L, *batch, H, dtype=F64)


def run(module, x, hx, kind, upstream=None):
    """Forward, then backward of sum(output * upstream); returns (outputs, gradients, upstream)."""
    x = x.clone().requires_grad_()
    states = [] if hx is None else [s.clone().requires_grad_() for s in (hx if isinstance(hx, tuple) else (hx,))]
    inp = x
    if kind == "packed":
        inp = pack_padded_sequence(x, LENGTHS, batch_first=module.batch_first, enforce_sorted=False)
    state_arg = None if hx is None else (tuple(states) if isinstance(hx, tuple) else states[0])
    output, final = module(inp, state_arg)
    if kind == "packed":
        assert isinstance(output, PackedSequence)
        output = output.data
    outputs = [output] + list(final if isinstance(final, tuple) else (final,))
    if upstream is None:
        upstream = [torch.randn_like(o) for o in outputs]
    loss = sum((o * u).sum() for o, u in zip(outputs, upstream))
    leaves = [x] + states + list(module.parameters())
    grads = torch.autograd.grad(loss, leaves)
    return outputs, grads, upstream


def assert_same_as_torch(reference, ours, kind, with_state):
    x, hx = make_inputs(reference, kind, with_state)
    ref_out, ref_grads, upstream = run(reference, x, hx, kind)
    our_out, our_grads, _ = run(ours, x, hx, kind, upstream)
    assert len(ref_out) == len(our_out) and len(ref_grads) == len(our_grads)
    for expected, got in zip(ref_out, our_out):  # forward pass went well
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-10)
    for expected, got in zip(ref_grads, our_grads):  # backward pass went well
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-10)


OPTIONS = list(itertools.product([1, 2], [True, False], [False, True], [False, True]))
KINDS = ["batched", "unbatched", "packed"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("with_state", [True, False], ids=["h0", "no_h0"])
@pytest.mark.parametrize("num_layers,bias,batch_first,bidirectional", OPTIONS)
@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_outputs_and_all_gradients_match_torch_nn(name, num_layers, bias, batch_first, bidirectional,
                                                   kind, with_state):
    reference, ours = make_pair(name, num_layers=num_layers, bias=bias, batch_first=batch_first,
                                bidirectional=bidirectional)
    assert_same_as_torch(reference, ours, kind, with_state)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("with_state", [True, False], ids=["h0", "no_h0"])
@pytest.mark.parametrize("num_layers,bidirectional,bias", [(1, False, True), (2, True, True), (2, False, False)])
def test_lstm_with_projection_matches_torch_nn(num_layers, bidirectional, bias, kind, with_state):
    reference, ours = make_pair("LSTM", num_layers=num_layers, bidirectional=bidirectional, bias=bias,
                                proj_size=P)
    assert_same_as_torch(reference, ours, kind, with_state)


STATE_DICT_OPTIONS = [dict(), dict(num_layers=2, bidirectional=True), dict(bias=False, num_layers=2)]
STATE_DICT_CASES = ([(name, options) for name in ("LSTM", "GRU") for options in STATE_DICT_OPTIONS]
                    + [("LSTM", dict(num_layers=2, bidirectional=True, proj_size=P)),
                       ("LSTM", dict(bias=False, proj_size=P))])


@pytest.mark.parametrize("name,options", STATE_DICT_CASES, ids=str)
def test_state_dict_keys_and_shapes_equal_torch_nn_in_order(name, options):
    reference = getattr(torch.nn, name)(D, H, **options).state_dict()
    ours = getattr(cnn, name)(D, H, **options).state_dict()
    assert list(ours) == list(reference)
    assert [v.shape for v in ours.values()] == [v.shape for v in reference.values()]


@pytest.mark.parametrize("name,options", [("LSTM", dict(num_layers=2, bidirectional=True, proj_size=P)),
                                          ("GRU", dict(num_layers=2, bidirectional=True))])
def test_torch_nn_loads_our_state_dict_and_agrees(name, options):
    torch.manual_seed(3)
    ours = getattr(cnn, name)(D, H, dtype=F64, **options)
    torch.manual_seed(4)  # different initial weights, so only the load can make them agree
    reference = getattr(torch.nn, name)(D, H, dtype=F64, **options)
    reference.load_state_dict(ours.state_dict())
    assert_same_as_torch(reference, ours, "batched", with_state=False)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_module_repr_matches_torch_nn(name):
    options = dict(num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)
    if name == "LSTM":
        options["proj_size"] = P
    assert repr(getattr(cnn, name)(D, H, **options)) == repr(getattr(torch.nn, name)(D, H, **options))


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_float32_default_dtype_matches_torch_nn(name):
    reference = getattr(torch.nn, name)(D, H, num_layers=2)
    ours = getattr(cnn, name)(D, H, num_layers=2)
    ours.load_state_dict(reference.state_dict())
    x = torch.randn(T, B, D)
    expected, got = reference(x)[0], ours(x)[0]
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)


# dropout: torch draws its masks differently, so compare properties, not samples

@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_eval_mode_ignores_dropout(name):
    reference, ours = make_pair(name, num_layers=2, dropout=0.5)
    reference.eval(), ours.eval()
    assert_same_as_torch(reference, ours, "batched", with_state=True)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_dropout_one_in_training_cuts_the_second_layer_off_from_the_first(name):
    """With p=1 the second layer sees zeros: it acts as a one-layer net on a zero input."""
    _, ours = make_pair(name, num_layers=2, dropout=1.0)
    ours.train()
    x = torch.randn(T, B, D, dtype=F64, requires_grad=True)
    output, _ = ours(x)
    second_alone = getattr(torch.nn, name)(H, H, dtype=F64)
    second_alone.load_state_dict({k.replace("_l1", "_l0"): v for k, v in ours.state_dict().items() if "_l1" in k})
    torch.testing.assert_close(output, second_alone(torch.zeros(T, B, H, dtype=F64))[0], rtol=0, atol=1e-12)
    (grad_x,) = torch.autograd.grad(output.sum(), x)
    assert torch.count_nonzero(grad_x) == 0


# the hand-written backpropagation through time, against finite differences

@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("projected", [False, True])
def test_lstm_layer_backward_matches_finite_differences(masked, reverse, projected):
    mask = (torch.arange(T).unsqueeze(1) < LENGTHS.unsqueeze(0)) if masked else None
    h_features = P if projected else H
    xw = torch.randn(T, B, 4 * H, dtype=F64, requires_grad=True)
    h0 = torch.randn(B, h_features, dtype=F64, requires_grad=True)
    c0 = torch.randn(B, H, dtype=F64, requires_grad=True)
    W_hh = torch.randn(4 * H, h_features, dtype=F64, requires_grad=True)
    W_hr = torch.randn(P, H, dtype=F64, requires_grad=True) if projected else None
    assert torch.autograd.gradcheck(
        lambda *a: cnn.LSTMLayer.apply(*a, mask, reverse), (xw, h0, c0, W_hh, W_hr), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [False, True])
def test_gru_layer_backward_matches_finite_differences(masked, reverse, bias):
    mask = (torch.arange(T).unsqueeze(1) < LENGTHS.unsqueeze(0)) if masked else None
    xw = torch.randn(T, B, 3 * H, dtype=F64, requires_grad=True)
    h0 = torch.randn(B, H, dtype=F64, requires_grad=True)
    W_hh = torch.randn(3 * H, H, dtype=F64, requires_grad=True)
    b_hh = torch.randn(3 * H, dtype=F64, requires_grad=True) if bias else None
    assert torch.autograd.gradcheck(
        lambda *a: cnn.GRULayer.apply(*a, mask, reverse), (xw, h0, W_hh, b_hh), eps=1e-6, atol=1e-6)


def test_lstm_layer_backward_matches_autograd_through_lstm_cell():
    """BPTT by hand equals autograd differentiating the step equations of lstm_cell."""
    x = torch.randn(T, B, D, dtype=F64)
    h0, c0 = torch.randn(B, H, dtype=F64), torch.randn(B, H, dtype=F64)
    W_ih, W_hh = torch.randn(4 * H, D, dtype=F64), torch.randn(4 * H, H, dtype=F64)
    b_ih, b_hh = torch.randn(4 * H, dtype=F64), torch.randn(4 * H, dtype=F64)
    leaves = [t.requires_grad_() for t in (x, h0, c0, W_ih, W_hh, b_ih, b_hh)]
    upstream = torch.randn(T, B, H, dtype=F64)

    h, c, hs = h0, c0, []
    for t in range(T):
        h, c = cnn.lstm_cell(x[t], h, c, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
    expected = torch.autograd.grad((torch.stack(hs) * upstream).sum() + c.sum(), leaves)

    got_hs, _, got_c = cnn.LSTMLayer.apply(x @ W_ih.T + b_ih + b_hh, h0, c0, W_hh, None, None, False)
    got = torch.autograd.grad((got_hs * upstream).sum() + got_c.sum(), leaves)
    for e, g in zip(expected, got):
        torch.testing.assert_close(g, e, rtol=0, atol=1e-10)


# cells

@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("name", ["LSTMCell", "GRUCell"])
def test_cell_outputs_and_gradients_match_torch_nn(name, bias, with_state, batched):
    reference = getattr(torch.nn, name)(D, H, bias=bias, dtype=F64)
    ours = getattr(cnn, name)(D, H, bias=bias, dtype=F64)
    assert list(ours.state_dict()) == list(reference.state_dict())
    ours.load_state_dict(reference.state_dict())
    batch = (B,) if batched else ()
    x = torch.randn(*batch, D, dtype=F64)
    states = [torch.randn(*batch, H, dtype=F64) for _ in range(2 if name == "LSTMCell" else 1)]
    upstream = [torch.randn(*batch, H, dtype=F64) for _ in states]
    results = []
    for module in (reference, ours):
        leaves = [x.clone().requires_grad_()] + ([s.clone().requires_grad_() for s in states] if with_state else [])
        hx = None if not with_state else (tuple(leaves[1:]) if name == "LSTMCell" else leaves[1])
        out = module(leaves[0], hx)
        outs = list(out) if name == "LSTMCell" else [out]
        loss = sum((o * u).sum() for o, u in zip(outs, upstream))
        results.append((outs, torch.autograd.grad(loss, leaves + list(module.parameters()))))
    for expected, got in zip(*[outs + list(grads) for outs, grads in results]):
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-10)


def test_functional_cells_equal_torch_nn_cells():
    x, h, c = torch.randn(B, D, dtype=F64), torch.randn(B, H, dtype=F64), torch.randn(B, H, dtype=F64)
    lstm, gru = torch.nn.LSTMCell(D, H, dtype=F64), torch.nn.GRUCell(D, H, dtype=F64)
    expected_h, expected_c = lstm(x, (h, c))
    got_h, got_c = cnn.lstm_cell(x, h, c, lstm.weight_ih, lstm.weight_hh, lstm.bias_ih, lstm.bias_hh)
    torch.testing.assert_close(got_h, expected_h, rtol=0, atol=1e-12)
    torch.testing.assert_close(got_c, expected_c, rtol=0, atol=1e-12)
    got = cnn.gru_cell(x, h, gru.weight_ih, gru.weight_hh, gru.bias_ih, gru.bias_hh)
    torch.testing.assert_close(got, gru(x, h), rtol=0, atol=1e-12)


def test_gru_is_pytorchs_variant_not_the_papers():
    """r_t multiplies (W_hn h + b_hn), not h before the product: the two differ."""
    x, h = torch.randn(B, D, dtype=F64), torch.randn(B, H, dtype=F64)
    W_ih, W_hh = torch.randn(3 * H, D, dtype=F64), torch.randn(3 * H, H, dtype=F64)
    b_ih, b_hh = torch.randn(3 * H, dtype=F64), torch.randn(3 * H, dtype=F64)
    xr, xz, xn = (x @ W_ih.T + b_ih).chunk(3, dim=1)
    W_hr, W_hz, W_hn = W_hh.chunk(3, dim=0)
    b_hr, b_hz, b_hn = b_hh.chunk(3)
    r, z = torch.sigmoid(xr + h @ W_hr.T + b_hr), torch.sigmoid(xz + h @ W_hz.T + b_hz)
    pytorch_n = torch.tanh(xn + r * (h @ W_hn.T + b_hn))
    paper_n = torch.tanh(xn + (r * h) @ W_hn.T + b_hn)
    got = cnn.gru_cell(x, h, W_ih, W_hh, b_ih, b_hh)
    torch.testing.assert_close(got, (1 - z) * pytorch_n + z * h, rtol=0, atol=1e-12)
    assert not torch.allclose(got, (1 - z) * paper_n + z * h)


# bad arguments

@pytest.mark.parametrize("name", ["LSTM", "GRU"])
@pytest.mark.parametrize("options,words", [
    (dict(hidden_size=0), "hidden_size"), (dict(input_size=2.5), "input_size"),
    (dict(num_layers=0), "num_layers"), (dict(dropout=1.5), "dropout"), (dict(dropout=-0.1), "dropout"),
])
def test_bad_constructor_arguments_raise_clear_errors(name, options, words):
    arguments = dict(input_size=D, hidden_size=H)
    arguments.update(options)
    with pytest.raises(ValueError, match=words):
        getattr(cnn, name)(**arguments)


@pytest.mark.parametrize("proj_size", [H, H + 1, -1])
def test_lstm_rejects_a_projection_not_smaller_than_hidden_size(proj_size):
    with pytest.raises(ValueError, match="proj_size"):
        cnn.LSTM(D, H, proj_size=proj_size)


def test_gru_has_no_projection_like_torch_nn():
    with pytest.raises(TypeError, match="proj_size"):
        cnn.GRU(D, H, proj_size=2)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_bad_call_arguments_raise_clear_errors(name):
    module = getattr(cnn, name)(D, H)
    with pytest.raises(ValueError, match="input_size"):
        module(torch.randn(T, B, D + 1))
    with pytest.raises(ValueError, match=r"\(T, B, D\)"):
        module(torch.randn(T, B, D, 1))
    wrong = torch.zeros(1, B + 1, H)
    with pytest.raises(ValueError, match="h_0"):
        module(torch.randn(T, B, D), (wrong, wrong) if name == "LSTM" else wrong)


def test_lstm_needs_both_initial_states():
    with pytest.raises(ValueError, match=r"h_0, c_0"):
        cnn.LSTM(D, H)(torch.randn(T, B, D), torch.zeros(1, B, H))


@pytest.mark.parametrize("name", ["LSTMCell", "GRUCell"])
def test_cells_reject_bad_shapes_with_clear_errors(name):
    cell = getattr(cnn, name)(D, H)
    with pytest.raises(ValueError, match=r"\(B, D\)"):
        cell(torch.randn(2, B, D))
    with pytest.raises(ValueError, match="input_size"):
        cell(torch.randn(B, D + 1))
    wrong = torch.zeros(B + 1, H)
    with pytest.raises(ValueError, match=r"\(B, H\)"):
        cell(torch.randn(B, D), (wrong, wrong) if name == "LSTMCell" else wrong)
    if name == "LSTMCell":
        with pytest.raises(ValueError, match=r"pair \(h, c\)"):
            cell(torch.randn(B, D), torch.zeros(B, H))
