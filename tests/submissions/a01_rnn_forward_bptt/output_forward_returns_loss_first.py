"""Part D: output_forward returns (loss, probs), the other way round, and loss_and_gradients
unpacks it that way.

expect: lose test_output_forward
"""
# %% output_forward
def output_forward(hs, targets, W_ho, b_o):
    logits = hs @ W_ho.T + b_o
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    p_target = np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0]
    return float(-np.log(p_target).sum() / hs.shape[1]), probs


def output_backward(probs, targets, hs, W_ho):
    T, B, V = probs.shape
    dz = probs.copy()
    dz[np.arange(T)[:, None], np.arange(B)[None, :], targets] -= 1.0
    dz /= B
    return dz @ W_ho, dz.reshape(T * B, V).T @ hs.reshape(T * B, -1), dz.sum(axis=(0, 1))
# %% loss_and_gradients
def loss_and_gradients(x, targets, h0, params):
    rnn = [params[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")]
    hs = rnn_forward(x, h0, *rnn)
    loss, probs = output_forward(hs, targets, params["W_ho"], params["b_o"])
    dhs, dW_ho, db_o = output_backward(probs, targets, hs, params["W_ho"])
    _, dh0, dW_ih, dW_hh, db_ih, db_hh = rnn_backward(dhs, x, h0, hs, *rnn)
    return loss, {"h0": dh0, "W_ih": dW_ih, "W_hh": dW_hh, "b_ih": db_ih, "b_hh": db_hh, "W_ho": dW_ho, "b_o": db_o}
# %% gradient_check
def gradient_check(x, targets, h0, params, name, analytic, h=1e-5):
    def loss(h0, params):
        hs = rnn_forward(x, h0, params["W_ih"], params["W_hh"], params["b_ih"], params["b_hh"])
        return output_forward(hs, targets, params["W_ho"], params["b_o"])[0]

    h0, params = h0.copy(), {k: v.copy() for k, v in params.items()}
    theta = h0 if name == "h0" else params[name]
    numeric = np.zeros_like(theta)
    for i in np.ndindex(theta.shape):
        old = theta[i]
        theta[i] = old + h
        plus = loss(h0, params)
        theta[i] = old - h
        minus = loss(h0, params)
        theta[i] = old
        numeric[i] = (plus - minus) / (2 * h)
    return rel_error(analytic, numeric)
