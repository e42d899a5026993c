"""The shipped corpora match their published facts; bad files give errors that say what to do."""

import gzip
import hashlib
from collections import Counter

import pytest

from course_rnn.data import load_polarity, load_tinyshakespeare, load_ud_pos
from course_rnn.data.files import corpus_path

# The 17 Universal POS tags of UD v2 (universaldependencies.org/u/pos/).
UD_UPOS = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
           "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"}


def test_tinyshakespeare_has_the_published_size_alphabet_and_md5():
    path = corpus_path("tinyshakespeare", "input.txt")
    assert hashlib.md5(path.read_bytes()).hexdigest() == "6fb458f1232090904fb40fe944165e91"
    text = load_tinyshakespeare()
    assert len(text) == 1_115_394
    assert len(set(text)) == 65


def test_tinyshakespeare_splits_are_contiguous_90_5_5_and_cover_the_text():
    text = load_tinyshakespeare()
    train, val, test = (load_tinyshakespeare(s) for s in ("train", "validation", "test"))
    assert train + val + test == text
    N = len(text)
    assert len(train) == int(0.90 * N)
    assert abs(len(val) - 0.05 * N) < 1 and abs(len(test) - 0.05 * N) < 1


@pytest.mark.parametrize("split, n_sentences, n_words", [
    ("train", 12_544, 204_577), ("validation", 2_001, 25_147), ("dev", 2_001, 25_147),
    ("test", 2_077, 25_094)])
def test_ud_ewt_splits_have_the_published_sentence_and_word_counts(split, n_sentences, n_words):
    sentences = load_ud_pos(split)
    assert len(sentences) == n_sentences
    assert sum(len(words) for words, _ in sentences) == n_words
    assert all(len(words) == len(tags) and words for words, tags in sentences)


def test_ud_ewt_train_uses_exactly_the_17_upos_tags():
    tags = {tag for _, sentence_tags in load_ud_pos("train") for tag in sentence_tags}
    assert tags == UD_UPOS


def test_ud_ewt_first_dev_sentence_matches_the_treebank():
    # dev sentence 1 of UD_English-EWT v2.15: "From the AP comes this story :"
    words, tags = load_ud_pos("validation")[0]
    assert words == ["From", "the", "AP", "comes", "this", "story", ":"]
    assert tags == ["ADP", "DET", "PROPN", "VERB", "DET", "NOUN", "PUNCT"]


def test_polarity_has_5331_positive_and_5331_negative_snippets_split_without_overlap():
    splits = [load_polarity(s) for s in ("train", "validation", "test")]
    assert [len(examples) for examples in splits] == [8_530, 1_066, 1_066]
    everything = Counter((tuple(words), label) for examples in splits for words, label in examples)
    in_files = Counter()
    for label, name in ((1, "pos"), (0, "neg")):
        lines = corpus_path("sentence_polarity", f"rt-polarity.{name}").read_bytes().split(b"\n")
        in_files.update((tuple(line.decode("utf-8").split()), label)
                        for line in lines if line.strip())
    assert sum(n for (_, label), n in in_files.items() if label == 1) == 5_331
    assert sum(n for (_, label), n in in_files.items() if label == 0) == 5_331
    assert everything == in_files  # each snippet in exactly one split, none lost


def test_polarity_split_depends_only_on_the_seed():
    assert load_polarity("test", seed=3) == load_polarity("test", seed=3)
    assert load_polarity("test", seed=3) != load_polarity("test", seed=4)


def test_polarity_was_converted_to_utf8_with_the_windows_1252_ellipsis():
    text = corpus_path("sentence_polarity", "rt-polarity.pos").read_text(encoding="utf-8")
    assert "interwoven\u2026 [the film]" in text and "\x85" not in text


# ---------------------------------------------------------------- bad files


def test_missing_file_names_the_file_and_says_to_pass_path(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError, match=r"nope\.txt.*path="):
        load_tinyshakespeare(path=missing)


def test_empty_file_is_refused_by_name(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ValueError, match=r"empty\.txt is empty"):
        load_tinyshakespeare(path=empty)
    with pytest.raises(ValueError, match="empty"):
        load_polarity(pos_path=empty)


def test_latin1_file_is_refused_with_the_offending_byte_and_a_fix(tmp_path):
    latin1 = tmp_path / "latin1.neg"
    latin1.write_bytes("caf\u00e9 au lait\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1\.neg is not UTF-8 \(byte 0xe9.*iconv"):
        load_polarity(neg_path=latin1)


def test_corrupt_gzip_and_malformed_lines_are_refused(tmp_path):
    corrupt = tmp_path / "broken.tsv.gz"
    corrupt.write_bytes(b"this is not gzip")
    with pytest.raises(ValueError, match=r"broken\.tsv\.gz is not a valid gzip"):
        load_ud_pos(path=corrupt)
    malformed = tmp_path / "bad.tsv.gz"
    malformed.write_bytes(gzip.compress(b"The\tDET\ncat NOUN\n\n"))
    with pytest.raises(ValueError, match=r"line 2 .*word<TAB>UPOS"):
        load_ud_pos(path=malformed)


def test_unknown_split_names_the_valid_ones():
    with pytest.raises(ValueError, match="validation"):
        load_tinyshakespeare("valid")
    with pytest.raises(ValueError, match="validation"):
        load_ud_pos("eval")
    with pytest.raises(ValueError, match="validation"):
        load_polarity("dev")
