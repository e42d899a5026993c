"""PyTorch modules written step by step for teaching; each is a drop-in for its ``torch.nn`` twin.

Load a ``torch.nn`` module's ``state_dict`` into the course's module (or the other way
round) and the outputs and gradients agree.
"""

from course_rnn.nn.recurrent import Recurrent
from course_rnn.nn.rnn import RNN, RNNCell, rnn_cell
from course_rnn.nn.lstm import LSTM, LSTMCell, LSTMLayer, lstm_cell
from course_rnn.nn.treelstm import ChildSumTreeLSTM, NaryTreeLSTM
from course_rnn.nn.gru import GRU, GRUCell, GRULayer, gru_cell
