r"""Text generation for any model that gives next-token logits and a state.

The interface to a model is one **step function** ``step(token, state) -> (logits, state)``
(logits (V,), numpy or torch; state opaque, None at the start, never modified in place).
:class:`TorchStepper` and :func:`scratch_stepper` make one from a PyTorch or a numpy model.

- On one logits vector (pure functions): :func:`softmax`, :func:`log_softmax`,
  :func:`apply_temperature`, :func:`top_k_filter`, :func:`top_p_filter`,
  :func:`sample_from_logits` (temperature -> top-k -> top-p -> softmax -> draw).
- On sequences: :func:`feed` (prime the state), :func:`greedy`, :func:`sample`,
  :func:`beam_search`, and :func:`generate`, which dispatches on ``strategy``.

Randomness is explicit: ``rng`` is an int seed, a ``numpy.random.Generator`` or a
``torch.Generator``, never the global random state.  ``temperature`` must be > 0; its limit
0 is greedy decoding, asked for by name (:func:`greedy`, ``strategy="greedy"``).
"""

from course_rnn.sampling.logits import (apply_temperature, as_rng, log_softmax, sample_from_logits,
                                        softmax, top_k_filter, top_p_filter)
from course_rnn.sampling.decode import feed, greedy, sample
from course_rnn.sampling.beam import beam_search
from course_rnn.sampling.generation import STRATEGIES, generate
from course_rnn.sampling.steppers import TorchStepper, scratch_stepper
