"""Correct: every product a scalar Python loop (math.tanh, sums over indices), nothing vectorised.

expect: full
"""
# %% rnn_step_forward
import math


def rnn_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    B, D = x.shape; H = W_hh.shape[0]
    out = np.zeros((B, H))
    for b in range(B):
        for i in range(H):
            s = b_ih[i] + b_hh[i]
            for d in range(D):
                s += W_ih[i, d] * x[b, d]
            for j in range(H):
                s += W_hh[i, j] * h_prev[b, j]
            out[b, i] = math.tanh(s)
    return out
# %% rnn_forward
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    T = x.shape[0]; hs = np.zeros((T,) + h0.shape); h = h0
    for t in range(T):
        h = rnn_step_forward(x[t], h, W_ih, W_hh, b_ih, b_hh); hs[t] = h
    return hs
# %% rnn_backward
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    T, B, D = x.shape; H = h0.shape[1]
    dx = np.zeros(x.shape); dWih = np.zeros(W_ih.shape); dWhh = np.zeros(W_hh.shape)
    dbih = np.zeros(H); dbhh = np.zeros(H); carry = np.zeros((B, H))
    for t in range(T - 1, -1, -1):
        prev = h0 if t == 0 else hs[t - 1]
        newcarry = np.zeros((B, H))
        for b in range(B):
            for i in range(H):
                da = (dhs[t, b, i] + carry[b, i]) * (1 - hs[t, b, i] ** 2)
                dbih[i] += da; dbhh[i] += da
                for d in range(D):
                    dWih[i, d] += da * x[t, b, d]; dx[t, b, d] += da * W_ih[i, d]
                for j in range(H):
                    dWhh[i, j] += da * prev[b, j]; newcarry[b, j] += da * W_hh[i, j]
        carry = newcarry
    return dx, carry, dWih, dWhh, dbih, dbhh
# %% output_forward
def output_forward(hs, targets, W_ho, b_o):
    T, B, H = hs.shape; V = W_ho.shape[0]; probs = np.zeros((T, B, V)); loss = 0.0
    for t in range(T):
        for b in range(B):
            z = [b_o[v] + sum(W_ho[v, k] * hs[t, b, k] for k in range(H)) for v in range(V)]
            m = max(z); e = [math.exp(a - m) for a in z]; s = sum(e)
            for v in range(V):
                probs[t, b, v] = e[v] / s
            loss -= math.log(probs[t, b, targets[t, b]])
    return probs, loss / B


def output_backward(probs, targets, hs, W_ho):
    T, B, V = probs.shape; H = hs.shape[2]
    dhs = np.zeros(hs.shape); dW = np.zeros(W_ho.shape); db = np.zeros(V)
    for t in range(T):
        for b in range(B):
            for v in range(V):
                g = (probs[t, b, v] - (1.0 if v == targets[t, b] else 0.0)) / B
                db[v] += g
                for k in range(H):
                    dW[v, k] += g * hs[t, b, k]; dhs[t, b, k] += g * W_ho[v, k]
    return dhs, dW, db
