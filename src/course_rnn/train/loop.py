r"""One training loop for language models, taggers and classifiers.

Each step is the four lines every PyTorch loop has, plus the two a recurrent network needs:

.. math::
    L = \tfrac{1}{N}\textstyle\sum_n -\ln p_\theta(y_n \mid \cdot), \qquad
    g = \nabla_\theta L, \qquad
    g \leftarrow g \cdot \min\!\Big(1, \frac{\text{clip}}{\lVert g \rVert_2}\Big), \qquad
    \theta \leftarrow \text{optimizer}(\theta, g)

where :math:`\lVert g \rVert_2` is the global norm over all parameters together (Pascanu et
al. 2013, ``torch.nn.utils.clip_grad_norm_``), and a language model's state is carried
from one window to the next, detached (truncated BPTT).  Validation after every epoch can
stop training early and restore the best weights.
"""

import copy
import math

import torch
from tqdm.auto import tqdm

from course_rnn.progress import hidden
from course_rnn.train.tasks import get_task


class History:
    """What :func:`fit` measured.

    - ``train_loss``, ``grad_norm``: one float per optimizer step (the norm before clipping);
    - ``epochs``: one dict per epoch: ``epoch``, ``step`` (steps done so far),
      ``train_loss`` (mean over the epoch's steps) and the validation metrics prefixed
      ``val_`` (``val_loss``, ``val_perplexity``, ``val_bpc`` or ``val_accuracy``);
    - ``best_epoch`` (of the lowest ``val_loss``, or None), ``stopped_early`` (bool).
    """

    def __init__(self, train_loss=(), grad_norm=(), epochs=(), best_epoch=None, stopped_early=False):
        self.train_loss = list(train_loss)
        self.grad_norm = list(grad_norm)
        self.epochs = [dict(e) for e in epochs]
        self.best_epoch = best_epoch
        self.stopped_early = stopped_early

    @property
    def step(self):
        """Optimizer steps taken so far."""
        return len(self.train_loss)

    @property
    def val_loss(self):
        """The validation loss after each epoch (empty without validation)."""
        return [e["val_loss"] for e in self.epochs if "val_loss" in e]

    def to_dict(self):
        """Plain lists and dicts (for checkpoints and JSON); ``History(**d)`` reads it back."""
        return {"train_loss": list(self.train_loss), "grad_norm": list(self.grad_norm),
                "epochs": [dict(e) for e in self.epochs], "best_epoch": self.best_epoch,
                "stopped_early": self.stopped_early}

    def __repr__(self):
        return f"History(steps={self.step}, epochs={len(self.epochs)}, best_epoch={self.best_epoch})"


def evaluate(model, batches, task="lm"):
    r"""Metrics of ``model`` over all ``batches``, without gradients, in eval mode (no dropout).

    ``loss`` is the mean negative log-likelihood per target in nats, summed over every batch
    and divided once by the total count (so batches of different sizes weigh right).
    Language models also get ``perplexity`` :math:`e^{\text{loss}}` and ``bpc``
    :math:`\text{loss}/\ln 2`, their state carried across the windows as in training;
    taggers (padding ignored) and classifiers get ``accuracy``.  Returns a dict of floats.
    """
    task = get_task(task)
    was_training = model.training
    model.eval()
    nll, count, correct, state = 0.0, 0, 0, None
    try:
        with torch.no_grad():
            for batch in _iterate(batches, "batches"):
                _, batch_nll, n, k, state = task.step(model, batch, state)
                nll, count, correct = nll + batch_nll, count + n, correct + k
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("batches is empty: evaluate needs at least one batch")
    return task.metrics(nll, count, correct)


def fit(model, train_batches, val_batches=None, task="lm", optimizer=None, lr=1e-3, epochs=1,
        max_steps=None, clip=None, patience=None, progress=True, callbacks=(), history=None):
    r"""Train ``model`` and return its :class:`History`.

    - ``train_batches``: a list of batches (see :mod:`course_rnn.train.tasks` for each task's
      format), or a function of no arguments that returns a fresh iterable every epoch
      (to shuffle, or to re-create a generator such as ``bptt_windows``).
    - ``val_batches``: same forms, evaluated after each epoch (:func:`evaluate`).
    - ``task``: ``"lm"``, ``"tagger"``, ``"classifier"``, or a
      :class:`~course_rnn.train.tasks.Task` with its own loss.
    - ``optimizer``: any ``torch.optim`` optimizer; Adam with ``lr`` when None.
    - ``epochs``; ``max_steps`` stops after that many optimizer steps of this call (with
      ``epochs=None``, epochs continue until then); a partial last epoch is validated and
      recorded like the others.
    - ``clip``: the largest global gradient norm (None: no clipping; the norm is recorded
      either way).
    - ``patience``: stop when ``val_loss`` has not improved for that many epochs, then load
      the weights of the best epoch back into ``model``.
    - ``progress``: a tqdm bar with the loss; False hides it.
    - ``callbacks``: functions ``f(event, history)`` called with ``event`` ``"step"`` after
      every step and ``"epoch"`` after every epoch; one that returns True stops training.
    - ``history``: a History to continue (e.g. from :func:`load_checkpoint`).
    """
    task = get_task(task)
    if epochs is None and max_steps is None:
        raise ValueError("give epochs or max_steps (or both); with neither, training never ends")
    for name, value in (("epochs", epochs), ("max_steps", max_steps), ("patience", patience)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{name}={value!r} must be a positive integer or None")
    if clip is not None and not clip > 0:
        raise ValueError(f"clip={clip!r} must be a positive number (the largest gradient norm) or None")
    if patience is not None and val_batches is None:
        raise ValueError("patience needs val_batches: early stopping watches the validation loss")
    if epochs is not None and epochs > 1 and _is_one_shot(train_batches):
        raise ValueError("train_batches is an iterator, which is empty after one epoch; pass a list "
                         "or a function that returns fresh batches (e.g. lambda: bptt_windows(data, T))")
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = optimizer or torch.optim.Adam(params, lr=lr)
    history = history or History()
    max_norm = float("inf") if clip is None else float(clip)
    stopper = _EarlyStopping(model, patience)
    bar = tqdm(total=_total_steps(train_batches, epochs, max_steps), disable=hidden(progress),
               unit="step", dynamic_ncols=True)
    first_step, epoch, stop = history.step, 0, False
    try:
        while not stop and (epochs is None or epoch < epochs):
            epoch += 1
            steps_left = None if max_steps is None else max_steps - (history.step - first_step)
            losses, stop = _train_epoch(model, train_batches, task, optimizer, params, max_norm,
                                        history, bar, callbacks, steps_left)
            record = {"epoch": len(history.epochs) + 1, "step": history.step,
                      "train_loss": sum(losses) / len(losses)}
            if val_batches is not None:
                metrics = evaluate(model, val_batches, task)
                record.update({f"val_{k}": v for k, v in metrics.items()})
                bar.set_postfix(epoch=epoch, val_loss=f"{metrics['loss']:.4f}")
                if stopper.update(metrics["loss"]):
                    history.best_epoch = record["epoch"]
                if stopper.should_stop:
                    history.stopped_early = stop = True
            history.epochs.append(record)
            stop = _any_stops(callbacks, "epoch", history) or stop
    finally:
        bar.close()
    stopper.restore_best()
    return history


def _train_epoch(model, batches, task, optimizer, params, max_norm, history, bar, callbacks, steps_left):
    """One pass over ``batches`` (or fewer steps); returns the step losses and whether to stop."""
    model.train()
    state, losses = None, []  # each epoch reads the stream from the start, from a zero state
    for batch in _iterate(batches, "train_batches"):
        loss, _, _, _, state = task.step(model, batch, state)
        value = loss.item()
        if not math.isfinite(value):
            raise FloatingPointError(f"the loss is {value} at step {history.step + 1}: training "
                                     f"diverged; lower lr or set clip")
        optimizer.zero_grad()
        loss.backward()
        # one global norm over all parameters; with clip=None, max_norm=inf leaves g unchanged
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        optimizer.step()
        history.train_loss.append(value)
        history.grad_norm.append(norm.item())
        losses.append(value)
        bar.update()
        bar.set_postfix(epoch=len(history.epochs) + 1, loss=f"{value:.4f}", refresh=False)
        if _any_stops(callbacks, "step", history) or len(losses) == steps_left:
            return losses, True
    if not losses:
        raise ValueError("train_batches gave no batches in an epoch")
    return losses, False


class _EarlyStopping:
    """Watches the validation loss; with a ``patience``, keeps the best weights to restore."""

    def __init__(self, model, patience):
        self.model, self.patience = model, patience
        self.best_loss, self.best_weights, self.bad_epochs = math.inf, None, 0

    def update(self, loss):
        """Record one epoch's validation loss; True if it is the best so far."""
        if loss < self.best_loss:
            self.best_loss, self.bad_epochs = loss, 0
            if self.patience is not None:
                self.best_weights = copy.deepcopy(self.model.state_dict())
            return True
        self.bad_epochs += 1
        return False

    @property
    def should_stop(self):
        return self.patience is not None and self.bad_epochs >= self.patience

    def restore_best(self):
        if self.best_weights is not None:
            self.model.load_state_dict(self.best_weights)


def _iterate(batches, name):
    source = batches() if callable(batches) else batches
    try:
        return iter(source)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of batches or a function returning one; "
                        f"got {type(source).__name__}") from None


def _is_one_shot(batches):
    return not callable(batches) and iter(batches) is batches


def _total_steps(batches, epochs, max_steps):
    """Steps the bar should expect, when they can be known in advance."""
    per_epoch = None if callable(batches) or not hasattr(batches, "__len__") else len(batches)
    if per_epoch is not None and epochs is not None:
        return per_epoch * epochs if max_steps is None else min(max_steps, per_epoch * epochs)
    return max_steps


def _any_stops(callbacks, event, history):
    # a list, not a generator: every callback sees every event even after one asked to stop
    return any([bool(callback(event, history)) for callback in callbacks])
