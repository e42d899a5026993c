"""Part C: no derivation; every gradient by complex-step differentiation of the student's own forward.

Complex step, d/dv f(v) = Im f(v + i e) / e with e = 1e-20, is exact to rounding for a
holomorphic forward, so no tolerance can fail it by value; it recomputes the states from x,
so the hidden tests' states not produced from x fail it.

expect: lose test_rnn_backward_one_step, test_rnn_backward_through_time
expect-forbidden: rnn_backward
"""
# %% rnn_backward
def rnn_backward(dhs, x, h0, hs, W_ih, W_hh, b_ih, b_hh):
    inputs = [x, h0, W_ih, W_hh, b_ih, b_hh]
    grads = []
    for k, a in enumerate(inputs):
        g = np.zeros(a.shape)
        for i in np.ndindex(a.shape):
            args = [v.astype(complex) for v in inputs]
            args[k][i] += 1e-20j
            g[i] = np.sum(dhs * rnn_forward(*args)).imag / 1e-20
        grads.append(g)
    return tuple(grads)
