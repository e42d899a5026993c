"""Part C: no derivation; every gradient by numerical_gradient of the student's own forward.

expect: lose test_rnn_backward_one_step, test_rnn_backward_through_time
"""
# %% rnn_backward
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    arrays = [a.copy() for a in (x, h0, W_ih, W_hh, b_ih, b_hh)]

    def loss():
        return np.sum(rnn_forward(*arrays) * dhs)

    return tuple(numerical_gradient(loss, a) for a in arrays)
