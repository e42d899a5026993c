"""The built Tree-LSTM and transformer chapters: their figures are real plots, their checks
printed errors at rounding level, their glued measurements satisfy what the prose claims
(checked here against chance levels and against each other), and the published numbers
they quote are there with their sources."""

import math
import re

import pytest

from conftest import _parse, glued_values, page_images


def _page(built_book, name):
    page = built_book / "book" / f"{name}.html"
    assert page.is_file(), f"{page} was not built"
    return page


def _text(page):
    return re.sub(r"\s+", " ", "".join(_parse(page).text))


def _glued(page):
    """Glued spans by name are not in the HTML; the values in order of appearance are."""
    return glued_values(page)


@pytest.mark.parametrize("name, n_figures", [("tree_lstm", 4), ("transformers", 1)])
def test_chapter_figures_are_real_plots_and_no_figure_is_left_as_text(built_book, name, n_figures):
    page = _page(built_book, name)
    images = page_images(page)
    assert len(images) >= n_figures, f"{name}: {len(images)} images, expected {n_figures}"
    for image in images:
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 10_000
    html = page.read_text(encoding="utf-8")
    assert "&lt;Figure size" not in html, "a figure was printed as text instead of drawn"
    assert "Traceback" not in html and "Warning" not in _text(page).replace("warning", "")


def test_tree_lstm_checks_agree_with_autograd_and_lstmcell_to_rounding(built_book):
    text = _text(_page(built_book, "tree_lstm"))
    match = re.search(r"max \|chain Tree-LSTM - LSTMCell\| = ([0-9.e+-]+)", text)
    assert match and float(match[1]) < 1e-12
    rows = re.findall(r"\b(h|c|dx|dW_ih|dW_hh|db_ih|db_hh) +([0-9.]+e[+-]\d+) +([0-9.]+e[+-]\d+)", text)
    assert {r[0] for r in rows} == {"h", "c", "dx", "dW_ih", "dW_hh", "db_ih", "db_hh"}
    assert all(float(a) < 1e-8 and float(b) < 1e-8 for _, a, b in rows)


def test_tree_lstm_beats_the_lstm_on_listops_and_the_papers_numbers_are_quoted(built_book):
    page = _page(built_book, "tree_lstm")
    text = _text(page)
    match = re.search(r"test accuracy after [0-9,]+ training expressions: Tree-LSTM ([0-9.]+)%, LSTM ([0-9.]+)%", text)
    assert match, "the experiment's result line is missing"
    tree, lstm = float(match[1]), float(match[2])
    assert 10 < lstm < tree <= 100 and tree > lstm + 5
    glued = _glued(page)
    assert tree in glued and lstm in glued, "the prose does not quote the measured accuracies"
    for published in ("71.5%", "98.7%", "51.0%", "88.0%"):
        assert published in text, f"the published number {published} is not quoted"
    assert "Nangia" in text and "Tai" in text


def test_transformer_page_measures_both_models_and_checks_attention_by_hand(built_book):
    page = _page(built_book, "transformers")
    text = _text(page)
    match = re.search(r"max \|attention by hand - torch.nn.MultiheadAttention\| = ([0-9.e+-]+)", text)
    assert match and float(match[1]) < 1e-12
    assert "logits changed at positions: [3, 4, 5]" in text
    finals = dict(re.findall(r"(LSTM|transformer) +validation loss ([0-9.]+) \+- [0-9.]+ \(3 seeds\)", text))
    assert set(finals) == {"LSTM", "transformer"}
    vocab = int(re.search(r"uniform guess over the (\d+) characters", text)[1])
    bigram = float(re.search(r"count bigram ([0-9.]+), count unigram", text)[1])
    assert 2.0 < bigram < math.log(vocab), "a character bigram is between 2 nats and a uniform guess"
    for name, loss in finals.items():
        assert float(loss) > 1.0, f"the {name}'s loss is implausibly low for seconds of training"
    winner = re.search(r"The (LSTM|transformer) is ahead by", text)[1]
    assert float(finals[winner]) == min(map(float, finals.values())), "the prose names the wrong winner"
    # whether a model beats the bigram depends on the length of training and the learning
    # rates: the page says which do, from the numbers, and that is what is checked
    below = [name for name, loss in finals.items() if float(loss) < bigram]
    expected = {2: "both are below it", 1: f"only the {below[0] if below else ''} is below it", 0: "neither"}
    assert expected[len(below)] in text, "the prose misstates which models beat the bigram"
    rates = {name: float(r.replace(",", "")) for name, r in re.findall(
        r"(LSTM|transformer) +validation loss [0-9.]+ \+- [0-9.]+ \(3 seeds\), ([0-9,]+) characters per CPU second", text)}
    faster = re.search(r"The (LSTM|transformer) processed", text)[1]
    assert rates[faster] == max(rates.values()), "the prose names the wrong model as faster"
    for key in ("bojar2016", "bojar2018", "vaswani2017"):
        assert key not in text, f"an unresolved citation {key} is left in the page"
    assert "findings of the 2016 conference on machine translation" in text.lower()
    assert "findings of the 2018 conference on machine translation" in text.lower()
    assert text.count("--- LSTM") == 1 and text.count("--- transformer") == 1, "the samples are missing"
    for published in ("44 times", "9 times", "63 times"):
        assert published in text, f"the WMT count {published!r} is not quoted"
    for author in ("Potash", "Hammerton", "Cheng"):
        assert author in text, f"the lecture's citation of {author} is missing from the applications table"
    match = re.search(r"exactly right, by length: \{3: ([0-9.]+),.*8: ([0-9.]+), 9: [0-9.]+, 10: ([0-9.]+)\}", text)
    assert match, "the encoder-decoder's accuracy by length is missing"
    assert float(match[1]) > float(match[2]) > float(match[3]), "reversal gets harder with the length"
