"""Vocabularies: the map between tokens (characters or words) and integer ids 0..V-1.

Special tokens come first, in this order when present: ``<pad>`` (id 0), ``<unk>``,
``<bos>``, ``<eos>``.  Padding is id 0 so that a zero-initialised batch is all padding.
"""

from collections import Counter

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"


class Vocab:
    """Tokens <-> ids.  Use :class:`CharVocab` or :class:`WordVocab`, which only differ in
    what a "token" is and how the regular tokens are ordered.

    Keeps the tokens seen at least ``min_freq`` times; ``max_size`` caps ``len(vocab)``
    (specials included) by dropping the rarest tokens.  With ``unk=True`` an unseen token
    encodes as ``<unk>``; with ``unk=False`` it raises KeyError.
    """

    def __init__(self, counts, min_freq=1, max_size=None, pad=True, unk=True, bos_eos=False):
        if not isinstance(min_freq, int) or min_freq < 1:
            raise ValueError(f"min_freq={min_freq!r} must be an integer >= 1")
        specials = [PAD] * pad + [UNK] * unk + [BOS, EOS] * bos_eos
        if max_size is not None and (not isinstance(max_size, int) or max_size <= len(specials)):
            raise ValueError(f"max_size={max_size!r} must be an integer larger than the "
                             f"{len(specials)} special tokens {specials}, or None for no cap")
        # most frequent first, ties broken by the token itself, so the order is reproducible
        kept = sorted((t for t, c in counts.items() if c >= min_freq),
                      key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[:max_size - len(specials)]
        self.itos = specials + self._order(kept)
        self.stoi = {token: i for i, token in enumerate(self.itos)}
        self.pad_id, self.unk_id = self.stoi.get(PAD), self.stoi.get(UNK)
        self.bos_id, self.eos_id = self.stoi.get(BOS), self.stoi.get(EOS)

    def _order(self, kept):
        return kept

    def __len__(self):
        return len(self.itos)

    def __contains__(self, token):
        return token in self.stoi

    def __repr__(self):
        return f"{type(self).__name__}(V={len(self)}, first={self.itos[:8]})"

    def encode(self, tokens, add_bos_eos=False):
        """A list of ids, one per token (``<bos>`` ... ``<eos>`` around them if asked)."""
        ids = [self._id(token) for token in tokens]
        if add_bos_eos:
            if self.bos_id is None:
                raise ValueError("add_bos_eos=True needs a vocabulary built with bos_eos=True")
            ids = [self.bos_id] + ids + [self.eos_id]
        return ids

    def decode(self, ids):
        """The list of tokens for ``ids`` (any iterable of ints, e.g. a 1-D array)."""
        V = len(self.itos)
        out = []
        for i in ids:
            if not 0 <= int(i) < V:
                raise IndexError(f"id {int(i)} is outside this vocabulary (V={V}, ids 0..{V - 1})")
            out.append(self.itos[int(i)])
        return out

    def _id(self, token):
        if token in self.stoi:
            return self.stoi[token]
        if self.unk_id is None:
            raise KeyError(f"token {token!r} is not in the vocabulary and it has no <unk>; "
                           f"build it with unk=True or from text that contains {token!r}")
        return self.unk_id


class CharVocab(Vocab):
    """Characters of ``text``, regular characters sorted by code point (like char-rnn).

    For the 65 characters of tiny Shakespeare and no specials:
    ``CharVocab(text, pad=False, unk=False)`` has V = 65.  ``decode`` returns a str.
    """

    def __init__(self, text, min_freq=1, max_size=None, pad=True, unk=True, bos_eos=False):
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        super().__init__(Counter(text), min_freq, max_size, pad, unk, bos_eos)

    def _order(self, kept):
        return sorted(kept)

    def decode(self, ids):
        return "".join(super().decode(ids))


class WordVocab(Vocab):
    """Words from an iterable of token lists (sentences), most frequent first.

    ``WordVocab([["the", "cat"], ["the", "dog"]])`` -> ``<pad> <unk> the cat dog``.
    ``decode`` returns a list of words.
    """

    def __init__(self, sentences, min_freq=1, max_size=None, pad=True, unk=True, bos_eos=False):
        counts = Counter()
        for sentence in sentences:
            if isinstance(sentence, str):
                raise TypeError("sentences must be lists of words, e.g. [line.split() for line in "
                                "lines]; got a str (its characters would become the words)")
            counts.update(sentence)
        super().__init__(counts, min_freq, max_size, pad, unk, bos_eos)
