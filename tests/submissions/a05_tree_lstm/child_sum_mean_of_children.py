"""Averages the children's hidden states instead of summing them (h_tilde = mean).

expect: lose test_child_sum_forward, test_child_sum_forward_any_numbering
"""
# %% child_sum_forward
def child_sum_forward(x, children, order, W_ih, W_hh, b_ih, b_hh):
    H = W_hh.shape[1]
    W_i, W_f, W_u, W_o = np.split(W_ih, 4)
    U_i, U_f, U_u, U_o = np.split(W_hh, 4)
    b_i, b_f, b_u, b_o = np.split(b_ih + b_hh, 4)
    h, c = np.zeros((len(x), H)), np.zeros((len(x), H))
    for j in order:
        kids = children[j]
        h_tilde = h[kids].mean(axis=0) if kids else np.zeros(H)
        i = sigmoid(W_i @ x[j] + U_i @ h_tilde + b_i)
        o = sigmoid(W_o @ x[j] + U_o @ h_tilde + b_o)
        u = np.tanh(W_u @ x[j] + U_u @ h_tilde + b_u)
        c[j] = i * u
        for k in kids:
            c[j] += sigmoid(W_f @ x[j] + U_f @ h[k] + b_f) * c[k]
        h[j] = o * np.tanh(c[j])
    return h, c
