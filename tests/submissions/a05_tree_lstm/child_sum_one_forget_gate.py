"""Uses one forget gate from the summed children's h for all children, as in a chain LSTM.

expect: lose test_child_sum_forward, test_child_sum_forward_any_numbering
"""
# %% child_sum_forward
def child_sum_forward(x, children, order, W_ih, W_hh, b_ih, b_hh):
    H = W_hh.shape[1]
    b = b_ih + b_hh
    h, c = np.zeros((len(children), H)), np.zeros((len(children), H))
    for j in order:
        kids = children[j]
        h_sum = h[kids].sum(axis=0)
        c_sum = c[kids].sum(axis=0)
        a = W_ih @ x[j] + W_hh @ h_sum + b
        i, f, u, o = sigmoid(a[:H]), sigmoid(a[H:2 * H]), np.tanh(a[2 * H:3 * H]), sigmoid(a[3 * H:])
        c[j] = i * u + f * c_sum
        h[j] = o * np.tanh(c[j])
    return h, c
