"""Correct: explicit loops over the batch and lists, other variable names.

expect: full
"""
# %% rnn_forward
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    states = []
    state = h0
    for x_t in x:
        state = rnn_step_forward(x_t, state, W_ih, W_hh, b_ih, b_hh)
        states.append(state)
    return np.array(states)
# %% rnn_backward
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    T, B, D = x.shape
    gx = np.zeros((T, B, D))
    gWih = np.zeros(W_ih.shape)
    gWhh = np.zeros(W_hh.shape)
    gbih = np.zeros(b_ih.shape)
    gbhh = np.zeros(b_hh.shape)
    from_later = np.zeros(h0.shape)
    for t in range(T - 1, -1, -1):
        previous = h0 if t == 0 else hs[t - 1]
        total = dhs[t] + from_later
        delta = total * (1 - np.square(hs[t]))
        for b in range(B):
            gWih += np.outer(delta[b], x[t, b])
            gWhh += np.outer(delta[b], previous[b])
            gbih += delta[b]
            gbhh += delta[b]
        gx[t] = delta.dot(W_ih)
        from_later = delta.dot(W_hh)
    return gx, from_later, gWih, gWhh, gbih, gbhh
# %% output_forward
def output_forward(hs, targets, W_ho, b_o):
    T, B, _ = hs.shape
    probs = np.zeros((T, B, W_ho.shape[0]))
    total = 0.0
    for t in range(T):
        scores = hs[t] @ W_ho.T + b_o
        scores = scores - np.max(scores, axis=1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=1, keepdims=True)
        probs[t] = p
        for b in range(B):
            total += -np.log(p[b, targets[t, b]])
    return probs, total / B


def output_backward(probs, targets, hs, W_ho):
    T, B, V = probs.shape
    dhs = np.zeros(hs.shape)
    dW = np.zeros(W_ho.shape)
    db = np.zeros(V)
    for t in range(T):
        g = probs[t].copy()
        for b in range(B):
            g[b, targets[t, b]] -= 1
        g = g / B
        dhs[t] = g @ W_ho
        dW += g.T @ hs[t]
        db += g.sum(axis=0)
    return dhs, dW, db
