"""Silently keeps the first N children of a node with too many instead of raising ValueError.

expect: lose test_nary_forward_any_numbering
"""
# %% nary_forward
def nary_forward(x, children, order, W_ih, W_hh, b_ih, b_hh):
    H = W_ih.shape[0] // 4
    N = W_hh.shape[1] // H
    W_i, W_f, W_u, W_o = np.split(W_ih, 4)
    U_i, U_f, U_u, U_o = np.split(W_hh, [H, H + N * H, 2 * H + N * H])
    b_i, b_f, b_u, b_o = np.split(b_ih + b_hh, 4)
    h, c = np.zeros((x.shape[0], H)), np.zeros((x.shape[0], H))
    for j in order:
        kids = list(children[j])[:N]
        h_kids, c_kids = np.zeros((N, H)), np.zeros((N, H))
        h_kids[:len(kids)], c_kids[:len(kids)] = h[kids], c[kids]
        h_cat = h_kids.reshape(N * H)
        i = sigmoid(W_i @ x[j] + U_i @ h_cat + b_i)
        f = sigmoid(W_f @ x[j] + (U_f @ h_cat).reshape(N, H) + b_f)
        o = sigmoid(W_o @ x[j] + U_o @ h_cat + b_o)
        u = np.tanh(W_u @ x[j] + U_u @ h_cat + b_u)
        c[j] = i * u + (f * c_kids).sum(axis=0)
        h[j] = o * np.tanh(c[j])
    return h, c
