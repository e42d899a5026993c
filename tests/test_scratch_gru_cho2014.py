"""Cho et al.'s (2014) GRU step against an independent torch transcription of the paper's
equations, and against PyTorch's variant: equal only when the reset gate is open."""

import numpy as np
import pytest
import torch

from course_rnn.scratch import gru_step_forward, init_rnn_params
from course_rnn.scratch.gru_cho2014 import gru_step_forward_cho2014

B, D, H = 3, 4, 5


def _paper(x, h, p):
    """Cho et al. (2014), eqs. (5)-(8), written with torch from the paper's formulas."""
    x, h = torch.from_numpy(x), torch.from_numpy(h)
    W, U = torch.from_numpy(p["W_ih"]), torch.from_numpy(p["W_hh"])
    b = torch.from_numpy(p["b_ih"] + 0.0)
    c = torch.from_numpy(p["b_hh"] + 0.0)
    r = torch.sigmoid(x @ W[:H].T + b[:H] + h @ U[:H].T + c[:H])
    z = torch.sigmoid(x @ W[H:2 * H].T + b[H:2 * H] + h @ U[H:2 * H].T + c[H:2 * H])
    h_tilde = torch.tanh(x @ W[2 * H:].T + b[2 * H:] + (r * h) @ U[2 * H:].T + c[2 * H:])
    return (z * h + (1 - z) * h_tilde).numpy()


def test_cho2014_step_matches_the_papers_equations(rng):
    p = init_rnn_params(D, H, rng, gates=3)
    x, h = rng.standard_normal((B, D)), rng.standard_normal((B, H))
    np.testing.assert_allclose(gru_step_forward_cho2014(x, h, p), _paper(x, h, p), rtol=0, atol=1e-14)


def test_cho2014_differs_from_pytorchs_variant_on_the_same_weights(rng):
    p = init_rnn_params(D, H, rng, gates=3)
    x, h = rng.standard_normal((B, D)), rng.standard_normal((B, H))
    assert np.abs(gru_step_forward_cho2014(x, h, p) - gru_step_forward(x, h, p)[0]).max() > 1e-3


def test_the_variants_agree_when_the_reset_gate_is_fully_open(rng):
    p = init_rnn_params(D, H, rng, gates=3)
    p["b_hh"][:H] = 60.0                       # r = 1: r * (W h + b) = W (r * h) + b
    x, h = rng.standard_normal((B, D)), rng.standard_normal((B, H))
    np.testing.assert_allclose(gru_step_forward_cho2014(x, h, p), gru_step_forward(x, h, p)[0],
                               rtol=0, atol=1e-12)


def test_cho2014_refuses_weights_of_the_wrong_shape(rng):
    p = init_rnn_params(D, H, rng, gates=4)    # LSTM-sized weights
    with pytest.raises(ValueError):
        gru_step_forward_cho2014(rng.standard_normal((B, D)), rng.standard_normal((B, H)), p)
