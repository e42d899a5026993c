"""Subclasses torch.nn.LSTMCell instead of building the step from tensor operations.

expect: lose test_LSTMCellScratch_forward, test_LSTMCellScratch_gradients
"""
# %% LSTMCellScratch
class LSTMCellScratch(nn.LSTMCell):
    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
