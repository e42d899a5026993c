"""The built chapters of part I's foundations (sequences, elman, bptt): their figures are
real plots, their glued numbers say what the prose claims, and nothing failed."""

import re

import pytest

from conftest import glued_by_name, glued_values, number, page_images


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
    """Glued in the order of the prose: |Delta| of girl/boy-she/he; pairs from the training
    text and the least in-window accuracy on them; held-out pairs and held-out accuracy at
    g = 0, 1, 2; then the table: tokens, perplexities of orders 1..5, % unseen bigrams, V;
    then the relative gains of the bigram, the trigram, and the 4- and 5-gram together.
    Oracles: a 4-gram cannot see a noun 5 words back (Delta = 0); chance is 0.5; a model
    that has seen the sentence and reads the cue uses it; perplexity falls with context;
    a gain is recomputed from the perplexities in the table."""
    values = glued_values(_page(built_book, "sequences"))
    assert len(values) == 18, values
    delta, n_train, inside, n_heldout, g0, g1, g2 = values[:7]
    assert delta == 0.0
    assert n_train == n_heldout > 500
    assert inside > 0.9, "on its own training text a model that sees the cue uses it"
    assert g0 > 0.9, "adjacent thou/art agreement should generalise to held-out text"
    assert 0.5 < g1 < g0, "one word in between: above chance, below adjacent"
    assert abs(g2 - 0.5) < 0.05, "two words in between: sparse contexts leave it near chance"
    tokens, ppl1, ppl2, ppl3, ppl4, ppl5, unseen, V = values[7:15]
    assert 100_000 < tokens < 200_000 and 1_000 < V < tokens
    assert 99.0 < unseen < 100.0
    assert ppl1 > ppl2 > ppl3 > 1 and min(ppl4, ppl5) > 0.9 * ppl3
    gain_2, gain_3, gain_45 = values[15:18]
    assert gain_2 == pytest.approx(100 * (1 - ppl2 / ppl1), abs=1.5)   # ppl rounded to integers
    assert gain_3 == pytest.approx(100 * (1 - ppl3 / ppl2), abs=1.5)
    assert gain_2 > gain_3 > 0 and 0 <= gain_45 < gain_3


def test_sequences_page_prints_no_progress_bar(built_book):
    """Bars are for people running the code; the book build silences them (TQDM_DISABLE)."""
    html = _page(built_book, "sequences").read_text(encoding="utf-8")
    assert not re.search(r"\d+%\|", html), "a progress bar was printed into the page"


def test_elman_page_reproduces_the_three_structure_experiments(built_book):
    """The glued numbers of the temporal XOR (means over seeds), letters (error predicting a
    consonant, a vowel, the 'consonant' feature at consonants), word boundaries (error at
    onsets, inside words, precision, recall), lexical categories (3-cluster purity,
    part-of-speech and animacy nearest-neighbour agreement, 2-cluster purity; each trained
    then untrained), types and tokens.  Oracles: what the task makes predictable, chance
    levels, the untrained control, and the decomposition of a squared error on a fair coin
    (0.25 + distance of the answer from 0.5)."""
    g = {name: number(text) for name, text in glued_by_name(_page(built_book, "elman"), "elman").items()}
    for H in (2, 8):
        assert g[f"xor_err_h{H}"] < g[f"random_err_h{H}"]
        # per seed within 0.02 on the page; the mean of the square roots is a little below
        assert g[f"random_err_h{H}"] == pytest.approx((0.25 + g[f"random_dev_h{H}"] ** 2) ** 0.5, abs=0.03)
    assert g["letters_err_consonant"] > 5 * g["letters_err_vowel"], \
        "a consonant is unpredictable, the vowels after it are not"
    assert g["letters_consonant_bit"] < g["letters_err_consonant"], \
        "that a consonant is due is predictable, which one is not"
    assert g["seg_err_onset"] > 2 * g["seg_err_inside"], "error should peak at word onsets"
    assert 0 < g["seg_precision"] <= 1 and 0.5 < g["seg_recall"] <= 1
    assert g["lex_purity3_trained"] > 0.9 and g["lex_purity3_trained"] > g["lex_purity3_untrained"]
    assert g["lex_nn_part_trained"] > 0.9 and g["lex_nn_part_trained"] > g["lex_nn_part_untrained"]
    assert g["lex_nn_animacy_trained"] > g["lex_nn_animacy_untrained"]
    assert 0 < g["lex_purity2_trained"] <= 1 and 0 < g["lex_purity2_untrained"] <= 1
    role, word, nn_word = g["tok_role_trained"], g["tok_word_trained"], g["tok_nn_word_trained"]
    word_control, role_control = g["tok_word_untrained"], g["tok_role_untrained"]
    assert role > word and word_control > role_control, "tokens: trained split by role, untrained by word"
    assert 0.5 <= min(role, word, word_control, role_control) and max(role, word, nn_word) <= 1


def test_elman_page_shows_the_cat_example_and_the_new_figures(built_book):
    page = _page(built_book, "elman")
    html = page.read_text(encoding="utf-8")
    for name in ("fig-srn-feedforward", "fig-elman-letters", "fig-elman-segmentation", "fig-elman-dendrogram"):
        assert f'id="{name}"' in html, f"figure {name} missing"
    assert "P(next = a  b  c  t  .)" in html, "the cat example's table of softmax outputs is missing"
    assert len(page_images(page)) >= 5


def test_bptt_page_checks_gradients_and_measures_truncation(built_book):
    """The printed relative errors against autograd are at rounding level; glued: for delays
    3 and 6, the best accuracy with truncation k <= d and the worst with k >= d + 3, then the
    accuracy at k = d + 1.  A chance-level (1/4) learner and a perfect one bracket them."""
    page = _page(built_book, "bptt")
    html = page.read_text(encoding="utf-8")
    autograd = [float(e) for e in re.findall(r"relative error vs torch autograd: ([0-9.]+e[+-]\d+)", html)]
    assert len(autograd) == 9 and max(autograd) < 1e-10
    numeric = [float(e) for e in re.findall(r"relative error vs centred differences: ([0-9.]+e[+-]\d+)", html)]
    assert len(numeric) == 6 and max(numeric) < 1e-7
    values = glued_values(page)
    assert len(values) >= 6, values
    short3, long3, short6, long6, edge3, edge6 = values[:6]
    for short, long in ((short3, long3), (short6, long6)):
        assert short < 0.6 < 0.9 < long, "truncation shorter than the delay must fail, longer must learn"
    assert edge3 >= short3 - 0.05 and edge6 >= short6 - 0.05, "at k = d + 1 a path exists: no worse than below"
    for id_ in ("fig-unrolled", "fig-bptt-flow", "fig-tbptt-delay"):
        assert f'id="{id_}"' in html
