"""Correct: preallocated arrays, index slices instead of np.split, its own sigmoid, F.linear in PyTorch.

expect: full
"""
# %% lstm_step_forward
def lstm_step_forward(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    pre = x @ W_ih.T + h_prev @ W_hh.T + (b_ih + b_hh)
    gates = np.empty_like(pre)
    gates[:, :2 * H] = 1.0 / (1.0 + np.exp(-pre[:, :2 * H]))
    gates[:, 2 * H:3 * H] = np.tanh(pre[:, 2 * H:3 * H])
    gates[:, 3 * H:] = 1.0 / (1.0 + np.exp(-pre[:, 3 * H:]))
    c_next = gates[:, H:2 * H] * c_prev + gates[:, :H] * gates[:, 2 * H:3 * H]
    h_next = gates[:, 3 * H:] * np.tanh(c_next)
    return h_next, c_next, gates

# %% lstm_step_backward
def lstm_step_backward(dh, dc, x, h_prev, c_prev, gates, W_ih, W_hh):
    H = h_prev.shape[1]
    i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
    c = f * c_prev + i * g
    tc = np.tanh(c)
    dc = dc + dh * o * (1.0 - tc * tc)
    dpre = np.empty_like(gates)
    dpre[:, :H] = dc * g * i * (1.0 - i)
    dpre[:, H:2 * H] = dc * c_prev * f * (1.0 - f)
    dpre[:, 2 * H:3 * H] = dc * i * (1.0 - g * g)
    dpre[:, 3 * H:] = dh * tc * o * (1.0 - o)
    dx = dpre @ W_ih
    dh_prev = dpre @ W_hh
    dW_ih = np.einsum("bk,bd->kd", dpre, x)
    dW_hh = np.einsum("bk,bh->kh", dpre, h_prev)
    return dx, dh_prev, f * dc, dW_ih, dW_hh, dpre.sum(0)

# %% lstm_forward
def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    T, B, _ = x.shape
    H = h0.shape[1]
    hs, cs, gs = np.empty((T, B, H)), np.empty((T, B, H)), np.empty((T, B, 4 * H))
    for t in range(T):
        hs[t], cs[t], gs[t] = lstm_step_forward(x[t], hs[t - 1] if t else h0, cs[t - 1] if t else c0,
                                                W_ih, W_hh, b_ih, b_hh)
    return hs, cs, gs


def lstm_backward(dhs, dc_last, x, h0, c0, hs, cs, gates, W_ih, W_hh):
    T = x.shape[0]
    hs_prev = np.concatenate([h0[None], hs[:-1]])
    cs_prev = np.concatenate([c0[None], cs[:-1]])
    dx = np.empty_like(x)
    dW_ih, dW_hh, db = 0.0, 0.0, 0.0
    dh, dc = np.zeros_like(h0), dc_last.copy()
    for t in range(T - 1, -1, -1):
        dx[t], dh, dc, gi, gh, gb = lstm_step_backward(dhs[t] + dh, dc, x[t], hs_prev[t], cs_prev[t],
                                                       gates[t], W_ih, W_hh)
        dW_ih = dW_ih + gi
        dW_hh = dW_hh + gh
        db = db + gb
    return dx, dh, dc, dW_ih, dW_hh, db

# %% gru_step_forward
def gru_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    b = b_ih + b_hh
    rz = 1.0 / (1.0 + np.exp(-(x @ W_ih[:2 * H].T + h_prev @ W_hh[:2 * H].T + b[:2 * H])))
    r, z = rz[:, :H], rz[:, H:]
    n = np.tanh(x @ W_ih[2 * H:].T + (r * h_prev) @ W_hh[2 * H:].T + b[2 * H:])
    return n + z * (h_prev - n), np.hstack([rz, n])


def gru_step_backward(dh, x, h_prev, gates, W_ih, W_hh):
    H = h_prev.shape[1]
    r, z, n = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:]
    dpre = np.empty_like(gates)
    dpre[:, 2 * H:] = dh * (1.0 - z) * (1.0 - n * n)
    dpre[:, H:2 * H] = dh * (h_prev - n) * z * (1.0 - z)
    drh = dpre[:, 2 * H:] @ W_hh[2 * H:]
    dpre[:, :H] = drh * h_prev * r * (1.0 - r)
    dW_hh = np.empty_like(W_hh)
    dW_hh[:2 * H] = dpre[:, :2 * H].T @ h_prev
    dW_hh[2 * H:] = dpre[:, 2 * H:].T @ (r * h_prev)
    dh_prev = z * dh + r * drh + dpre[:, :2 * H] @ W_hh[:2 * H]
    return dpre @ W_ih, dh_prev, dpre.T @ x, dW_hh, dpre.sum(0)

# %% LSTMCellScratch
import torch.nn.functional as F


class LSTMCellScratch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        for p in self.parameters():
            nn.init.uniform_(p, -hidden_size ** -0.5, hidden_size ** -0.5)

    def forward(self, x, state=None):
        if state is None:
            h = c = torch.zeros(x.size(0), self.hidden_size, dtype=x.dtype, device=x.device)
        else:
            h, c = state
        pre = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        i, f, g, o = torch.split(pre, self.hidden_size, dim=1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
