"""Adds only b_ih, as if the Tree-LSTM had a single bias.

expect: lose test_child_sum_forward, test_child_sum_forward_any_numbering
"""
# %% child_sum_forward
def child_sum_forward(x, children, order, W_ih, W_hh, b_ih, b_hh):
    H = W_hh.shape[1]
    h, c = np.zeros((x.shape[0], H)), np.zeros((x.shape[0], H))
    for j in order:
        kids = list(children[j])
        a = W_ih @ x[j] + b_ih
        a_h = W_hh @ h[kids].sum(axis=0)
        i = sigmoid(a[:H] + a_h[:H])
        u = np.tanh(a[2 * H:3 * H] + a_h[2 * H:3 * H])
        o = sigmoid(a[3 * H:] + a_h[3 * H:])
        c[j] = i * u
        for k in kids:
            f_k = sigmoid(a[H:2 * H] + W_hh[H:2 * H] @ h[k])
            c[j] = c[j] + f_k * c[k]
        h[j] = o * np.tanh(c[j])
    return h, c
