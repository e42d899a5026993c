r"""The course's models, each a recurrent layer of :mod:`course_rnn.nn` plus a readout.

- :class:`CharLM`: tokens (T, B) and a state -> logits (T, B, V) and the new state;
- :class:`BiLSTMTagger`: tokens (T, B), lengths (B,) -> logits (T, B, K);
- :class:`RNNTagger`: the same with any cell, one or two directions;
- :class:`SequenceClassifier`: tokens (T, B), lengths (B,) -> logits (B, K);
- :class:`TreeLSTMClassifier`: a Forest of trees, word ids (J,) -> logits (number of trees, K).

K is the number of tags or classes.  Padded batches come from
:func:`course_rnn.data.batching.pad_batch` (padding after the end of each sequence);
the recurrent layers read them as a ``PackedSequence``, so a padded step never changes a
state.  :mod:`course_rnn.train` trains them all.
"""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import course_rnn.nn as cnn
from course_rnn.nn.treelstm import ChildSumTreeLSTM, NaryTreeLSTM
from course_rnn.trees import Forest

CELLS = ("rnn", "lstm", "gru")


def recurrent_class(cell):
    """The :mod:`course_rnn.nn` module for ``cell`` in ``"rnn" | "lstm" | "gru"``."""
    names = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
    if cell not in names:
        raise ValueError(f"cell={cell!r} is not a recurrent cell of the course; use one of {CELLS}")
    if not hasattr(cnn, names[cell]):
        raise ImportError(f"course_rnn.nn has no {names[cell]} yet; use another cell, e.g. cell='lstm'")
    return getattr(cnn, names[cell])


def _check_tokens(tokens, name="tokens"):
    if not isinstance(tokens, torch.Tensor) or tokens.dim() != 2 or tokens.is_floating_point():
        shape = tuple(tokens.shape) if hasattr(tokens, "shape") else type(tokens).__name__
        raise ValueError(f"{name} must be an integer tensor of shape (T, B) (time-major ids); got "
                         f"{shape}; convert a numpy batch with torch.from_numpy")


def _lengths_or_full(tokens, lengths):
    """lengths (B,) int64 on the CPU (what packing wants); all T when None."""
    T, B = tokens.shape
    if lengths is None:
        return torch.full((B,), T, dtype=torch.int64)
    lengths = torch.as_tensor(lengths, dtype=torch.int64).cpu()
    if lengths.shape != (B,) or lengths.min() < 1 or lengths.max() > T:
        raise ValueError(f"lengths must be (B,) = ({B},) integers in 1..T = 1..{T}; got "
                         f"{lengths.tolist()}")
    return lengths


class CharLM(nn.Module):
    r"""A character (or word) language model: predict token t+1 from tokens 0..t.

    .. math::
        x_t = E[\text{token}_t] \text{ (or one-hot)}, \qquad
        h_t = \text{cell}(x_t, h_{t-1}), \qquad
        \text{logits}_t = h_t W_{hy}^T + b_y, \qquad
        p(\text{token}_{t+1} \mid \text{token}_{\le t}) = \mathrm{softmax}(\text{logits}_t)

    ``CharLM(vocab_size, hidden_size=128, num_layers=1, cell="lstm", dropout=0.0,
    embedding_size=None)``: V = ``vocab_size``; ``embedding_size=None`` feeds one-hot
    vectors (D = V, as in min-char-rnn), an integer E learns an embedding table (V, E).
    ``dropout`` acts on the layer's input and output and between stacked layers.

    ``logits, state = lm(tokens, state=None)``: tokens (T, B) ids, logits (T, B, V); state as
    the recurrent layer returns it (``h_n`` (L, B, H), for an LSTM ``(h_n, c_n)``), to pass
    back in for the next window.  This is the contract of :mod:`course_rnn.sampling`.

    The output weights start small (std 0.01, bias 0, as in min-char-rnn), so the first
    prediction is nearly uniform and the first loss is close to :math:`\ln V` per token.
    """

    def __init__(self, vocab_size, hidden_size=128, num_layers=1, cell="lstm", dropout=0.0,
                 embedding_size=None):
        super().__init__()
        for name, value in (("vocab_size", vocab_size), ("hidden_size", hidden_size),
                            ("num_layers", num_layers)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} must be a positive integer")
        if embedding_size is not None and (not isinstance(embedding_size, int) or embedding_size < 1):
            raise ValueError(f"embedding_size={embedding_size!r} must be a positive integer, or None "
                             f"for one-hot inputs")
        self.vocab_size, self.cell = vocab_size, cell
        self.embedding = None if embedding_size is None else nn.Embedding(vocab_size, embedding_size)
        D = vocab_size if embedding_size is None else embedding_size
        self.rnn = recurrent_class(cell)(D, hidden_size, num_layers,
                                         dropout=dropout if num_layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.decoder = nn.Linear(hidden_size, vocab_size)  # W_hy (V, H), b_y (V,)
        nn.init.normal_(self.decoder.weight, std=0.01)
        nn.init.zeros_(self.decoder.bias)

    def embed(self, tokens):
        """tokens (T, B) -> x (T, B, D): an embedding lookup, or one-hot rows when D = V."""
        if self.embedding is not None:
            return self.embedding(tokens)
        return nn.functional.one_hot(tokens, self.vocab_size).to(self.decoder.weight.dtype)

    def forward(self, tokens, state=None):
        _check_tokens(tokens)
        x = self.drop(self.embed(tokens))   # (T, B, D)
        hs, state = self.rnn(x, state)      # (T, B, H)
        logits = self.decoder(self.drop(hs))  # (T, B, V)
        return logits, state


class BiLSTMTagger(nn.Module):
    r"""A tag for every token from a bidirectional LSTM (e.g. part-of-speech tagging).

    .. math::
        \overrightarrow{h}_t = \mathrm{LSTM}(x_t, \overrightarrow{h}_{t-1}), \quad
        \overleftarrow{h}_t = \mathrm{LSTM}'(x_t, \overleftarrow{h}_{t+1}), \quad
        \text{logits}_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t] W^T + b

    ``BiLSTMTagger(vocab_size, tagset_size, embedding_size=64, hidden_size=64,
    num_layers=1, dropout=0.0, pad_id=0)``; ``logits = tagger(tokens, lengths=None)`` with
    tokens (T, B), lengths (B,) (all T when None), logits (T, B, K).  The backward direction
    of sequence b starts at its last real token ``lengths[b] - 1``, not at the padding, so
    the logits at real tokens do not depend on what the padding holds.
    """

    def __init__(self, vocab_size, tagset_size, embedding_size=64, hidden_size=64, num_layers=1,
                 dropout=0.0, pad_id=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=pad_id)
        self.lstm = cnn.LSTM(embedding_size, hidden_size, num_layers, bidirectional=True,
                             dropout=dropout if num_layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(2 * hidden_size, tagset_size)

    def forward(self, tokens, lengths=None):
        _check_tokens(tokens)
        T = tokens.shape[0]
        lengths = _lengths_or_full(tokens, lengths)
        x = self.drop(self.embedding(tokens))  # (T, B, E)
        packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
        hs, _ = self.lstm(packed)
        hs, _ = pad_packed_sequence(hs, total_length=T)  # (T, B, 2H), zeros at the padding
        return self.out(self.drop(hs))  # (T, B, K)


class RNNTagger(nn.Module):
    r"""A tag for every token from any recurrent layer, one softmax per token (SLP3 Fig. 9.8).

    .. math::
        e_t = E[w_t], \qquad h_t = \text{cell}(e_t, h_{t-1}), \qquad
        \text{logits}_t = h_t W^T + b, \qquad \hat y_t = \mathrm{softmax}(\text{logits}_t)

    ``RNNTagger(vocab_size, tagset_size, embedding_size=64, hidden_size=64, num_layers=1,
    cell="rnn", bidirectional=False, dropout=0.0, pad_id=0)``; ``logits = tagger(tokens,
    lengths=None)`` with tokens (T, B), lengths (B,), logits (T, B, K).  Unidirectional, the
    tag of token t depends on tokens 0..t only; ``bidirectional=True`` concatenates a
    backward layer's :math:`\overleftarrow{h}_t`, which has read tokens t..end
    (with ``cell="lstm"`` that is :class:`BiLSTMTagger`).
    """

    def __init__(self, vocab_size, tagset_size, embedding_size=64, hidden_size=64, num_layers=1,
                 cell="rnn", bidirectional=False, dropout=0.0, pad_id=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=pad_id)
        self.rnn = recurrent_class(cell)(embedding_size, hidden_size, num_layers,
                                         bidirectional=bidirectional,
                                         dropout=dropout if num_layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear((2 if bidirectional else 1) * hidden_size, tagset_size)

    def forward(self, tokens, lengths=None):
        _check_tokens(tokens)
        T = tokens.shape[0]
        lengths = _lengths_or_full(tokens, lengths)
        x = self.drop(self.embedding(tokens))  # (T, B, E)
        hs, _ = self.rnn(pack_padded_sequence(x, lengths, enforce_sorted=False))
        hs, _ = pad_packed_sequence(hs, total_length=T)  # (T, B, directions * H)
        return self.out(self.drop(hs))  # (T, B, K)


class SequenceClassifier(nn.Module):
    r"""One class per sequence from the recurrent layer's final state (e.g. sentiment).

    .. math::
        h_T = \text{cell}(x_T, h_{T-1}) \text{ at the last real token}, \qquad
        \text{logits} = \tanh(h_T W_1^T + b_1) W_2^T + b_2

    ``SequenceClassifier(vocab_size, num_classes, embedding_size=64, hidden_size=64,
    num_layers=1, cell="lstm", bidirectional=False, dropout=0.0, pad_id=0)``;
    ``logits = clf(tokens, lengths=None)`` with tokens (T, B), lengths (B,), logits (B, K).
    For a padded batch, :math:`h_T` of sequence b is its state after token ``lengths[b] - 1``
    (the packed sequence stops there); bidirectional concatenates the top layer's forward
    final state with the backward one (which has read the whole sequence back to t = 0).
    """

    def __init__(self, vocab_size, num_classes, embedding_size=64, hidden_size=64, num_layers=1,
                 cell="lstm", bidirectional=False, dropout=0.0, pad_id=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=pad_id)
        self.rnn = recurrent_class(cell)(embedding_size, hidden_size, num_layers,
                                         bidirectional=bidirectional,
                                         dropout=dropout if num_layers > 1 else 0.0)
        self.directions = 2 if bidirectional else 1
        F = self.directions * hidden_size
        self.feedforward = nn.Sequential(nn.Dropout(dropout), nn.Linear(F, F), nn.Tanh(),
                                         nn.Linear(F, num_classes))

    def final_state(self, tokens, lengths=None):
        """h at each sequence's last real token, top layer: (B, num_directions * H)."""
        _check_tokens(tokens)
        lengths = _lengths_or_full(tokens, lengths)
        x = self.embedding(tokens)  # (T, B, E)
        _, state = self.rnn(pack_padded_sequence(x, lengths, enforce_sorted=False))
        h_n = state[0] if isinstance(state, tuple) else state  # (L * directions, B, H)
        return torch.cat(list(h_n[-self.directions:]), dim=1)

    def forward(self, tokens, lengths=None):
        return self.feedforward(self.final_state(tokens, lengths))  # (B, K)


class TreeLSTMClassifier(nn.Module):
    r"""One class per tree from its root's hidden state, through a Tree-LSTM (Tai et al. 2015).

    .. math::
        h_j, c_j = \text{Tree-LSTM}(x_j, \{h_k, c_k\}_{k \in C(j)}), \qquad
        \text{logits} = h_{\text{root}} W^T + b

    ``TreeLSTMClassifier(vocab_size, num_classes, embedding_size=64, hidden_size=64,
    kind="child_sum" | "nary", n_ary=2, pad_id=0)``.  ``logits = clf(forest, word_ids)``: a
    :class:`~course_rnn.trees.Forest` (or a Tree, or a list of Trees) with J nodes and the
    word id of every node in the forest's post-order, ``word_ids (J,)`` (``pad_id`` where a
    node has no word: its input is then a row of zeros; :func:`forest_word_ids` makes them).
    logits: (number of trees, K).  With :mod:`course_rnn.train`, a batch is
    ``(forest, word_ids, labels)`` and the task ``"classifier"``.
    """

    def __init__(self, vocab_size, num_classes, embedding_size=64, hidden_size=64, kind="child_sum",
                 n_ary=2, pad_id=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=pad_id)
        if kind == "child_sum":
            self.tree_lstm = ChildSumTreeLSTM(embedding_size, hidden_size)
        elif kind == "nary":
            self.tree_lstm = NaryTreeLSTM(embedding_size, hidden_size, n_ary)
        else:
            raise ValueError(f"kind={kind!r} must be 'child_sum' or 'nary'")
        self.out = nn.Linear(hidden_size, num_classes)

    def forward(self, forest, word_ids):
        if not isinstance(forest, Forest):
            forest = Forest(forest)
        x = self.embedding(torch.as_tensor(word_ids, dtype=torch.int64))  # (J, E)
        h, _ = self.tree_lstm(x, forest)  # (J, H)
        roots = torch.as_tensor(forest.roots)
        return self.out(h[roots])  # (number of trees, K)


def forest_word_ids(forest, vocab):
    """The word id of every node of ``forest`` in post-order, (J,) int64; ``vocab.pad_id``
    (its input embedding is zero) where a node has no word."""
    forest = forest if isinstance(forest, Forest) else Forest(forest)
    if vocab.pad_id is None:
        raise ValueError("vocab needs a <pad> token for the nodes without a word; build it with pad=True")
    ids = [vocab.pad_id if word is None else vocab.encode([word])[0] for word in forest.words]
    return torch.tensor(ids, dtype=torch.int64)
