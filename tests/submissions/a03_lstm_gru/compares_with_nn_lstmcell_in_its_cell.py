"""Part E: LSTMCellScratch is built from tensor operations, and below the class, in the same cell, the student compares it once with torch.nn.LSTMCell, which the Rules do not allow in that cell (its values are right, so plain nbgrader gives full marks; course-rnn sees the forbidden layer and zeroes Part E).

expect: full
expect-forbidden: LSTMCellScratch
"""
# %% LSTMCellScratch
class LSTMCellScratch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        k = 1.0 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size).uniform_(-k, k))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size).uniform_(-k, k))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-k, k))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-k, k))

    def forward(self, x, state=None):
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_size)
            state = (zeros, zeros)
        h, c = state
        a = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = a.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c


# my own check, outside the class: same weights as torch's cell, same output?
_reference = nn.LSTMCell(3, 4)
_mine = LSTMCellScratch(3, 4)
_mine.load_state_dict(_reference.state_dict())
_x = torch.randn(2, 3)
assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(_mine(_x), _reference(_x)))
