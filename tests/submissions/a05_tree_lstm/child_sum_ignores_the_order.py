"""Computes the nodes in index order 0..J-1 instead of the bottom-up order it is given.

expect: lose test_child_sum_forward_any_numbering
"""
# %% child_sum_forward
def child_sum_forward(x, children, order, W_ih, W_hh, b_ih, b_hh):
    H = W_hh.shape[1]
    W_i, W_f, W_u, W_o = np.split(W_ih, 4)
    U_i, U_f, U_u, U_o = np.split(W_hh, 4)
    b_i, b_f, b_u, b_o = np.split(b_ih + b_hh, 4)
    h, c = np.zeros((len(x), H)), np.zeros((len(x), H))
    for j in range(len(x)):
        kids = list(children[j])
        h_tilde = h[kids].sum(axis=0)
        i = sigmoid(W_i @ x[j] + U_i @ h_tilde + b_i)
        o = sigmoid(W_o @ x[j] + U_o @ h_tilde + b_o)
        u = np.tanh(W_u @ x[j] + U_u @ h_tilde + b_u)
        f = sigmoid(W_f @ x[j] + h[kids] @ U_f.T + b_f)
        c[j] = i * u + (f * c[kids]).sum(axis=0)
        h[j] = o * np.tanh(c[j])
    return h, c
