"""Character-level Bi-LSTM word embeddings: the embedding is exactly [forward final ;
backward final] of torch.nn.LSTM run on the word alone, padding changes nothing, and the
tagger sees the spelling of words its word vocabulary does not contain."""

import numpy as np
import pytest
import torch

from course_rnn.charembed import CharBiLSTMEmbedding, CharWordTagger, nearest_words, spell
from course_rnn.data import CharVocab, WordVocab


def test_spell_pads_time_major_and_returns_lengths():
    chars = CharVocab("abc")
    ids, lengths = spell(["ab", "c", "abc"], chars)
    assert ids.shape == (3, 3) and lengths.tolist() == [2, 1, 3]
    assert ids[2, 0] == chars.pad_id and chars.decode(ids[:3, 2]) == "abc"
    with pytest.raises(TypeError):
        spell("abc", chars)


def test_char_embedding_is_the_final_states_of_torch_lstm_on_each_word_alone():
    torch.manual_seed(0)
    chars = CharVocab("abcdefgh")
    embed = CharBiLSTMEmbedding(len(chars), char_embedding_size=5, hidden_size=4).double()
    reference = torch.nn.LSTM(5, 4, bidirectional=True).double()
    reference.load_state_dict(embed.lstm.state_dict())
    words = ["bad", "a", "hedge"]
    ids, lengths = spell(words, chars)
    with torch.no_grad():
        e = embed(torch.from_numpy(ids), torch.from_numpy(lengths))
        for n, word in enumerate(words):
            x = embed.embedding(torch.tensor(chars.encode(word)))[:, None]  # (n, 1, C), no padding
            out, _ = reference(x)
            forward_last, backward_first = out[-1, 0, :4], out[0, 0, 4:]
            torch.testing.assert_close(e[n], torch.cat([forward_last, backward_first]), rtol=1e-10, atol=1e-12)
    assert e.shape == (3, 8)


def _tagger(use_words=True, use_chars=True):
    train = [["the", "cat", "sat"], ["a", "dog", "ran"]]
    types = WordVocab(train + [["the", "zebra", "sat"]])
    vocab = WordVocab(train)
    chars = CharVocab("".join(w for s in train for w in s) + "zebr")
    torch.manual_seed(0)
    return CharWordTagger(types, vocab, chars, tagset_size=3, embedding_size=6, char_embedding_size=4,
                          char_hidden_size=3, hidden_size=5, use_words=use_words, use_chars=use_chars), types


def test_unknown_words_share_the_unk_embedding_but_not_the_char_embedding():
    tagger, types = _tagger()
    zebra, cat = types.stoi["zebra"], types.stoi["cat"]
    assert tagger.word_of_type[zebra] == 1  # <unk> of the training vocabulary
    e = tagger.embed_types(torch.tensor([zebra, cat]))
    assert e.shape == (2, 6) and not torch.allclose(e[0], e[1])


def test_tagger_logits_ignore_padding_and_shapes_match():
    tagger, types = _tagger()
    tokens = torch.tensor([types.encode(["the", "zebra", "sat"]), types.encode(["a", "dog", "the"])]).T
    with torch.no_grad():
        logits = tagger(tokens, torch.tensor([3, 2]))
        alone = tagger(tokens[:2, 1:], torch.tensor([2]))
    assert logits.shape == (3, 2, 3)
    torch.testing.assert_close(logits[:2, 1], alone[:, 0])


def test_chars_only_tagger_gives_two_unseen_words_different_inputs():
    tagger, types = _tagger(use_words=False)
    tokens = torch.tensor([types.encode(["zebra"]), types.encode(["<unk>"])]).T  # (1, 2)
    with torch.no_grad():
        logits = tagger(tokens)
    assert not torch.allclose(logits[0, 0], logits[0, 1])
    with pytest.raises(ValueError, match="both False"):
        _tagger(use_words=False, use_chars=False)


def test_nearest_words_ranks_by_cosine_similarity():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    result = nearest_words(np.array([[2.0, 0.1]]), vectors, ["x", "y", "xy"], k=2)
    assert [w for w, _ in result[0]] == ["x", "xy"]
    assert result[0][1][1] == pytest.approx((2.0 + 0.1) / (np.hypot(2.0, 0.1) * np.sqrt(2)))
