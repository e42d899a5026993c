r"""The tagging experiments of book/tagging.md and book/stacked_bidirectional.md.

- :func:`shape_encoder`: words seen fewer than ``min_count`` times in training become a
  token of their shape (``<unk-capitalised>``, ...), the same rule for every tagger;
- :func:`make_tagger`: an :class:`~course_rnn.models.RNNTagger` of any cell, direction and
  depth, whose recurrent layer is ``torch.nn``'s (its fused CPU kernel is the fastest;
  ``course_rnn.nn`` computes the same function, as book/tagging.md checks);
- :func:`train_tagger`: Adam with gradient clipping, validation after every epoch, the
  weights of the best validation loss kept (early stopping);
- :func:`tagger_runs`: configurations x seeds, each scored on the test set, overall and
  per gold tag (:func:`per_tag_accuracy`); :func:`tagger_grid`: cells x directions;
- :func:`hidden_size_for_parameters`: the hidden size that gives a model a target number
  of parameters (to compare 1 and 2 layers at equal size).
"""

from collections import Counter

import numpy as np
import torch

from course_rnn.baselines import replace_rare_words, tagging_accuracy
from course_rnn.data import UPOS_TAGS, WordVocab
from course_rnn.experiments.sequence_tasks import count_parameters
from course_rnn.models import RNNTagger
from course_rnn.tagging import confusion_matrix, predict_tags, tagging_batches
from course_rnn.train import fit, seed_everything

TORCH_RECURRENT = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def shape_encoder(train, min_count=2):
    """``(vocab, encode, frequent)`` for the training sentences ``[(words, tags), ...]``:
    ``frequent`` is the set of words seen at least ``min_count`` times, ``vocab`` a
    :class:`~course_rnn.data.WordVocab` of those words and the shape tokens, and
    ``encode(words)`` their ids with every other word replaced by its shape token."""
    counts = Counter(w for words, _ in train for w in words)
    frequent = {w for w, c in counts.items() if c >= min_count}
    vocab = WordVocab(replace_rare_words([words for words, _ in train], frequent))

    def encode(words):
        return vocab.encode(replace_rare_words([words], frequent)[0])

    return vocab, encode, frequent


def make_tagger(vocab_size, cell="lstm", bidirectional=False, num_layers=1, hidden_size=64,
                embedding_size=64, dropout=0.0, tagset_size=len(UPOS_TAGS)):
    """An :class:`~course_rnn.models.RNNTagger` with ``torch.nn``'s recurrent layer of the
    same shape (same parameters, same function, faster on a CPU)."""
    model = RNNTagger(vocab_size, tagset_size, embedding_size, hidden_size, num_layers, cell=cell,
                      bidirectional=bidirectional, dropout=dropout)
    model.rnn = TORCH_RECURRENT[cell](embedding_size, hidden_size, num_layers, bidirectional=bidirectional,
                                      dropout=dropout if num_layers > 1 else 0.0)
    return model


def train_tagger(model, train_batches, val_batches, seed, lr=1e-2, max_epochs=3, patience=1, clip=5.0):
    """Adam at ``lr`` for at most ``max_epochs`` epochs over ``train_batches`` (shuffled every
    epoch by ``seed``), stopping when the validation loss has not improved for ``patience``
    epochs; the model ends with the weights of its best validation epoch.  Returns the
    :class:`~course_rnn.train.History`."""
    rng = np.random.default_rng([seed, 7])
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    return fit(model, lambda: [train_batches[i] for i in rng.permutation(len(train_batches))],
               val_batches, task="tagger", optimizer=optimizer, epochs=max_epochs, clip=clip,
               patience=patience, progress=False)


def per_tag_accuracy(gold, predicted, tagset=UPOS_TAGS):
    """Accuracy on the words of each gold tag, (K,) (nan for a tag absent from ``gold``)."""
    C = confusion_matrix(gold, predicted, tagset)
    total = C.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.diag(C) / total, np.nan)


def tagger_runs(train, validation, test, configs, seeds=(0, 1, 2), batch_size=64, lr=1e-2, max_epochs=3,
                known=None, lrs=None):
    """Train one tagger per configuration and seed on ``train`` (rare words as shapes,
    :func:`shape_encoder`), early-stopped on ``validation``, and score it on ``test``.

    ``configs``: ``{name: keyword arguments of make_tagger}`` (without ``vocab_size``).
    ``lrs``: learning rates to choose from, per configuration, on the validation loss of the
    first seed (its run at the chosen rate is kept); without it every model trains at ``lr``.
    Returns ``{name: {"accuracy": (S,), "unknown_accuracy": (S,), "per_tag": (S, K),
    "confusion": (S, K, K) (:func:`~course_rnn.tagging.confusion_matrix`), "epochs": (S,)
    best epochs, "parameters": int, "lr": the rate used, "lr_val_loss": {rate: best
    validation loss of the first seed}}}`` (parameters: the recurrent layer's);
    ``unknown_accuracy`` needs ``known(word)`` (nan without it)."""
    vocab, encode, _ = shape_encoder(train)
    train_batches = tagging_batches(train, encode, batch_size)
    val_batches = tagging_batches(validation, encode, 512)

    def run(config, seed, rate):
        seed_everything(seed)
        model = make_tagger(len(vocab), **config)
        history = train_tagger(model, train_batches, val_batches, seed, lr=rate, max_epochs=max_epochs)
        return model, history

    results = {}
    for name, config in configs.items():
        first = {rate: run(config, seeds[0], rate) for rate in (lrs or (lr,))}
        val_loss = {rate: min(history.val_loss) for rate, (_, history) in first.items()}
        chosen = min(val_loss, key=val_loss.get)
        runs = {"accuracy": [], "unknown_accuracy": [], "per_tag": [], "confusion": [], "epochs": []}
        for seed in seeds:
            model, history = first[chosen] if seed == seeds[0] else run(config, seed, chosen)
            predicted = predict_tags(model, test, encode, batch_size=512)
            scores = tagging_accuracy(test, predicted, known=known)
            runs["accuracy"].append(scores["accuracy"])
            runs["unknown_accuracy"].append(scores.get("unknown_accuracy", float("nan")))
            runs["per_tag"].append(per_tag_accuracy(test, predicted))
            runs["confusion"].append(confusion_matrix(test, predicted))
            runs["epochs"].append(history.best_epoch or len(history.epochs))
        results[name] = {key: np.array(value) for key, value in runs.items()}
        results[name].update(parameters=count_parameters(model.rnn), lr=chosen, lr_val_loss=val_loss)
    return results


def tagger_grid(train, validation, test, cells=("rnn", "lstm"), directions=(False, True), **options):
    """:func:`tagger_runs` over every cell and direction; keys ``(cell, bidirectional)``."""
    configs = {(cell, bidirectional): {"cell": cell, "bidirectional": bidirectional}
               for cell in cells for bidirectional in directions}
    return tagger_runs(train, validation, test, configs, **options)


def hidden_size_for_parameters(target, parameters_of):
    """The hidden size H >= 1 whose ``parameters_of(H)`` (increasing in H) is closest to
    ``target``."""
    low, high = 1, 2
    while parameters_of(high) < target:
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if parameters_of(middle) < target else (low, middle)
    return min((low, high), key=lambda H: abs(parameters_of(H) - target))
