r"""course_rnn: the reference package behind the course on recurrent neural networks.

The book (``book/``), the assignments (``solutions/`` -> ``exercises/``) and the grader
all import this one package; nothing is copied between them.

Shape letters, used in every docstring and comment of the package:

====  =====================================================
T     sequence length (time steps)
B     batch size
D     input features per step
H     hidden units
V     vocabulary size
G     gates stacked in one weight matrix (RNN 1, GRU 3, LSTM 4)
J     nodes of a tree or forest, numbered in post-order (Tree-LSTM)
N     most children of a node (N-ary Tree-LSTM)
====  =====================================================

Tensors are time-major like ``torch.nn``: ``x`` is ``(T, B, D)`` and hidden states are
``(T, B, H)``.  Weights use PyTorch's names, layout and gate order so that they copy
across unchanged: ``W_ih (G*H, D)``, ``W_hh (G*H, H)``, ``b_ih (G*H,)``, ``b_hh (G*H,)``;
LSTM rows ``i|f|g|o``, GRU rows ``r|z|n``.

Two families side by side:

- :mod:`course_rnn.scratch`: numpy only, forward and backward passes by hand.
- :mod:`course_rnn.nn`: PyTorch modules written step by step, drop-in for ``torch.nn``.
"""

__version__ = "0.1.0"
