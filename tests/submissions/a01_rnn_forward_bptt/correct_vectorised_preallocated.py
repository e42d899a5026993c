"""Correct: preallocated arrays, log-sum-exp loss, einsum gradients, norm of one flat vector.

expect: full
"""
# %% rnn_step_forward
def rnn_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    pre = np.dot(x, W_ih.T) + np.dot(h_prev, W_hh.T)
    return np.tanh(pre + (b_ih + b_hh))
# %% rnn_forward
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    T, B, _ = x.shape
    hs = np.empty((T, B, h0.shape[1]))
    h = h0
    for t in range(T):
        hs[t] = h = rnn_step_forward(x[t], h, W_ih, W_hh, b_ih, b_hh)
    return hs
# %% rnn_backward
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    T = x.shape[0]
    h_prevs = np.concatenate([h0[None], hs[:-1]], axis=0)    # (T, B, H): the state each step read
    das = np.empty_like(hs)
    carry = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        das[t] = (dhs[t] + carry) * (1.0 - hs[t] * hs[t])
        carry = das[t] @ W_hh
    dx = das @ W_ih
    dW_ih = np.einsum("tbh,tbd->hd", das, x)
    dW_hh = np.einsum("tbh,tbk->hk", das, h_prevs)
    db = das.sum(axis=(0, 1))
    return dx, carry, dW_ih, dW_hh, db, db.copy()
# %% output_forward
def output_forward(hs, targets, W_ho, b_o):
    z = np.einsum("tbh,vh->tbv", hs, W_ho) + b_o
    m = z.max(axis=2, keepdims=True)
    log_norm = m + np.log(np.exp(z - m).sum(axis=2, keepdims=True))
    log_probs = z - log_norm
    T, B = targets.shape
    t_idx, b_idx = np.meshgrid(np.arange(T), np.arange(B), indexing="ij")
    loss = -log_probs[t_idx, b_idx, targets].sum() / B
    return np.exp(log_probs), float(loss)


def output_backward(probs, targets, hs, W_ho):
    V = probs.shape[2]
    B = probs.shape[1]
    dz = (probs - np.eye(V)[targets]) / B
    return (np.einsum("tbv,vh->tbh", dz, W_ho), np.einsum("tbv,tbh->vh", dz, hs),
            np.einsum("tbv->v", dz))
# %% loss_and_gradients
def loss_and_gradients(x, targets, h0, params):
    names = ["W_ih", "W_hh", "b_ih", "b_hh"]
    ws = [params[n] for n in names]
    hs = rnn_forward(x, h0, *ws)
    probs, loss = output_forward(hs, targets, params["W_ho"], params["b_o"])
    dhs, dW_ho, db_o = output_backward(probs, targets, hs, params["W_ho"])
    back = rnn_backward(dhs, x, h0, hs, *ws)
    grads = dict(zip(["h0"] + names, back[1:]))
    grads["W_ho"], grads["b_o"] = dW_ho, db_o
    return loss, grads
# %% gradient_check
def gradient_check(x, targets, h0, params, name, analytic, h=1e-5):
    def loss_at(theta_new):
        p = dict(params)
        start = h0
        if name == "h0":
            start = theta_new
        else:
            p[name] = theta_new
        hs = rnn_forward(x, start, p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"])
        return output_forward(hs, targets, p["W_ho"], p["b_o"])[1]

    theta = h0 if name == "h0" else params[name]
    numeric = np.empty(theta.shape)
    for i in range(theta.size):
        step = np.zeros(theta.size)
        step[i] = h
        step = step.reshape(theta.shape)
        numeric.flat[i] = (loss_at(theta + step) - loss_at(theta - step)) / (2 * h)
    return float(np.max(np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), 1e-12)))
# %% clip_gradients
def clip_gradients(grads, max_norm):
    flat = np.concatenate([g.ravel() for g in grads.values()])
    norm = float(np.linalg.norm(flat))
    factor = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: factor * v for k, v in grads.items()}, norm
