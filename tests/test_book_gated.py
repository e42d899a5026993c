"""The built chapters on vanishing gradients, LSTM and GRU: every figure is a real plot,
nothing failed, and the glued numbers say what the prose claims (checked against the
theory or a baseline: 1/6 for the adding problem, ln V for a language model, coin tossing
for the Reber grammar's long-range symbol)."""

import re
import math

import pytest

from conftest import glued_by_name, glued_values, number, page_images

PAGES = {"vanishing": 4, "lstm": 4, "gru": 4}   # figures each page shows


def _page(built_book, name):
    page = built_book / "book" / f"{name}.html"
    assert page.is_file(), f"{name}.html was not built"
    return page


@pytest.mark.parametrize("name", sorted(PAGES))
def test_gated_page_has_no_traceback_and_shows_real_figures(built_book, name):
    page = _page(built_book, name)
    html = page.read_text(encoding="utf-8")
    assert "Traceback" not in html and "output error" not in html and "Warning" not in html
    images = set(page_images(page))
    assert len(images) >= PAGES[name], f"{name} shows {len(images)} figures"
    for image in images:
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{image} is not a PNG"
        assert image.stat().st_size > 10_000, f"{image} is too small to be a plot"


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_no_progress_bar_is_printed_into_the_page(built_book, name):
    """Bars are for people running the code; the book build silences them (TQDM_DISABLE)."""
    html = _page(built_book, name).read_text(encoding="utf-8")
    assert not re.search(r"\d+%\|", html), "a progress bar was printed into the page"


def test_vanishing_page_puts_the_boundary_between_vanishing_and_exploding_above_radius_one(built_book):
    """Glued in order: the lag-29 ratio at PyTorch's initialisation; gradient ratios at lag 20
    for rho = 0.5, 0.9, 1.0, 1.1, 1.5 and the two radii around the boundary; lag 7 for 0.9;
    the cliff (grid step, w, jump, largest slope, median slope); clipping (diverged, seeds,
    blow-up step, clipped diverged, largest clipped norm, final clipped loss)."""
    values = glued_values(_page(built_book, "vanishing"))
    assert len(values) >= 20, values
    assert values[0] < 1e-2, "the default initialisation loses orders of magnitude over 29 steps"
    r05, r09, r10, r11, r15, falling, rising, r7 = values[1:9]
    assert r05 < r09 < r10 < r11 < 1 < r15, "tanh: still vanishing at rho = 1.1, exploding at 1.5"
    assert 1 < falling < rising <= 1.5, "the boundary lies above rho = 1 (Pascanu et al.: necessary, not sufficient)"
    assert r09 < r7 < 1, "fewer steps back, less of the gradient lost"
    dw, w, jump, max_slope, median_slope = values[9:14]
    assert 0 < w < 10 and dw < 0.01
    # L = (sigma(x_50) - 0.7)^2 lies in [0, 0.49]: a jump of a quarter of that in one grid step
    assert jump > 0.12 and max_slope > 10 * median_slope, "a cliff: a jump and an exploding slope"
    diverged, seeds, blowup, clipped_diverged, clipped_norm, final = values[14:20]
    assert 1 <= diverged <= seeds and clipped_diverged == 0
    assert clipped_norm > 1.0, "clipping must have had something to clip"
    assert abs(final - 1 / 6) < 0.05, "a clipped tanh RNN stays near the predict-the-mean baseline"


def test_lstm_page_solves_adding_where_the_rnn_does_not_and_reports_reber_over_seeds(built_book):
    """The glued numbers, by name: lag-50 gradient ratios; the adding problem (means over
    seeds); the embedded Reber grammar (means over seeds, the runs that failed); the unit
    holding the T-or-P bit.  Oracles: the 1/6 baseline of the adding problem, the chance of
    |X1 + X2 - 1| < 0.08, matched parameter counts, a coin on the long-range symbol."""
    g = {name: number(text) for name, text in glued_by_name(_page(built_book, "lstm"), "lstm").items()}
    assert g["lag50_lstm"] > 1000 * g["lag50_rnn"]
    assert g["add_sequences"] == 64 * g["add_steps"]
    assert g["add_lstm_mse"] < 0.1 / 6 and g["add_rnn_mse"] > 0.8 / 6, "LSTM far below the 1/6 baseline, RNN at it"
    assert abs(g["add_rnn_params"] - g["add_lstm_params"]) / g["add_lstm_params"] < 0.1, "same budget of parameters"
    assert g["add_lstm_within"] > 50 > g["add_rnn_within"]
    assert g["add_chance"] == pytest.approx(100 * (1 - 0.92 ** 2), abs=0.06), "P(|X1 + X2 - 1| < 0.08), X uniform"
    assert g["reber_sequences"] == 400 * 32
    assert g["reber_rnn16_params"] < g["reber_lstm_params"]
    assert abs(g["reber_rnn32_params"] - g["reber_lstm_params"]) / g["reber_lstm_params"] < 0.15
    assert g["reber_rnn32_strings"] >= 99, "the RNN with the LSTM's parameter count solves it in every seed"
    assert g["reber_failed"] >= 1 and abs(g["reber_failed_last_max"] - 50) < abs(g["reber_failed_last_max"] - 100), \
        "a failed run is nearer a coin toss than a solved one on the long-range T/P symbol"
    assert g["memory_unit"] in range(16) and g["memory_corr"] > 0.8, "some cell must hold the T-or-P bit at the end"
    assert g["memory_flips"] >= 1 and g["memory_same_sign"] < 75, \
        "the prose says the unit does not keep its sign across the inner string"


def test_gru_page_variants_differ_and_matched_models_beat_uniform(built_book):
    """Glued in order: the Cho-vs-PyTorch gap; steps, characters, CPU seconds per model,
    then mean and std of the validation loss for RNN, LSTM, GRU, the number of seeds and
    the parameter spread (%)."""
    values = glued_values(_page(built_book, "gru"))
    assert len(values) >= 12, values
    gap, steps, chars, cpu = values[:4]
    assert gap > 1e-3, "Cho et al.'s GRU and PyTorch's must differ on the same weights"
    assert chars == steps * 32 * 64 and cpu > 0
    means, stds = values[4:10:2], values[5:11:2]
    seeds, spread = values[10:12]
    assert all(m < math.log(65) for m in means), "every model beats the uniform guess ln V"
    assert all(s >= 0 for s in stds) and seeds >= 3 and spread < 3
