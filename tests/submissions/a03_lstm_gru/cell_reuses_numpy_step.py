"""Reuses the numpy lstm_step_forward of Part A inside forward: right values, but autograd sees no graph.

expect: lose test_LSTMCellScratch_gradients
"""
# %% LSTMCellScratch
class LSTMCellScratch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        bound = 1 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size).uniform_(-bound, bound))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-bound, bound))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-bound, bound))

    def forward(self, x, state=None):
        B = x.shape[0]
        if state is None:
            state = (torch.zeros(B, self.hidden_size, dtype=x.dtype), torch.zeros(B, self.hidden_size, dtype=x.dtype))
        arrays = [t.detach().numpy() for t in (x, *state, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)]
        h, c, _ = lstm_step_forward(*arrays)
        return torch.from_numpy(h), torch.from_numpy(c)
