"""Recurrent networks in numpy, forward and backward passes by hand (never imports torch).

Every ``*_forward`` returns its outputs and a cache; the matching ``*_backward`` takes the
upstream gradient and that cache and returns gradients of every input.  Backward never
modifies its inputs.
"""

from course_rnn.scratch.activations import sigmoid
from course_rnn.scratch.rnn import (init_rnn_params, rnn_backward, rnn_forward, rnn_step_backward,
                                    rnn_step_forward)
