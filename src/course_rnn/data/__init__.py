"""Data for the course, all offline: corpora shipped in the package and generators for the
classic synthetic experiments.

- Corpora (``data/corpora/``, each with its licence note): :func:`load_tinyshakespeare`,
  :func:`load_ud_pos`, :func:`load_polarity`.  Plain Python structures; splits
  ``"train"``, ``"validation"``, ``"test"``; an optional path reads another copy.
- Vocabularies: :class:`CharVocab`, :class:`WordVocab` (``<pad>`` = 0, ``<unk>``, optional
  ``<bos>``/``<eos>``).
- Batching, time-major numpy (``torch.from_numpy`` is the caller's): :func:`batchify`,
  :func:`bptt_windows`, :func:`pad_batch`, :func:`one_hot`, :func:`check_length`.
- Synthetic tasks, each taking a ``numpy.random.Generator``: Elman (1990)
  (:func:`temporal_xor`, :func:`letter_sequence`, :func:`word_stream`,
  :func:`elman_sentences`), :func:`adding_problem`, :func:`copy_task`, the embedded Reber
  grammar (:func:`reber_strings`, :func:`is_reber`, :func:`reber_next_symbols`), and a
  tree task with a known label at every node, ListOps (:func:`generate_listops`,
  :func:`binarize`).
"""

from course_rnn.data.adding import adding_problem
from course_rnn.data.batching import batchify, bptt_windows, check_length, one_hot, pad_batch
from course_rnn.data.copy_task import copy_task, copy_task_baseline
from course_rnn.data.elman import elman_sentences, letter_sequence, temporal_xor, word_stream
from course_rnn.data.listops import binarize, generate_listops
from course_rnn.data.polarity import load_polarity
from course_rnn.data.reber import is_reber, reber_next_symbols, reber_string, reber_strings
from course_rnn.data.shakespeare import load_tinyshakespeare
from course_rnn.data.ud_pos import UPOS_TAGS, load_ud_pos
from course_rnn.data.vocab import CharVocab, WordVocab
