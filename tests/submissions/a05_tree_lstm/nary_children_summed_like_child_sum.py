"""Sums the children's h and uses only the first column block of W_hh, as if children were unordered.

expect: lose test_nary_forward, test_nary_forward_any_numbering
"""
# %% nary_forward
def nary_forward(x, children, order, W_ih, W_hh, b_ih, b_hh):
    H = W_ih.shape[0] // 4
    N = W_hh.shape[1] // H
    b = b_ih + b_hh
    h, c = np.zeros((len(x), H)), np.zeros((len(x), H))
    for j in order:
        kids = list(children[j])
        if len(kids) > N:
            raise ValueError(f"node {j} has more than {N} children")
        h_sum = h[kids].sum(axis=0)
        U = W_hh[:, :H]
        a_h = U @ h_sum
        i = sigmoid(W_ih[:H] @ x[j] + a_h[:H] + b[:H])
        u = np.tanh(W_ih[2 * H:3 * H] @ x[j] + a_h[H + N * H:2 * H + N * H] + b[2 * H:3 * H])
        o = sigmoid(W_ih[3 * H:] @ x[j] + a_h[2 * H + N * H:] + b[3 * H:])
        c[j] = i * u
        for l, k in enumerate(kids):
            f = sigmoid(W_ih[H:2 * H] @ x[j] + a_h[H + l * H:H + (l + 1) * H] + b[H:2 * H])
            c[j] += f * c[k]
        h[j] = o * np.tanh(c[j])
    return h, c
