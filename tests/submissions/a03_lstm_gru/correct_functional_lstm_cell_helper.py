"""Correct: Part E written as a functional core, a plain function lstm_cell(x, h, c, weights...) built from torch operations, wrapped by the module (nothing of torch.nn's recurrent layers is used); Parts A to D as the reference but with the step state carried in one (2, B, H) array and a while loop in BPTT.

expect: full
"""
# %% lstm_step_forward
def lstm_step_forward(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    a = np.matmul(x, W_ih.T) + np.matmul(h_prev, W_hh.T) + b_ih + b_hh
    i, f, g, o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    c = f * c_prev + i * g
    return o * np.tanh(c), c, np.concatenate([i, f, g, o], axis=1)

# %% lstm_forward
def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    state = np.stack([h0, c0])            # (2, B, H): h and c travel together
    out = {"h": [], "c": [], "g": []}
    for x_t in x:
        h, c, g = lstm_step_forward(x_t, state[0], state[1], W_ih, W_hh, b_ih, b_hh)
        state = np.stack([h, c])
        out["h"].append(h)
        out["c"].append(c)
        out["g"].append(g)
    return np.stack(out["h"]), np.stack(out["c"]), np.stack(out["g"])


def lstm_backward(dhs, dc_last, x, h0, c0, hs, cs, gates, W_ih, W_hh):
    T = x.shape[0]
    h_before = np.concatenate([h0[np.newaxis], hs[:-1]], axis=0)
    c_before = np.concatenate([c0[np.newaxis], cs[:-1]], axis=0)
    dx = np.empty_like(x)
    totals = [np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros(W_ih.shape[0])]
    carry = np.stack([np.zeros_like(h0), dc_last])   # (dh, dc) sent back to the step before
    t = T
    while t > 0:
        t -= 1
        dx[t], dh_prev, dc_prev, *weights = lstm_step_backward(dhs[t] + carry[0], carry[1], x[t], h_before[t],
                                                               c_before[t], gates[t], W_ih, W_hh)
        totals = [s + w for s, w in zip(totals, weights)]
        carry = np.stack([dh_prev, dc_prev])
    return (dx, carry[0], carry[1], *totals)

# %% LSTMCellScratch
def lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """One LSTM step from torch operations (gate order i|f|g|o)."""
    a = x @ weight_ih.t() + bias_ih + h @ weight_hh.t() + bias_hh
    i, f, g, o = a.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


class LSTMCellScratch(nn.Module):
    """An LSTM cell module around the functional lstm_cell above."""

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
        return lstm_cell(x, state[0], state[1], self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
