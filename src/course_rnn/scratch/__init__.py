"""Recurrent networks in numpy, forward and backward passes by hand (never imports torch).

Every ``*_forward`` returns its outputs and a cache; the matching ``*_backward`` takes the
upstream gradient and that cache and returns gradients of every input.  Backward never
modifies its inputs.
"""

from course_rnn.scratch.activations import sigmoid
from course_rnn.scratch.rnn import (init_rnn_params, rnn_backward, rnn_forward, rnn_step_backward,
                                    rnn_step_forward)
from course_rnn.scratch.output import log_softmax, output_backward, output_forward
from course_rnn.scratch.lstm import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from course_rnn.scratch.gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from course_rnn.scratch.layers import (CELLS, bidirectional_backward, bidirectional_forward, layer_backward,
                                       layer_forward, params_from_state_dict, stacked_backward,
                                       stacked_forward, state_dict_from_params)
from course_rnn.scratch.truncated import tbptt_chunks, time_chunks, truncated_bptt
from course_rnn.scratch.clip import clip_grad_norm, clip_grad_value
from course_rnn.scratch.treelstm import (child_sum_node_backward, child_sum_node_forward,
                                         child_sum_treelstm_backward, child_sum_treelstm_forward,
                                         init_child_sum_treelstm_params, init_nary_treelstm_params,
                                         nary_node_backward, nary_node_forward, nary_treelstm_backward,
                                         nary_treelstm_forward)
