"""The built chapters of part I's foundations (sequences, elman, bptt): their figures are
real plots, their glued numbers say what the prose claims, and nothing failed."""

import re

import pytest

from conftest import glued_values, page_images


def _page(built_book, name):
    page = built_book / "book" / f"{name}.html"
    assert page.is_file(), f"{name}.html was not built"
    return page


@pytest.mark.parametrize("name", ["sequences", "elman", "bptt"])
def test_page_has_no_traceback_and_shows_real_figures(built_book, name):
    page = _page(built_book, name)
    html = page.read_text(encoding="utf-8")
    assert "Traceback" not in html and "output traceback" not in html and "output error" not in html
    images = page_images(page)
    assert images, f"{name} shows no figure"
    for image in images:
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{image} is not a PNG"
        assert image.stat().st_size > 10_000, f"{image} is too small to be a plot"


def test_sequences_page_measures_ngram_blindness_beyond_the_window(built_book):
    """Glued in order: |Delta| of girl/boy-she/he, pairs (training text, held out), held-out
    accuracy at g = 0, 1, 2, the least in-window training-text accuracy, then tokens, V,
    % unseen bigrams and perplexities of orders 1..5.  Oracles: a 4-gram cannot see a noun
    5 words back (Delta = 0); chance is 0.5; perplexity of a unigram > bigram."""
    values = glued_values(_page(built_book, "sequences"))
    assert len(values) >= 13, values
    delta, n_train, n_heldout, g0, g1, g2, inside = values[:7]
    assert delta == 0.0
    assert n_train == n_heldout > 500
    assert g0 > 0.9, "adjacent thou/art agreement should generalise to held-out text"
    assert 0.5 < g1 < g0, "one word in between: above chance, below adjacent"
    assert abs(g2 - 0.5) < 0.05, "two words in between: sparse contexts leave it near chance"
    assert inside > 0.9, "on its own training text a model that sees the cue uses it"
    tokens, V, unseen, ppl1, ppl2, ppl3 = values[7:13]
    assert 100_000 < tokens < 200_000 and 1_000 < V < tokens
    assert 99.0 < unseen < 100.0
    assert ppl1 > ppl2 > ppl3 > 1


def test_sequences_page_shows_the_progress_bar_finished(built_book):
    html = _page(built_book, "sequences").read_text(encoding="utf-8")
    assert re.search(r"fitting n-gram models: 100%\|#+\| 12/12", html)
