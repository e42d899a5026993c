"""Glue between tagged sentences and the course's taggers: batches, predictions, confusions.

Sentences are ``[(words, tags), ...]`` as :func:`course_rnn.data.load_ud_pos` returns;
``encode`` turns a list of words into a list of ids (e.g. ``vocab.encode``), so the same
functions serve a word vocabulary, words with rare ones replaced, or word types for
:class:`course_rnn.charembed.CharWordTagger`.  Taught in book/tagging.md.
"""

import numpy as np
import torch

from course_rnn.data.batching import pad_batch
from course_rnn.data.ud_pos import UPOS_TAGS


def tagging_batches(sentences, encode, batch_size=32, tagset=UPOS_TAGS):
    """``[(tokens (T, B), lengths (B,), tags (T, B)), ...]``, numpy, in the order of
    ``sentences`` (the ``"tagger"`` task of :func:`course_rnn.train.fit`)."""
    tag_id = {tag: k for k, tag in enumerate(tagset)}
    batches = []
    for start in range(0, len(sentences), batch_size):
        chunk = sentences[start:start + batch_size]
        tokens, _, lengths = pad_batch([encode(words) for words, _ in chunk])
        try:
            tags, _, _ = pad_batch([[tag_id[t] for t in tags] for _, tags in chunk])
        except KeyError as error:
            raise ValueError(f"tag {error.args[0]!r} is not in the tagset {tagset}") from None
        batches.append((tokens, lengths, tags))
    return batches


def predict_tags(model, sentences, encode, tagset=UPOS_TAGS, batch_size=256):
    """The model's most likely tag for every word: a list of tag lists, one per sentence
    (eval mode, no gradients; the model's mode is restored)."""
    was_training = model.training
    model.eval()
    predicted = []
    try:
        with torch.no_grad():
            for tokens, lengths, _ in tagging_batches(sentences, encode, batch_size, tagset):
                best = model(torch.from_numpy(tokens), torch.from_numpy(lengths)).argmax(-1).numpy()
                predicted += [[tagset[k] for k in best[:n, b]] for b, n in enumerate(lengths)]
    finally:
        model.train(was_training)
    return predicted


def confusion_matrix(gold, predicted, tagset=UPOS_TAGS):
    """Counts C (K, K): ``C[i, j]`` tokens whose gold tag is ``tagset[i]`` were tagged
    ``tagset[j]``.  The diagonal over the row sums is the accuracy per gold tag."""
    index = {tag: k for k, tag in enumerate(tagset)}
    C = np.zeros((len(tagset), len(tagset)), dtype=np.int64)
    for (_, tags), guess in zip(gold, predicted, strict=True):
        for t, g in zip(tags, guess, strict=True):
            C[index[t], index[g]] += 1
    return C
