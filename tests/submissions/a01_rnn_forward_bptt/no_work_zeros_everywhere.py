"""No work: every function returns zeros (or constants) of the right shapes, so nothing of it responds to its inputs.

expect: lose test_rnn_step_forward, test_rnn_forward, test_rnn_backward_one_step, test_rnn_backward_through_time, test_output_forward, test_output_backward, test_loss_and_gradients, test_gradient_check, test_clip_gradients
"""
# %% rnn_step_forward
def rnn_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.zeros((x.shape[0], W_hh.shape[0]))
# %% rnn_forward
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    return np.zeros((x.shape[0],) + h0.shape)
# %% rnn_backward
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    return tuple(np.zeros_like(a) for a in (x, h0, W_ih, W_hh, b_ih, b_hh))
# %% output_forward
def output_forward(hs, targets, W_ho, b_o):
    return np.zeros(hs.shape[:2] + (W_ho.shape[0],)), 0.0


def output_backward(probs, targets, hs, W_ho):
    return np.zeros_like(hs), np.zeros_like(W_ho), np.zeros(W_ho.shape[0])
# %% loss_and_gradients
def loss_and_gradients(x, targets, h0, params):
    return 0.0, {"h0": np.zeros_like(h0), **{k: np.zeros_like(v) for k, v in params.items()}}
# %% gradient_check
def gradient_check(x, targets, h0, params, name, analytic, h=1e-5):
    return 0.0
# %% clip_gradients
def clip_gradients(grads, max_norm):
    return {k: np.zeros_like(v) for k, v in grads.items()}, 0.0
