"""Part C: no derivation; every gradient by a five-point stencil (error ~h**4) of the student's own forward.

expect: lose test_rnn_backward_one_step, test_rnn_backward_through_time
"""
# %% rnn_backward
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    inputs = [a.copy() for a in (x, h0, W_ih, W_hh, b_ih, b_hh)]
    step = 1e-3
    grads = []
    for a in inputs:
        g = np.zeros(a.shape)
        for i in np.ndindex(a.shape):
            old, f = a[i], {}
            for k in (1, -1, 2, -2):
                a[i] = old + k * step
                f[k] = np.sum(dhs * rnn_forward(*inputs))
            a[i] = old
            g[i] = (8 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12 * step)
        grads.append(g)
    return tuple(grads)
