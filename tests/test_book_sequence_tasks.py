"""The built chapters on tagging, classification and stacked/bidirectional RNNs: every
figure is there, the glued numbers are what the data and the published results allow
(recomputed here independently where possible), and the visible checks against torch.nn
printed agreement to rounding error.

Glued numbers are read in the order they appear in each page's prose."""

import re
from collections import Counter

import pytest

from conftest import glued_values, page_images
from course_rnn.data import load_ud_pos

PAGES = ("tagging", "classification", "stacked_bidirectional")


def _page(built_book, name):
    page = built_book / "book" / f"{name}.html"
    assert page.is_file(), f"{name}.html was not built"
    return page


@pytest.mark.parametrize("name, figures", [("tagging", 2), ("classification", 2), ("stacked_bidirectional", 4)])
def test_page_shows_its_figures_as_real_pngs_and_no_traceback(built_book, name, figures):
    page = _page(built_book, name)
    images = page_images(page)
    assert len(images) >= figures, f"{name}: {len(images)} images, expected at least {figures}"
    for image in images:
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{image.name} is not a PNG"
        assert image.stat().st_size > 10_000, f"{image.name} is too small to be a figure"
    html = page.read_text(encoding="utf-8")
    assert "Traceback" not in html and not re.search(r"\w+Warning: ", html), f"{name}: a cell printed a traceback or warning"


def _shape(word):
    if any(ch.isdigit() for ch in word):
        return "number"
    if not any(ch.isalnum() for ch in word):
        return "punct"
    return "capitalised" if word[0].isupper() else "lower"


def _most_frequent_tag_accuracy(train, test):
    """An independent most-frequent-tag baseline: tag counts per word, and for unseen words
    the majority tag of the words seen once with the same shape."""
    by_word = {}
    for words, tags in train:
        for w, t in zip(words, tags):
            by_word.setdefault(w, Counter())[t] += 1
    best = lambda c: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    rare = {}
    for w, c in by_word.items():
        if sum(c.values()) == 1:
            rare.setdefault(_shape(w), Counter()).update(c)
    right = total = unseen = 0
    for words, tags in test:
        for w, t in zip(words, tags):
            guess = best(by_word[w]) if w in by_word else best(rare[_shape(w)])
            right += guess == t
            unseen += w not in by_word
            total += 1
    return 100 * right / total, 100 * unseen / total


def test_tagging_numbers_match_an_independent_baseline_and_the_bilstm_beats_it(built_book):
    values = glued_values(_page(built_book, "tagging"))
    n_train, _, epochs, unseen_rate, base, base_unk, rnn, rnn_unk, bilstm, bilstm_unk = values[:10]
    assert n_train == int(n_train) and 1 <= epochs <= 20
    expected_base, expected_unseen = _most_frequent_tag_accuracy(load_ud_pos("train")[:int(n_train)],
                                                                load_ud_pos("test"))
    assert base == pytest.approx(expected_base, abs=0.06)
    assert unseen_rate == pytest.approx(expected_unseen, abs=0.06)
    for value in (base_unk, rnn, rnn_unk, bilstm, bilstm_unk):
        assert 0 < value < 100
    assert bilstm > base and bilstm > rnn
    assert bilstm < 97.5, "better than published taggers trained on all the data: suspicious"


def test_classification_baselines_are_near_the_published_naive_bayes_and_the_lstm_learned(built_book):
    values = glued_values(_page(built_book, "classification"))
    n_test, nb, logreg, epochs, lstm = values[:5]
    assert n_test == 1066
    # Wang & Manning's MNB (bigrams) reached 79.0 % on this data (Kim 2014, Table 2)
    assert 75 < nb < 83 and 70 < logreg < 83
    assert 65 < lstm < 85 and 1 <= epochs <= 20


def test_stacked_page_checks_against_torch_and_characters_help_unseen_words(built_book):
    page = _page(built_book, "stacked_bidirectional")
    text = page.read_text(encoding="utf-8")
    diffs = [float(d) for d in re.findall(r"max \|numpy - torch\.nn\.LSTM\| = ([0-9.e+-]+)", text)]
    assert len(diffs) == 3 and max(diffs) < 1e-12, "the visible check against torch.nn.LSTM is missing"
    assert re.search(r"largest relative error vs autograd: [0-9.]+e-(1[0-9]|[0-9])\b", text)
    values = glued_values(page)
    _, uni, bi, n_test, se, n_tag, _, unseen_rate, oov_without, oov_with, all_without, all_with = values[:12]
    assert 65 < uni < 85 and 65 < bi < 85
    p = (uni + bi) / 200  # the binomial standard error of an accuracy near p on n_test sentences
    assert se == pytest.approx(100 * (p * (1 - p) / n_test) ** 0.5, abs=0.06)
    train_words = {w for words, _ in load_ud_pos("train")[:int(n_tag)] for w in words}
    test_words = [w for words, _ in load_ud_pos("test") for w in words]
    expected_unseen = 100 * sum(w not in train_words for w in test_words) / len(test_words)
    assert unseen_rate == pytest.approx(expected_unseen, abs=0.06)
    assert oov_with > oov_without + 5 and all_with > all_without
