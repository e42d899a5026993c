"""Stores the weights as plain tensors (not nn.Parameter), so an LSTMCell's state_dict cannot load.

expect: lose test_LSTMCellScratch_forward, test_LSTMCellScratch_gradients
"""
# %% LSTMCellScratch
class LSTMCellScratch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        k = 1 / hidden_size ** 0.5
        self.weight_ih = torch.empty(4 * hidden_size, input_size).uniform_(-k, k).requires_grad_()
        self.weight_hh = torch.empty(4 * hidden_size, hidden_size).uniform_(-k, k).requires_grad_()
        self.bias_ih = torch.empty(4 * hidden_size).uniform_(-k, k).requires_grad_()
        self.bias_hh = torch.empty(4 * hidden_size).uniform_(-k, k).requires_grad_()

    def forward(self, x, state=None):
        if state is None:
            state = (torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype),) * 2
        h, c = state
        i, f, g, o = (x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c
