"""Vocabularies round-trip and handle unknowns; batches are the streams cut the documented way."""

import numpy as np
import pytest
import torch

from course_rnn.data import (CharVocab, WordVocab, batchify, bptt_windows, check_length, one_hot,
                             pad_batch)

TEXT = "hello world, hello rnn"


def test_char_vocab_round_trip_and_specials_first():
    vocab = CharVocab(TEXT)
    assert vocab.decode(vocab.encode(TEXT)) == TEXT
    assert vocab.itos[:2] == ["<pad>", "<unk>"] and vocab.pad_id == 0 and vocab.unk_id == 1
    assert len(vocab) == 2 + len(set(TEXT))
    assert vocab.itos[2:] == sorted(set(TEXT))


def test_char_vocab_without_specials_has_exactly_the_characters_of_the_text():
    vocab = CharVocab(TEXT, pad=False, unk=False)
    assert len(vocab) == len(set(TEXT))
    with pytest.raises(KeyError, match="'z'.*unk=True"):
        vocab.encode("z")


def test_unknown_tokens_become_unk_and_decode_as_unk():
    vocab = WordVocab([TEXT.split()])
    ids = vocab.encode(["hello", "transformer"])
    assert ids == [vocab.stoi["hello"], vocab.unk_id]
    assert vocab.decode(ids) == ["hello", "<unk>"]


def test_word_vocab_orders_by_frequency_and_respects_min_freq_and_max_size():
    sentences = [["a", "b", "b", "c", "c", "c"], ["c", "d"]]
    assert WordVocab(sentences).itos == ["<pad>", "<unk>", "c", "b", "a", "d"]
    assert WordVocab(sentences, min_freq=2).itos == ["<pad>", "<unk>", "c", "b"]
    capped = WordVocab(sentences, max_size=3)
    assert len(capped) == 3 and capped.itos[-1] == "c"


def test_bos_eos_wrap_the_encoded_sentence():
    vocab = WordVocab([["x", "y"]], bos_eos=True)
    ids = vocab.encode(["y", "x"], add_bos_eos=True)
    assert vocab.decode(ids) == ["<bos>", "y", "x", "<eos>"]
    with pytest.raises(ValueError, match="bos_eos=True"):
        WordVocab([["x"]]).encode(["x"], add_bos_eos=True)


def test_vocab_rejects_bad_arguments_with_their_names():
    with pytest.raises(ValueError, match="min_freq"):
        CharVocab(TEXT, min_freq=0)
    with pytest.raises(ValueError, match="max_size"):
        CharVocab(TEXT, max_size=2)
    with pytest.raises(TypeError, match="lists of words"):
        WordVocab(["a sentence as a string"])
    with pytest.raises(IndexError, match="outside"):
        CharVocab(TEXT).decode([999])


def test_batchify_matches_the_pytorch_word_language_model_example():
    ids = np.arange(103)
    B = 4
    # the example's batchify: narrow to a multiple of B, view as (B, -1), transpose
    data = torch.from_numpy(ids)
    n = data.size(0) // B
    expected = data.narrow(0, 0, n * B).view(B, -1).t().contiguous().numpy()
    np.testing.assert_array_equal(batchify(ids, B), expected)


@pytest.mark.parametrize("T", [1, 5, 7, 24])
def test_bptt_targets_are_inputs_shifted_by_one_and_windows_tile_the_data(T):
    data = batchify(np.arange(100), 4)  # (25, 4)
    windows = list(bptt_windows(data, T))
    inputs = np.concatenate([x for x, _ in windows])
    targets = np.concatenate([y for _, y in windows])
    np.testing.assert_array_equal(inputs, data[:-1])
    np.testing.assert_array_equal(targets, data[1:])
    assert all(x.shape == y.shape and x.shape[0] <= T for x, y in windows)
    # within a column the stream is consecutive integers, so target = input + 1 everywhere
    assert all(np.array_equal(y, x + 1) for x, y in windows)


def test_pad_batch_mask_and_lengths_agree():
    seqs = [[5, 6, 7], [8], [9, 10]]
    padded, mask, lengths = pad_batch(seqs, pad_id=0)
    assert padded.shape == mask.shape == (3, 3)
    np.testing.assert_array_equal(lengths, [3, 1, 2])
    np.testing.assert_array_equal(mask.sum(axis=0), lengths)
    for b, s in enumerate(seqs):
        np.testing.assert_array_equal(padded[:len(s), b], s)
        assert np.all(padded[len(s):, b] == 0) and not mask[len(s):, b].any()
    # torch's own padding agrees
    expected = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], padding_value=0)
    np.testing.assert_array_equal(padded, expected.numpy())


def test_one_hot_has_a_single_one_at_each_id():
    ids = np.array([[0, 2], [1, 2]])
    x = one_hot(ids, 3)
    assert x.shape == (2, 2, 3)
    np.testing.assert_array_equal(x.argmax(-1), ids)
    np.testing.assert_array_equal(x.sum(-1), 1.0)


def test_check_length_passes_short_and_refuses_long_sequences_by_name():
    assert check_length([1, 2, 3], 3, "tokens") == [1, 2, 3]
    with pytest.raises(ValueError, match=r"tokens has 4 steps .* at most 3; truncate"):
        check_length([1, 2, 3, 4], 3, "tokens")


@pytest.mark.parametrize("call, message", [
    (lambda: batchify(np.arange(10), 0), "B=0"),
    (lambda: batchify(np.arange(3), 2), "smaller B"),
    (lambda: batchify(np.zeros((2, 5)), 2), "1-D"),
    (lambda: bptt_windows(np.zeros((10, 2)), 0), "T=0"),
    (lambda: pad_batch([]), "empty"),
    (lambda: pad_batch([[1], []]), "sequence 1 is empty"),
    (lambda: one_hot([3], 3), "0..2"),
])
def test_batching_rejects_bad_arguments_with_their_names(call, message):
    with pytest.raises(ValueError, match=message):
        call()
