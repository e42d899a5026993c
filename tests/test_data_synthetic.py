"""The synthetic tasks obey the rules of their papers, checked by oracles written here."""

import re
from collections import defaultdict

import numpy as np
import pytest

from course_rnn.data import (adding_problem, copy_task, copy_task_baseline, elman_sentences,
                             is_reber, letter_sequence, reber_next_symbols, reber_strings,
                             temporal_xor, word_stream)
from course_rnn.data import elman

# ---------------------------------------------------------------- Elman (1990)


def test_temporal_xor_every_third_bit_is_the_xor_of_the_two_before(rng):
    bits = temporal_xor(200, rng).reshape(-1, 3)
    assert set(np.unique(bits)) <= {0, 1}
    np.testing.assert_array_equal(bits[:, 2], (bits[:, 0] + bits[:, 1]) % 2)


# Table 1 of the paper, typed here from the paper (columns: consonant, vowel, interrupted,
# high, back, voiced).
TABLE_1 = {"b": [1, 0, 1, 0, 0, 1], "d": [1, 0, 1, 1, 0, 1], "g": [1, 0, 1, 0, 1, 1],
           "a": [0, 1, 0, 0, 1, 1], "i": [0, 1, 0, 1, 0, 1], "u": [0, 1, 0, 1, 1, 1]}


def test_letter_sequence_follows_the_consonant_vowel_rule_and_table_1(rng):
    letters, x = letter_sequence(300, rng)
    assert re.fullmatch(r"(ba|dii|guuu)+", letters)
    assert len(re.findall("[bdg]", letters)) == 300
    np.testing.assert_array_equal(x, [TABLE_1[c] for c in letters])


def test_word_stream_boundaries_point_at_the_words_and_codes_are_distinct(rng):
    stream = word_stream(50, rng)
    assert "".join(stream.words) == stream.text
    for start, word in zip(stream.word_starts, stream.words):
        assert stream.text[start:start + len(word)] == word
    assert 4 * 50 <= len(stream.words) <= 9 * 50
    codes = {tuple(code) for code in stream.codes.values()}
    assert len(codes) == len(stream.codes)  # one code per letter
    assert stream.x.shape == (len(stream.text), 5)
    np.testing.assert_array_equal(stream.x, [stream.codes[c] for c in stream.text])


# The brief's reading of Table 3; the package adds more words per category (boy, girl, dog,
# lion, car, bread, exist, like: a reconstruction of the 29-word lexicon).
PAPER_WORDS = {
    "NOUN-HUM": {"man", "woman"}, "NOUN-ANIM": {"cat", "mouse"}, "NOUN-INANIM": {"book", "rock"},
    "NOUN-AGRESS": {"dragon", "monster"}, "NOUN-FRAG": {"glass", "plate"},
    "NOUN-FOOD": {"cookie", "sandwich"}, "VERB-INTRAN": {"think", "sleep"},
    "VERB-TRAN": {"see", "chase"}, "VERB-AGPAT": {"move", "break"},
    "VERB-PERCEPT": {"smell", "see"}, "VERB-DESTROY": {"break", "smash"}, "VERB-EAT": {"eat"},
}
# The words the package adds, as we recall the paper's 29-word lexicon (Figure 7).
EXTRA_WORDS = {"NOUN-HUM": {"boy", "girl"}, "NOUN-ANIM": {"dog"}, "NOUN-INANIM": {"car"},
               "NOUN-AGRESS": {"lion"}, "NOUN-FOOD": {"bread"}, "VERB-INTRAN": {"exist"},
               "VERB-TRAN": {"like"}}
ORACLE_CATEGORIES = {c: words | EXTRA_WORDS.get(c, set()) for c, words in PAPER_WORDS.items()}
PAPER_TEMPLATES = {tuple(t.split()) for t in [
    "NOUN-HUM VERB-EAT NOUN-FOOD", "NOUN-HUM VERB-PERCEPT NOUN-INANIM",
    "NOUN-HUM VERB-DESTROY NOUN-FRAG", "NOUN-HUM VERB-INTRAN", "NOUN-HUM VERB-TRAN NOUN-HUM",
    "NOUN-HUM VERB-AGPAT NOUN-INANIM", "NOUN-HUM VERB-AGPAT", "NOUN-ANIM VERB-EAT NOUN-FOOD",
    "NOUN-ANIM VERB-TRAN NOUN-ANIM", "NOUN-ANIM VERB-AGPAT NOUN-INANIM", "NOUN-ANIM VERB-AGPAT",
    "NOUN-INANIM VERB-AGPAT", "NOUN-AGRESS VERB-DESTROY NOUN-FRAG",
    "NOUN-AGRESS VERB-EAT NOUN-HUM", "NOUN-AGRESS VERB-EAT NOUN-ANIM",
    "NOUN-AGRESS VERB-EAT NOUN-FOOD"]}


def test_elman_lexicon_has_29_words_in_the_papers_categories():
    assert len(elman.LEXICON) == len(set(elman.LEXICON)) == 29
    assert set(elman.LEXICON) == set().union(*ORACLE_CATEGORIES.values())
    assert {c: set(words) for c, words in elman.CATEGORIES.items()} == ORACLE_CATEGORIES
    assert set(elman.TEMPLATES) == PAPER_TEMPLATES and len(elman.TEMPLATES) == 16


def test_every_generated_sentence_fits_its_template(rng):
    data = elman_sentences(500, rng)
    for sentence, k in zip(data.sentences, data.templates):
        template = elman.TEMPLATES[k]
        assert template in PAPER_TEMPLATES and len(sentence) == len(template)
        assert all(word in ORACLE_CATEGORIES[slot] for word, slot in zip(sentence, template))
    assert set(data.templates) == set(range(16))  # 500 draws reach every template


def test_elman_sentences_are_31_bit_localist_codes_of_the_word_stream(rng):
    data = elman_sentences(100, rng)
    words = [w for s in data.sentences for w in s]
    assert data.x.shape == (len(words), 31)
    np.testing.assert_array_equal(data.x.sum(axis=1), 1.0)
    assert [elman.LEXICON[i] for i in data.x.argmax(axis=1)] == words
    assert not data.x[:, 29:].any()


# ---------------------------------------------------------------- adding problem


def test_adding_le2015_target_is_the_sum_of_the_two_marked_values(rng):
    T, B = 50, 64
    x, y = adding_problem(T, B, rng, variant="le2015")
    assert x.shape == (T, B, 2) and y.shape == (B,)
    values, markers = x[..., 0], x[..., 1]
    assert np.all((values >= 0) & (values < 1))
    for b in range(B):
        marked = np.flatnonzero(markers[:, b] == 1)
        assert len(marked) == 2 and marked[0] < T // 2 <= marked[1]
        assert set(np.unique(markers[:, b])) == {0.0, 1.0}
        assert y[b] == pytest.approx(values[marked, b].sum(), abs=1e-15)


def test_adding_hochreiter1997_target_is_half_plus_a_quarter_of_the_sum(rng):
    T, B = 40, 200
    x, y = adding_problem(T, B, rng, variant="hochreiter1997")
    values, markers = x[..., 0], x[..., 1]
    assert np.all(np.abs(values) <= 1)
    for b in range(B):
        marked = np.flatnonzero(markers[:, b] == 1)
        assert len(marked) == 2
        # X1 among the first 10 steps, X2 among the first T/2 - 1 unmarked ones
        assert marked[0] < 10 and marked[1] < T // 2
        for end in (0, T - 1):                          # first and last carry -1 unless marked
            assert markers[end, b] == (1.0 if end in marked else -1.0)
        if 0 in marked:
            assert values[0, b] == 0.0
        X1, X2 = values[marked, b]
        assert y[b] == pytest.approx(0.5 + (X1 + X2) / 4.0, abs=1e-15)
        assert 0 <= y[b] <= 1


# ---------------------------------------------------------------- copy task


def test_copy_task_layout_and_memoryless_baseline(rng):
    T, B, L, K = 7, 5, 4, 6
    x, y = copy_task(T, B, rng, L=L, K=K)
    assert x.shape == y.shape == (T + 2 * L, B)
    np.testing.assert_array_equal(y[T + L:], x[:L])     # reproduce the first L symbols
    assert np.all((x[:L] >= 1) & (x[:L] <= K))
    np.testing.assert_array_equal(x[L + T - 1], K + 1)  # the delimiter, T steps after the data
    blank = np.ones_like(x, dtype=bool)
    blank[:L] = False
    blank[L + T - 1] = False
    assert np.all(x[blank] == 0) and np.all(y[:T + L] == 0)
    # memoryless predictor: blank with certainty, then uniform over the K symbols
    log_probs = np.where(np.arange(T + 2 * L)[:, None] < T + L, 0.0, -np.log(K)) * np.ones(B)
    assert copy_task_baseline(T, L, K) == pytest.approx(-log_probs.mean())


# ---------------------------------------------------------------- Reber grammar

# An independent description of the Reber grammar as a regular expression:
# after B, either T S* X then (S | X <from V-loop state>), or P <from V-loop state>, where
# the V-loop state is (T* V P X)* T* V (V | P S), then E.
FROM_2 = r"(?:T*VPX)*T*V(?:V|PS)"
REBER_RE = re.compile(rf"B(?:TS*X(?:S|X{FROM_2})|P{FROM_2})E")
EMBEDDED_RE = re.compile(rf"B(?:T{REBER_RE.pattern}T|P{REBER_RE.pattern}P)E")


@pytest.mark.parametrize("embedded, oracle", [(False, REBER_RE), (True, EMBEDDED_RE)])
def test_reber_strings_match_the_grammar_regex_and_membership_agrees(rng, embedded, oracle):
    strings = reber_strings(300, rng, embedded=embedded)
    assert all(oracle.fullmatch(s) for s in strings)
    assert all(is_reber(s, embedded) for s in strings)
    for s in strings[:50]:  # corrupt one symbol: membership must agree with the regex
        t = int(rng.integers(len(s)))
        bad = s[:t] + str(rng.choice([c for c in "BTPSXVE" if c != s[t]])) + s[t + 1:]
        assert is_reber(bad, embedded) == bool(oracle.fullmatch(bad))
    assert is_reber("BTXSE", embedded=False) and not is_reber("BTXS", embedded=False)


def test_reber_next_symbols_match_what_the_grammar_actually_produces(rng):
    strings = reber_strings(2000, rng, embedded=True)
    seen, count = defaultdict(set), defaultdict(int)
    for s in strings:
        for t in range(len(s) - 1):
            seen[s[:t + 1]].add(s[t + 1])
            count[s[:t + 1]] += 1
    for s in strings[:200]:
        legal = reber_next_symbols(s)
        assert legal[-1] == set() and legal[-2] == {"E"}
        assert legal[-3] == {s[1]}  # the long-range dependency: repeat the second symbol
        for t in range(len(s) - 1):
            assert seen[s[:t + 1]] <= legal[t]
            if count[s[:t + 1]] >= 40:  # a missed 1/2-branch here has probability < 1e-12
                assert seen[s[:t + 1]] == legal[t]


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("call, error, message", [
    (lambda r: temporal_xor(0, r), ValueError, "n_triples=0"),
    (lambda r: letter_sequence(-1, r), ValueError, "n_consonants=-1"),
    (lambda r: letter_sequence(5, 42), TypeError, "default_rng"),
    (lambda r: word_stream(3, r, min_words=5, max_words=4), ValueError, "max_words"),
    (lambda r: word_stream(3, r, n_bits=3), ValueError, "n_bits=3"),
    (lambda r: elman_sentences(2.5, r), ValueError, "n_sentences"),
    (lambda r: adding_problem(10, 2, r, variant="hochreiter1997"), ValueError, "T >= 20"),
    (lambda r: adding_problem(10, 2, r, variant="lstm"), ValueError, "variant='lstm'"),
    (lambda r: adding_problem(1, 2, r), ValueError, "T >= 2"),
    (lambda r: copy_task(5, 0, r), ValueError, "B=0"),
    (lambda r: reber_strings(0, r), ValueError, "n=0"),
])
def test_generators_reject_bad_arguments_by_name(rng, call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call(rng)


def test_reber_next_symbols_reports_where_a_string_leaves_the_grammar():
    with pytest.raises(ValueError, match=r"position 3 \(.X.\)"):
        reber_next_symbols("BTBX")
