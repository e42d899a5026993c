"""Correct: one block per gate in a loop, gradients collected in lists and summed, BPTT written inline.

expect: full
"""
# %% lstm_step_forward
def lstm_step_forward(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    blocks = []
    for k, act in enumerate([sigmoid, sigmoid, np.tanh, sigmoid]):
        rows = slice(k * H, (k + 1) * H)
        blocks.append(act(x @ W_ih[rows].T + b_ih[rows] + h_prev @ W_hh[rows].T + b_hh[rows]))
    in_gate, forget_gate, candidate, out_gate = blocks
    cell = forget_gate * c_prev + in_gate * candidate
    hidden = out_gate * np.tanh(cell)
    return hidden, cell, np.concatenate(blocks, axis=1)

# %% lstm_step_backward
def lstm_step_backward(dh, dc, x, h_prev, c_prev, gates, W_ih, W_hh):
    H = h_prev.shape[1]
    in_gate, forget_gate, candidate, out_gate = [gates[:, k * H:(k + 1) * H] for k in range(4)]
    tanh_cell = np.tanh(forget_gate * c_prev + in_gate * candidate)
    d_cell = dc + dh * out_gate * (1 - tanh_cell ** 2)
    d_gate = [d_cell * candidate, d_cell * c_prev, d_cell * in_gate, dh * tanh_cell]
    local = [in_gate * (1 - in_gate), forget_gate * (1 - forget_gate), 1 - candidate ** 2,
             out_gate * (1 - out_gate)]
    d_pre = np.concatenate([d * s for d, s in zip(d_gate, local)], axis=1)
    return (d_pre @ W_ih, d_pre @ W_hh, d_cell * forget_gate,
            d_pre.T @ x, d_pre.T @ h_prev, d_pre.sum(axis=0))

# %% lstm_forward
def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    outputs = []
    state = (h0, c0)
    for x_t in x:
        h, c, g = lstm_step_forward(x_t, state[0], state[1], W_ih, W_hh, b_ih, b_hh)
        outputs.append((h, c, g))
        state = (h, c)
    return tuple(np.array([out[k] for out in outputs]) for k in range(3))


def lstm_backward(dhs, dc_last, x, h0, c0, hs, cs, gates, W_ih, W_hh):
    T, B, D = x.shape
    H = h0.shape[1]
    dxs, dWi, dWh, dbs = [None] * T, [], [], []
    carry_h, carry_c = np.zeros((B, H)), dc_last
    for t in reversed(range(T)):
        h_prev = h0 if t == 0 else hs[t - 1]
        c_prev = c0 if t == 0 else cs[t - 1]
        i, f, g, o = np.split(gates[t], 4, axis=1)
        dh = dhs[t] + carry_h
        tanh_c = np.tanh(cs[t])
        dc = carry_c + dh * o * (1 - tanh_c ** 2)
        da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g ** 2),
                             dh * tanh_c * o * (1 - o)], axis=1)
        dxs[t] = da @ W_ih
        carry_h, carry_c = da @ W_hh, dc * f
        dWi.append(da.T @ x[t])
        dWh.append(da.T @ h_prev)
        dbs.append(da.sum(axis=0))
    return np.array(dxs), carry_h, carry_c, sum(dWi), sum(dWh), sum(dbs)

# %% gru_step_forward
def gru_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    W_ir, W_iz, W_in = np.split(W_ih, 3)
    W_hr, W_hz, W_hn = np.split(W_hh, 3)
    b_ir, b_iz, b_in = np.split(b_ih, 3)
    b_hr, b_hz, b_hn = np.split(b_hh, 3)
    reset = sigmoid(x @ W_ir.T + b_ir + h_prev @ W_hr.T + b_hr)
    update = sigmoid(x @ W_iz.T + b_iz + h_prev @ W_hz.T + b_hz)
    cand = np.tanh(x @ W_in.T + b_in + (reset * h_prev) @ W_hn.T + b_hn)
    h = (1 - update) * cand + update * h_prev
    return h, np.concatenate([reset, update, cand], axis=1)


def gru_step_backward(dh, x, h_prev, gates, W_ih, W_hh):
    reset, update, cand = np.split(gates, 3, axis=1)
    W_hr, W_hz, W_hn = np.split(W_hh, 3)
    d_cand_pre = dh * (1 - update) * (1 - cand ** 2)
    d_update_pre = dh * (h_prev - cand) * update * (1 - update)
    d_reset_h = d_cand_pre @ W_hn
    d_reset_pre = d_reset_h * h_prev * reset * (1 - reset)
    d_pre = np.concatenate([d_reset_pre, d_update_pre, d_cand_pre], axis=1)
    dh_prev = (dh * update + d_reset_h * reset + d_reset_pre @ W_hr + d_update_pre @ W_hz)
    dW_hh = np.concatenate([d_reset_pre.T @ h_prev, d_update_pre.T @ h_prev,
                            d_cand_pre.T @ (reset * h_prev)])
    return d_pre @ W_ih, dh_prev, d_pre.T @ x, dW_hh, d_pre.sum(axis=0)

# %% LSTMCellScratch
class LSTMCellScratch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.zeros(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.zeros(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        with torch.no_grad():
            for weight in self.parameters():
                weight.uniform_(-bound, bound)

    def forward(self, x, state=None):
        H = self.hidden_size
        if state is None:
            zeros = torch.zeros(x.shape[0], H, dtype=x.dtype)
            state = (zeros, zeros)
        h_prev, c_prev = state
        pre = torch.matmul(x, self.weight_ih.t()) + torch.matmul(h_prev, self.weight_hh.t()) \
            + self.bias_ih + self.bias_hh
        in_gate = torch.sigmoid(pre[:, :H])
        forget_gate = torch.sigmoid(pre[:, H:2 * H])
        candidate = torch.tanh(pre[:, 2 * H:3 * H])
        out_gate = torch.sigmoid(pre[:, 3 * H:])
        c = forget_gate * c_prev + in_gate * candidate
        return out_gate * torch.tanh(c), c
