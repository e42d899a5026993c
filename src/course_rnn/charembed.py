r"""Word embeddings built from characters by a bidirectional LSTM (Ling et al. 2015; SLP3 Fig. 9.16).

A word :math:`w = c_1 \dots c_n` is read by a character BiLSTM; its embedding is the
forward state after the last character concatenated with the backward state after the
first (the backward LSTM reads :math:`c_n` first):

.. math::
    \overrightarrow{s}_i = \mathrm{LSTM}(E_c[c_i], \overrightarrow{s}_{i-1}), \qquad
    \overleftarrow{s}_i = \mathrm{LSTM}'(E_c[c_i], \overleftarrow{s}_{i+1}), \qquad
    e(w) = [\overrightarrow{s}_n ; \overleftarrow{s}_1] \in \mathbb{R}^{2H_c}

Every string has one, so a word never seen in training still gets an embedding from its
spelling.  (Ling et al. combine the two states with a linear layer; the concatenation is the
form SLP3 draws, and a linear layer follows in the tagger anyway.)

- :func:`spell`: words -> padded character ids (T_c, N) and lengths (N,);
- :class:`CharBiLSTMEmbedding`: char ids (T_c, N), lengths -> e(w) (N, 2 H_c);
- :class:`CharWordTagger`: a BiLSTM tagger whose input is the word's own embedding (``<unk>``
  for words not in the training vocabulary) and/or e(w);
- :func:`nearest_words`: cosine nearest neighbours among a list of embeddings.

Taught in book/stacked_bidirectional.md.
"""

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import course_rnn.nn as cnn
from course_rnn.data.batching import pad_batch


def spell(words, char_vocab):
    """Character ids of ``words``, time-major: ``(char_ids (T_c, N) int64, lengths (N,) int64)``
    with T_c the longest word; padding is ``char_vocab.pad_id`` (unknown characters encode as
    ``<unk>``)."""
    if isinstance(words, str):
        raise TypeError("words must be a list of words; got a str (spell([word]) for one word)")
    if char_vocab.pad_id is None:
        raise ValueError("char_vocab needs a <pad> token; build it with CharVocab(text, pad=True)")
    ids, _, lengths = pad_batch([char_vocab.encode(w) for w in words], pad_id=char_vocab.pad_id)
    return ids, lengths


class CharBiLSTMEmbedding(nn.Module):
    r"""e(w) = [forward state after the last character ; backward state after the first].

    ``CharBiLSTMEmbedding(char_vocab_size, char_embedding_size=16, hidden_size=32, pad_id=0)``;
    ``e = embed(char_ids, lengths)`` with char_ids (T_c, N), lengths (N,), e (N, 2H).
    Padding never reaches a state: the characters are packed by length.
    """

    def __init__(self, char_vocab_size, char_embedding_size=16, hidden_size=32, pad_id=0):
        super().__init__()
        self.embedding = nn.Embedding(char_vocab_size, char_embedding_size, padding_idx=pad_id)
        self.lstm = cnn.LSTM(char_embedding_size, hidden_size, bidirectional=True)
        self.size = 2 * hidden_size

    def forward(self, char_ids, lengths):
        char_ids = torch.as_tensor(char_ids)
        lengths = torch.as_tensor(lengths, dtype=torch.int64).cpu()
        x = self.embedding(char_ids)  # (T_c, N, C)
        _, (h_n, _) = self.lstm(pack_padded_sequence(x, lengths, enforce_sorted=False))
        return torch.cat([h_n[0], h_n[1]], dim=1)  # (N, 2H): forward final, backward final


class CharWordTagger(nn.Module):
    r"""A BiLSTM tagger reading, for each token, its word embedding and/or e(w) from characters.

    .. math::
        x_t = [E_w[\operatorname{id}(w_t)] ; e(w_t)], \qquad
        \text{logits}_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t] W^T + b

    Tokens are ids of *word types* in ``types`` (a :class:`~course_rnn.data.WordVocab` over
    every sentence the tagger will read, test sentences included: only their spellings are
    used, never their tags).  ``word_vocab`` is the training vocabulary: a type it does not
    contain gets ``<unk>``'s embedding, exactly as in a word-only tagger, while e(w) still
    sees its spelling.  ``use_words`` / ``use_chars`` switch either input off.

    ``CharWordTagger(types, word_vocab, char_vocab, tagset_size, embedding_size=64,
    char_embedding_size=16, char_hidden_size=32, hidden_size=64, use_words=True,
    use_chars=True)``; ``logits = tagger(tokens (T, B), lengths (B,))`` -> (T, B, K).
    """

    def __init__(self, types, word_vocab, char_vocab, tagset_size, embedding_size=64,
                 char_embedding_size=16, char_hidden_size=32, hidden_size=64, use_words=True,
                 use_chars=True):
        super().__init__()
        if not (use_words or use_chars):
            raise ValueError("use_words and use_chars are both False: the tagger would read nothing")
        if types.pad_id != 0 or word_vocab.pad_id != 0 or word_vocab.unk_id is None:
            raise ValueError("types and word_vocab need <pad> = 0, and word_vocab an <unk>: build them "
                             "with WordVocab(sentences) (the defaults)")
        self.use_words, self.use_chars = use_words, use_chars
        words = list(types.itos)
        # the word-embedding row of every type: its training id, <unk> if training never saw it
        self.register_buffer("word_of_type", torch.tensor(word_vocab.encode(words)), persistent=False)
        char_ids, lengths = spell(words, char_vocab)
        self.register_buffer("char_ids", torch.from_numpy(char_ids), persistent=False)
        self.register_buffer("char_lengths", torch.from_numpy(lengths), persistent=False)
        D = 0
        if use_words:
            self.word_embedding = nn.Embedding(len(word_vocab), embedding_size, padding_idx=0)
            D += embedding_size
        if use_chars:
            self.char_embedding = CharBiLSTMEmbedding(len(char_vocab), char_embedding_size,
                                                      char_hidden_size, pad_id=char_vocab.pad_id)
            D += self.char_embedding.size
        self.lstm = cnn.LSTM(D, hidden_size, bidirectional=True)
        self.out = nn.Linear(2 * hidden_size, tagset_size)

    def embed_types(self, type_ids):
        """e(w) (N, 2 H_c) for the word types ``type_ids`` (N,)."""
        type_ids = torch.as_tensor(type_ids, dtype=torch.int64)
        lengths = self.char_lengths[type_ids]
        char_ids = self.char_ids[:int(lengths.max()), type_ids]
        return self.char_embedding(char_ids, lengths)

    def forward(self, tokens, lengths=None):
        T, B = tokens.shape
        lengths = torch.full((B,), T) if lengths is None else torch.as_tensor(lengths).cpu()
        parts = []
        if self.use_words:
            parts.append(self.word_embedding(self.word_of_type[tokens]))  # (T, B, E)
        if self.use_chars:
            # each distinct word of the batch is spelled once, then looked up per token
            present, where = torch.unique(tokens, return_inverse=True)
            parts.append(self.embed_types(present)[where])  # (T, B, 2 H_c)
        x = torch.cat(parts, dim=2)
        hs, _ = self.lstm(pack_padded_sequence(x, lengths, enforce_sorted=False))
        hs, _ = pad_packed_sequence(hs, total_length=T)  # (T, B, 2H)
        return self.out(hs)  # (T, B, K)


def nearest_words(queries, vectors, words, k=5):
    r"""For each row of ``queries`` (Q, D), the ``k`` words whose ``vectors`` (N, D) have the
    highest cosine similarity :math:`\frac{q \cdot v}{\lVert q \rVert \lVert v \rVert}`.

    Returns a list of Q lists of (word, similarity) pairs, most similar first.
    """
    q = np.asarray(queries, dtype=np.float64)
    v = np.asarray(vectors, dtype=np.float64)
    if q.ndim != 2 or v.ndim != 2 or q.shape[1] != v.shape[1]:
        raise ValueError(f"queries (Q, D) and vectors (N, D) must share D; got {q.shape} and {v.shape}")
    if len(words) != len(v):
        raise ValueError(f"words has {len(words)} entries for {len(v)} vectors")
    q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    similarity = q @ v.T  # (Q, N)
    best = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
    return [[(words[j], float(similarity[i, j])) for j in row] for i, row in enumerate(best)]
