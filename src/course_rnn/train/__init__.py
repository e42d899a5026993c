"""Training and evaluation of the course's models: one loop for language models, taggers and
classifiers, with gradient clipping, early stopping, truncated BPTT, progress bars,
checkpoints and seeds.

.. code-block:: python

    seed_everything(0)
    history = fit(model, train_batches, val_batches, task="lm", clip=5.0, epochs=3)
    evaluate(model, test_batches, task="lm")   # {"loss", "perplexity", "bpc", "accuracy"}
"""

from course_rnn.train.tasks import Classification, LanguageModeling, Tagging, Task, detach_state
from course_rnn.train.loop import History, evaluate, fit
from course_rnn.train.checkpoint import load_checkpoint, rng_states, save_checkpoint, seed_everything, set_rng_states
