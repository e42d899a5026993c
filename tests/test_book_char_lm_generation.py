"""Tests of the built pages char_lm, generation and uses: the numbers glued into their prose
obey the relations the pages claim (bits = nats / ln 2, perplexity = e^nats, a model cannot
beat the entropy of its data, maximisation decoding gives lower perplexity and more
repetition than human text), figures are real PNGs, and no cell printed a traceback.  Point COURSE_RNN_BOOK_HTML at a partial build to test one page."""

import math
import re

import pytest

from conftest import glued_by_name, number, page_images

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


def test_char_lm_figures(built_book):
    page, _ = _html(built_book, "char_lm")
    _check_figures(page, 2)   # the ladder's validation curves, a unit over text


def test_char_lm_ladder_numbers_obey_the_units_and_the_baselines(built_book):
    """The ladder paragraph's numbers, read by name.  Oracles: ln V bounds every loss; a
    network reading more characters in the same time; a standard deviation is non-negative;
    the sentence about the count bigram says what min-char-rnn's number shows."""
    page, html = _html(built_book, "char_lm")
    g = {key: number(text) for key, text in glued_by_name(page, "char_lm").items()
         if re.fullmatch(r"[-+\d.,%]+", text)}
    bigram, minchar = g["bigram_nats"], g["val_minchar"]
    assert 1.0 < bigram < math.log(65)
    assert minchar - g["gain_streams"] + g["change_adam"] > 1.2
    assert g["seconds"] > 0 and g["max_spread"] >= 0
    assert g["chars_streams"] > g["chars_minchar"] > 0 and g["chars_embeddings"] > g["chars_lstm"] > 0
    assert abs(g["change_embeddings"]) < 0.5 and abs(g["change_lstm"]) < 0.5
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    verdict = ("every rung, min-char-rnn included, ends below the count bigram" if minchar < bigram
               else "every rung but min-char-rnn ends below the count bigram")
    assert verdict in text, f"the page does not say {verdict!r} (min-char-rnn {minchar}, bigram {bigram})"


def test_char_lm_samples_improve_and_a_unit_beats_its_control(built_book):
    _, html = _html(built_book, "char_lm")
    first, last = glued_after(html, "Before training the sample is noise", 2)
    assert 0 <= first < last <= 100
    r_trained, r_untrained, r_position, r_position_untrained = glued_after(
        html, "follows the speaker lines with a correlation of", 4)
    assert 0 <= r_untrained < r_trained <= 1 and 0 <= r_position_untrained < r_position <= 1


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


def test_generation_truncated_samplers_between_in_perplexity_not_in_diversity(built_book):
    _, html = _html(built_book, "generation")
    ppl_lo, ppl_hi, dist_lo, dist_hi, rep_hi = glued_after(html, "in perplexity they sit between", 5)
    (greedy_ppl, beam_ppl, human_ppl, _, _, human_d2, _, _, human_rep, _) = glued_after(
        html, "greedy decoding's continuations have perplexity", 10)
    assert max(greedy_ppl, beam_ppl) < ppl_lo <= ppl_hi < human_ppl
    assert human_d2 <= dist_lo <= dist_hi <= 1 and 0 <= rep_hi <= human_rep


def test_generation_lstm_state_counts_h_and_c(built_book):
    _, html = _html(built_book, "generation")
    state, hidden = glued_after(html, "only its state of", 2)
    assert state == 2 * hidden


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
