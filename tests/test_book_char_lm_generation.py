"""Tests of the built pages char_lm, generation and uses: the numbers glued into their prose
obey the relations the pages claim (bits = nats / ln 2, perplexity = e^nats, a model cannot
beat the entropy of its data, maximisation decoding gives lower perplexity and more
repetition than human text), figures are real PNGs, progress bars render as text, and no
cell printed a traceback.  Point COURSE_RNN_BOOK_HTML at a partial build to test one page."""

import math
import re

import pytest

from conftest import page_images

LN2 = math.log(2)


def _html(built_book, name):
    page = built_book / "book" / f"{name}.html"
    if not page.is_file():
        pytest.skip(f"{name}.html is not in this build")
    return page, page.read_text(encoding="utf-8")


def glued_after(html, anchor, n):
    """The first n glued numbers after the first occurrence of ``anchor`` (a phrase of the
    prose; whitespace and tags between its words are ignored)."""
    html = html.replace("\u2019", "'")  # Sphinx renders ' as a typographic apostrophe
    words = [re.escape(w) for w in anchor.split()]
    match = re.search(r"(?:\s|<[^>]+>)+".join(words), html)
    assert match, f"the prose no longer contains {anchor!r}"
    spans = re.findall(r'<span class="pasted-text">([^<]*)</span>', html[match.end():])
    values = [float(s.replace(",", "").rstrip("%")) for s in spans[:n]]
    assert len(values) == n, f"expected {n} glued numbers after {anchor!r}, found {values}"
    return values


def _check_figures(page, at_least):
    images = page_images(page)
    assert len(images) >= at_least, f"{page.name}: {len(images)} images, expected {at_least}"
    for image in images:
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{image} is not a PNG"
        assert image.stat().st_size > 10_000, f"{image} is too small to be a figure"


@pytest.mark.parametrize("name", ["char_lm", "generation", "uses"])
def test_page_has_no_traceback_and_no_unrendered_figure(built_book, name):
    _, html = _html(built_book, name)
    assert "Traceback" not in html
    assert "&lt;Figure size" not in html, "a Figure was glued as text, not as an image"


def test_char_lm_figures_and_text_progress_bars(built_book):
    page, html = _html(built_book, "char_lm")
    _check_figures(page, 1)
    for name in ("CharLM LSTM", "min-char-rnn"):
        assert re.search(re.escape(name) + r"\s*:\s+100%\|#+\|\s+[\d.]+/[\d.]+ cpu-s", html), \
            f"no finished ASCII progress bar for {name}"


def test_char_lm_units_and_ordering_of_the_measured_losses(built_book):
    _, html = _html(built_book, "char_lm")
    lstm, lstm_bpc, lstm_ppl, base, base_bpc, base_ppl = glued_after(
        html, "On held-out text the LSTM reaches", 6)
    for nats, bits, ppl in ((lstm, lstm_bpc, lstm_ppl), (base, base_bpc, base_ppl)):
        assert bits == pytest.approx(nats / LN2, abs=2e-3)         # bits = nats / ln 2
        assert ppl == pytest.approx(math.exp(nats), rel=2e-3)      # perplexity = e^nats = 2^bits
    assert lstm < base < math.log(65), "the LSTM should beat min-char-rnn, and both beat ln V"
    assert lstm > 1.2, "better than nanoGPT's 10.7M-parameter GPT after seconds of CPU is not credible"


def test_char_lm_same_budget_more_characters_for_the_lstm(built_book):
    _, html = _html(built_book, "char_lm")
    lstm_chars, base_chars, ratio = glued_after(html, "CPU seconds the LSTM read", 3)
    assert lstm_chars > base_chars
    assert ratio == pytest.approx(lstm_chars / base_chars, abs=0.5)


def test_char_lm_quotes_nanogpt_with_its_setup(built_book):
    _, html = _html(built_book, "char_lm")
    text = re.sub(r"<[^>]+>", "", html)
    assert "1.4697" in text and "1.88" in text
    assert "context of 256 characters" in re.sub(r"\s+", " ", text)


def test_generation_figures(built_book):
    page, _ = _html(built_book, "generation")
    _check_figures(page, 4)   # Fig. 9.7 diagram, temperature, strategies, self-reinforcement


def test_generation_temperature_orders_the_entropy(built_book):
    _, html = _html(built_book, "generation")
    cold, one, hot = glued_after(html, "The entropy of the distribution is", 3)
    assert 0 <= cold < one < hot <= math.log2(65)


def test_generation_maximisation_is_likely_and_repetitive(built_book):
    _, html = _html(built_book, "generation")
    (greedy_ppl, beam_ppl, human_ppl, greedy_d2, beam_d2, human_d2, greedy_rep, beam_rep,
     human_rep, sample_ppl) = glued_after(html, "greedy decoding's continuations have perplexity", 10)
    assert min(greedy_ppl, beam_ppl, human_ppl, sample_ppl) >= 1.0
    assert greedy_ppl < human_ppl and beam_ppl < human_ppl
    assert greedy_rep > human_rep and beam_rep > human_rep
    assert greedy_d2 < human_d2 and beam_d2 < human_d2
    for value in (greedy_d2, beam_d2, human_d2, greedy_rep, beam_rep, human_rep):
        assert 0 <= value <= 1
    # the page says pure sampling lands next to the human text's perplexity
    assert sample_ppl == pytest.approx(human_ppl, rel=0.25)


def test_generation_greedy_state_falls_into_a_cycle(built_book):
    """The prose after the cycle figure: how many prompts ended in an exact loop, and how
    close the state came to the state one period earlier (float32 rounding: ~1e-6)."""
    _, html = _html(built_book, "generation")
    n_cycles, distance = glued_after(html, "from then on the text repeats forever.", 2)
    assert n_cycles in (1, 2, 3, 4)
    assert distance < 1e-3


def test_generation_model_numbers_agree(built_book):
    _, html = _html(built_book, "generation")
    *_, val, bpc = glued_after(html, "The shipped model has", 7)
    assert bpc == pytest.approx(val / LN2, abs=0.01)
    assert 1.0 < val < math.log(65)


def test_uses_reber_network_recovers_the_automaton(built_book):
    page, html = _html(built_book, "uses")
    _check_figures(page, 2)
    test_loss, best_loss, legal = glued_after(html, "its loss on the test strings is", 3)
    assert test_loss >= best_loss - 0.01, "no model can beat the grammar's own entropy"
    assert legal >= 90
    purity_clusters, purity_states = glued_after(html, "For the trained network both are", 2)
    assert purity_clusters >= 0.95 and purity_states >= 0.95
    transitions, agreement = glued_after(html, "The automaton read off the network has", 2)
    assert transitions >= 12 and agreement >= 95
    acceptor, generated = glued_after(html, "As an acceptor the network agrees", 2)
    assert acceptor >= 90 and generated >= 80
