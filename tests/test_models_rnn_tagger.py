"""RNNTagger: with the weights of a torch.nn.RNN and an embedding, its logits are the
SLP3 Fig. 9.8 formula; unidirectional tags do not look ahead, bidirectional ones do."""

import torch

from course_rnn.models import RNNTagger


def test_rnn_tagger_logits_match_torch_rnn_and_linear():
    torch.manual_seed(0)
    tagger = RNNTagger(10, 4, embedding_size=3, hidden_size=5, cell="rnn").double()
    reference = torch.nn.RNN(3, 5).double()
    reference.load_state_dict(tagger.rnn.state_dict())
    tokens = torch.tensor([[1, 2], [3, 4], [5, 0]])  # (T=3, B=2); the second has length 2
    with torch.no_grad():
        logits = tagger(tokens, torch.tensor([3, 2]))
        for b, n in ((0, 3), (1, 2)):
            hs, _ = reference(tagger.embedding(tokens[:n, b:b + 1]))
            torch.testing.assert_close(logits[:n, b], tagger.out(hs[:, 0]), rtol=1e-10, atol=1e-12)


def test_unidirectional_tags_do_not_depend_on_later_words_and_bidirectional_ones_do():
    torch.manual_seed(0)
    first = torch.tensor([[1], [2], [3]])
    second = torch.tensor([[1], [2], [7]])  # differs in the last word only
    for bidirectional, cell in ((False, "rnn"), (True, "gru")):
        tagger = RNNTagger(10, 4, cell=cell, bidirectional=bidirectional)
        with torch.no_grad():
            a, b = tagger(first), tagger(second)
        same_prefix = torch.allclose(a[:2], b[:2])
        assert same_prefix != bidirectional, (cell, bidirectional)
        assert a.shape == (3, 1, 4)
