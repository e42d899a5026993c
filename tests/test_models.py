"""course_rnn.models: shapes, agreement with torch.nn twins, padding, and a published first loss."""

import math

import numpy as np
import pytest
import torch

import course_rnn.nn as cnn
from course_rnn.data.batching import pad_batch
from course_rnn.data.vocab import WordVocab
from course_rnn.models import (BiLSTMTagger, CharLM, SequenceClassifier, TreeLSTMClassifier,
                               forest_word_ids)
from course_rnn.trees import Forest, parse_tree
from course_rnn.train import fit

CELLS = ["rnn", "lstm"] + (["gru"] if hasattr(cnn, "GRU") else [])
TORCH_CELLS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("embedding_size", [None, 8])
def test_charlm_returns_logits_T_B_V_and_a_state_to_carry(cell, embedding_size):
    T, B, V, H, L = 7, 3, 11, 6, 2
    lm = CharLM(V, H, num_layers=L, cell=cell, embedding_size=embedding_size)
    tokens = torch.randint(0, V, (T, B))
    logits, state = lm(tokens)
    assert logits.shape == (T, B, V)
    h_n = state[0] if cell == "lstm" else state
    assert h_n.shape == (L, B, H)
    # carrying the state over two windows is the same as reading both at once
    first, state = lm(tokens[:4])
    second, _ = lm(tokens[4:], state)
    torch.testing.assert_close(torch.cat([first, second]), logits)


@pytest.mark.parametrize("cell", CELLS)
def test_charlm_matches_the_same_model_built_from_torch_nn(cell):
    T, B, V, E, H = 6, 2, 9, 5, 4
    lm = CharLM(V, H, num_layers=2, cell=cell, embedding_size=E).double()
    embedding = torch.nn.Embedding(V, E).double()
    rnn = TORCH_CELLS[cell](E, H, num_layers=2).double()
    decoder = torch.nn.Linear(H, V).double()
    embedding.load_state_dict(lm.embedding.state_dict())
    rnn.load_state_dict(lm.rnn.state_dict())
    decoder.load_state_dict(lm.decoder.state_dict())
    tokens = torch.randint(0, V, (T, B))
    ours, _ = lm(tokens)
    theirs = decoder(rnn(embedding(tokens))[0])
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-12)


def test_fresh_charlm_first_loss_is_25_ln_65_per_window_as_in_min_char_rnn():
    # min-char-rnn starts its smoothed loss at -ln(1/V) * seq_length: 25 ln 65 = 104.36 for
    # tiny Shakespeare's 65 characters, because small output weights predict nearly uniformly
    V, T = 65, 25
    lm = CharLM(V, 100, cell="rnn")
    tokens = torch.randint(0, V, (T + 1, 1), generator=torch.Generator().manual_seed(1))
    logits, _ = lm(tokens[:-1])
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), tokens[1:].reshape(-1), reduction="sum")
    assert abs(float(loss.detach()) - 104.36) < 0.5
    assert abs(25 * math.log(65) - 104.36) < 0.01


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_charlm_and_loop_overfit_one_tiny_batch(cell):
    tokens = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]]).T  # (T, 1)
    lm = CharLM(8, 32, cell=cell, embedding_size=8)
    history = fit(lm, [(tokens[:-1], tokens[1:])], task="lm", lr=0.03, max_steps=150, epochs=None,
                  progress=False)
    # the first token has no context, so only the other 14 predictions can become certain
    assert history.train_loss[-1] < 0.05 + math.log(8) / 15


def test_tagger_logits_at_real_tokens_do_not_depend_on_padding():
    sequences = [np.array([3, 4, 5, 6, 7]), np.array([8, 9]), np.array([2, 3, 4])]
    tokens, _, lengths = pad_batch(sequences, pad_id=0)
    tokens, lengths = torch.from_numpy(tokens), torch.from_numpy(lengths)
    tagger = BiLSTMTagger(12, 5, embedding_size=6, hidden_size=4).double()
    logits = tagger(tokens, lengths)
    assert logits.shape == (5, 3, 5)
    other = tokens.clone()
    other[2:, 1], other[3:, 2] = 11, 7  # junk where the padding was
    changed = tagger(other, lengths)
    for b, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(changed[:n, b], logits[:n, b], rtol=0, atol=0)
        alone = tagger(tokens[:n, b:b + 1])  # the sequence with no padding at all
        torch.testing.assert_close(logits[:n, b], alone[:, 0], rtol=0, atol=1e-12)


def test_tagger_overfits_a_tiny_padded_batch():
    tokens, mask, lengths = pad_batch([np.array([1, 2, 3, 4]), np.array([4, 3])], pad_id=0)
    tags, _, _ = pad_batch([np.array([0, 1, 2, 0]), np.array([2, 1])], pad_id=0)
    tagger = BiLSTMTagger(5, 3, embedding_size=8, hidden_size=16)
    history = fit(tagger, [(tokens, lengths, tags)], task="tagger", lr=0.05, max_steps=80,
                  epochs=None, progress=False)
    assert history.train_loss[-1] < 0.01


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_classifier_final_state_equals_each_sequence_run_alone_unpadded(cell, bidirectional):
    sequences = [np.array([3, 4, 5, 6, 7, 1]), np.array([8, 9]), np.array([2, 3, 4, 9])]
    tokens, _, lengths = pad_batch(sequences, pad_id=0)
    clf = SequenceClassifier(10, 3, embedding_size=5, hidden_size=4, num_layers=2, cell=cell,
                             bidirectional=bidirectional).double()
    batched = clf.final_state(torch.from_numpy(tokens), torch.from_numpy(lengths))
    assert batched.shape == (3, 8 if bidirectional else 4)
    for b, s in enumerate(sequences):
        alone = clf.final_state(torch.from_numpy(s)[:, None])
        torch.testing.assert_close(batched[b], alone[0], rtol=0, atol=1e-12)
    # and the reference: torch.nn's module with the same weights, fed one unpadded sequence
    rnn = TORCH_CELLS[cell](5, 4, num_layers=2, bidirectional=bidirectional).double()
    rnn.load_state_dict(clf.rnn.state_dict())
    for b, s in enumerate(sequences):
        _, state = rnn(clf.embedding(torch.from_numpy(s)[:, None]))
        h_n = state[0] if cell == "lstm" else state
        expected = torch.cat(list(h_n[-(2 if bidirectional else 1):, 0]))
        torch.testing.assert_close(batched[b], expected, rtol=0, atol=1e-12)


def test_classifier_overfits_a_tiny_batch():
    tokens, _, lengths = pad_batch([np.array([1, 2, 3]), np.array([3, 2]), np.array([2, 2, 1, 1])])
    labels = np.array([0, 1, 2])
    clf = SequenceClassifier(4, 3, embedding_size=8, hidden_size=16)
    history = fit(clf, [(tokens, lengths, labels)], task="classifier", lr=0.05, max_steps=60,
                  epochs=None, progress=False)
    assert history.train_loss[-1] < 0.01


def test_models_reject_tokens_that_are_not_T_by_B_ids():
    lm = CharLM(5, 4)
    with pytest.raises(ValueError, match="tokens must be an integer tensor of shape"):
        lm(torch.zeros(3, 2, 5))
    with pytest.raises(ValueError, match="cell='transformer'"):
        CharLM(5, 4, cell="transformer")
    with pytest.raises(ValueError, match="lengths must be"):
        SequenceClassifier(5, 2)(torch.ones(3, 2, dtype=torch.long), torch.tensor([4, 1]))


@pytest.mark.parametrize("kind", ["child_sum", "nary"])
def test_tree_classifier_reads_the_root_state_of_each_tree_alone_or_batched(kind):
    trees = [parse_tree("(1 (0 a) (1 (1 b) (0 c)))"), parse_tree("(0 (1 c) (0 a))"), parse_tree("(1 b)")]
    vocab = WordVocab([["a", "b", "c"]])
    clf = TreeLSTMClassifier(len(vocab), 2, embedding_size=5, hidden_size=4, kind=kind).double()
    forest = Forest(trees)
    logits = clf(forest, forest_word_ids(forest, vocab))
    assert logits.shape == (3, 2)
    for k, tree in enumerate(trees):
        alone = clf(Forest([tree]), forest_word_ids(Forest([tree]), vocab))
        torch.testing.assert_close(logits[k], alone[0], rtol=0, atol=1e-12)
    # a one-node tree is one LSTM step from zero state: its root h is LSTMCell's output
    cell = torch.nn.LSTMCell(5, 4).double()
    for name in ("weight_ih", "bias_ih", "bias_hh"):
        getattr(cell, name).data.copy_(getattr(clf.tree_lstm, name).data)
    x = clf.embedding(torch.tensor([vocab.encode(["b"])[0]]))
    h, _ = cell(x)
    torch.testing.assert_close(logits[2], clf.out(h)[0], rtol=0, atol=1e-12)


def test_tree_classifier_overfits_labels_of_three_trees():
    trees = [parse_tree("(1 (0 a) (1 b))"), parse_tree("(0 (1 c) (0 a))"), parse_tree("(1 b)")]
    vocab = WordVocab([["a", "b", "c"]])
    forest = Forest(trees)
    clf = TreeLSTMClassifier(len(vocab), 2, embedding_size=8, hidden_size=16)
    batch = (forest, forest_word_ids(forest, vocab), torch.tensor([t.label for t in trees]))
    history = fit(clf, [batch], task="classifier", lr=0.05, max_steps=60, epochs=None, progress=False)
    assert history.train_loss[-1] < 0.01


def test_trained_charlm_generates_through_the_sampling_modules_torch_adapter():
    from course_rnn.sampling import TorchStepper, generate
    cycle = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7] * 3]).T  # (T, 1)
    torch.manual_seed(0)
    lm = CharLM(8, 32, cell="gru" if "gru" in CELLS else "lstm", embedding_size=8)
    fit(lm, [(cycle[:-1], cycle[1:])], task="lm", lr=0.03, max_steps=150, epochs=None, progress=False)
    lm.eval()
    assert generate(TorchStepper(lm), [2, 3], max_len=10, strategy="greedy") == [4, 5, 6, 7, 0, 1, 2, 3, 4, 5]
