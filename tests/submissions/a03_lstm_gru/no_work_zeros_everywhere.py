"""No work: every numpy function returns zeros of the right shapes; Part E left as released.

expect: lose test_lstm_step_forward, test_lstm_step_backward, test_lstm_step_backward_with_dc, test_lstm_forward, test_lstm_backward_through_time, test_lstm_backward_final_cell_state, test_gru_step_forward, test_gru_step_backward, test_LSTMCellScratch_forward, test_LSTMCellScratch_gradients
"""
# %% lstm_step_forward
def lstm_step_forward(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    return np.zeros_like(h_prev), np.zeros_like(c_prev), np.zeros((x.shape[0], W_hh.shape[0]))
# %% lstm_step_backward
def lstm_step_backward(dh, dc, x, h_prev, c_prev, gates, W_ih, W_hh):
    return tuple(np.zeros_like(a) for a in (x, h_prev, c_prev, W_ih, W_hh)) + (np.zeros(W_ih.shape[0]),)
# %% lstm_forward
def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    T, B = x.shape[:2]
    return np.zeros((T,) + h0.shape), np.zeros((T,) + c0.shape), np.zeros((T, B, W_hh.shape[0]))


def lstm_backward(dhs, dc_last, x, h0, c0, hs, cs, gates, W_ih, W_hh):
    return tuple(np.zeros_like(a) for a in (x, h0, c0, W_ih, W_hh)) + (np.zeros(W_ih.shape[0]),)
# %% gru_step_forward
def gru_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.zeros_like(h_prev), np.zeros((x.shape[0], W_hh.shape[0]))


def gru_step_backward(dh, x, h_prev, gates, W_ih, W_hh):
    return tuple(np.zeros_like(a) for a in (x, h_prev, W_ih, W_hh)) + (np.zeros(W_ih.shape[0]),)
# %% LSTMCellScratch
class LSTMCellScratch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        raise NotImplementedError()

    def forward(self, x, state=None):
        raise NotImplementedError()
