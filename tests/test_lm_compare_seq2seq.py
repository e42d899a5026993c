"""The count baselines of book/transformers.md against counting by hand, and the
encoder-decoder against a step-by-step GRU cell with the same weights."""

import math
from collections import Counter

import numpy as np
import pytest
import torch

from course_rnn.experiments.lm_compare import count_lm_loss, fused_char_lm
from course_rnn.experiments.seq2seq import (BOS, EOS, V, Seq2SeqGRU, decode, encode, exact_match,
                                            greedy_decode, reversal_batch)
from course_rnn.models import CharLM


def test_count_bigram_and_unigram_losses_match_counting_by_hand():
    train = [0, 1, 2, 1, 0, 1, 1, 2, 0]
    x = torch.tensor([[1, 0], [2, 2]])            # (T, B) inputs: the previous character
    y = torch.tensor([[2, 1], [0, 1]])            # (T, B) targets
    V, alpha = 4, 0.5
    pairs, singles = Counter(zip(train, train[1:])), Counter(train)
    bigram = [-math.log((pairs[a, b] + alpha) / (sum(pairs[a, c] for c in range(V)) + alpha * V))
              for a, b in zip(x.flatten().tolist(), y.flatten().tolist())]
    unigram = [-math.log((singles[b] + alpha) / (len(train) + alpha * V)) for b in y.flatten().tolist()]
    assert count_lm_loss(train, [(x, y)], V, order=2, alpha=alpha) == pytest.approx(np.mean(bigram), rel=1e-12)
    assert count_lm_loss(train, [(x, y)], V, order=1, alpha=alpha) == pytest.approx(np.mean(unigram), rel=1e-12)
    with pytest.raises(ValueError, match="order"):
        count_lm_loss(train, [(x, y)], V, order=3)


def test_fused_char_lm_computes_the_same_function_as_the_course_char_lm():
    torch.manual_seed(0)
    fused = fused_char_lm(7, 5).double()
    course = CharLM(7, hidden_size=5).double()
    course.load_state_dict(fused.state_dict())
    tokens = torch.randint(0, 7, (6, 3))
    with torch.no_grad():
        assert torch.allclose(fused(tokens)[0], course(tokens)[0], atol=1e-12)
    assert torch.all(fused.rnn.bias_ih_l0[5:10] == 1.0)          # forget-gate bias 1


def test_reversal_batch_targets_are_the_reversed_strings_and_teacher_forcing_shifts_them():
    src, dec_in, tgt = reversal_batch(["abc", "bca"])
    assert src.shape == (3, 2) and tgt.shape == (4, 2) and dec_in.shape == (4, 2)
    assert decode(tgt[:, 0].tolist()) == "cba" and decode(tgt[:, 1].tolist()) == "acb"
    assert tgt[-1].tolist() == [EOS, EOS] and dec_in[0].tolist() == [BOS, BOS]
    assert torch.equal(dec_in[1:], tgt[:-1])
    with pytest.raises(ValueError, match="one length"):
        reversal_batch(["ab", "abc"])


def test_seq2seq_matches_a_step_by_step_gru_cell_and_greedy_decoding_feeds_back_the_argmax():
    torch.manual_seed(1)
    model = Seq2SeqGRU(hidden_size=6, embedding_size=4).double()
    enc, dec = torch.nn.GRUCell(4, 6).double(), torch.nn.GRUCell(4, 6).double()
    for cell, layer in ((enc, model.encoder), (dec, model.decoder)):
        cell.load_state_dict({k.replace("_l0", ""): v for k, v in layer.state_dict().items()})
    strings = ["abcd", "dcba", "aabb"]
    src, dec_in, _ = reversal_batch(strings)
    with torch.no_grad():
        logits = model(src, dec_in)                                   # (T, B, V)
        h = torch.zeros(3, 6, dtype=torch.float64)
        for t in range(src.shape[0]):
            h = enc(model.src_embed(src[t]), h)
        expected = []
        for t in range(dec_in.shape[0]):
            h = dec(model.tgt_embed(dec_in[t]), h)
            expected.append(model.out(h))
        assert torch.allclose(logits, torch.stack(expected), atol=1e-12)
        # greedy: feed back the argmax, starting from BOS
        h = model.encode(src)[0]
        y, greedy = torch.full((3,), BOS), []
        for _ in range(5):
            h = dec(model.tgt_embed(y), h)
            y = model.out(h).argmax(-1)
            greedy.append(y)
    expected_strings = [decode(row) for row in torch.stack(greedy, 1).tolist()]
    assert greedy_decode(model, strings) == expected_strings
    assert model(src, dec_in).shape == (5, 3, V)


def test_exact_match_counts_only_whole_reversed_strings():
    assert exact_match(["cba", "ab", "x"], ["abc", "ab", "x"]) == pytest.approx(2 / 3)
    assert encode("cab") == [2, 0, 1] and decode([2, 0, 1, EOS, 3]) == "cab"
