"""Correct: a reversed breadth-first order, gates as one matrix product, softmax via logsumexp and one-hots.

expect: full
"""
# %% bottom_up_order
from collections import deque


def bottom_up_order(children):
    roots = set(range(len(children))) - {k for kids in children for k in kids}
    queue, seen = deque(sorted(roots)), []
    while queue:
        j = queue.popleft()
        seen.append(j)
        queue.extend(children[j])
    return seen[::-1]  # parents come before children breadth first, so reversed children come first

# %% child_sum_forward
def child_sum_forward(x, children, order, W_ih, W_hh, b_ih, b_hh):
    H = W_hh.shape[1]
    A = x @ W_ih.T + b_ih + b_hh                      # (J, 4H): the input part of every gate
    h = np.zeros((x.shape[0], H))
    c = np.zeros((x.shape[0], H))
    for j in order:
        K = np.asarray(children[j], dtype=int)
        a = A[j] + W_hh @ h[K].sum(axis=0)
        f = sigmoid(A[j, H:2 * H] + h[K] @ W_hh[H:2 * H].T)   # (K, H)
        c[j] = sigmoid(a[:H]) * np.tanh(a[2 * H:3 * H]) + np.einsum("kh,kh->h", f, c[K])
        h[j] = sigmoid(a[3 * H:]) * np.tanh(c[j])
    return h, c

# %% nary_forward
def nary_forward(x, children, order, W_ih, W_hh, b_ih, b_hh):
    H = W_ih.shape[0] // 4
    N = W_hh.shape[1] // H
    A = x @ W_ih.T + b_ih + b_hh
    h = np.zeros((x.shape[0] + 1, H))                 # row -1 is a zero "missing child"
    c = np.zeros((x.shape[0] + 1, H))
    for j in order:
        if len(children[j]) > N:
            raise ValueError(f"nary_forward: node {j} has {len(children[j])} children, at most N = {N} allowed")
        slots = list(children[j]) + [-1] * (N - len(children[j]))
        a_h = W_hh @ h[slots].ravel()                  # ((3+N)H,)
        i = sigmoid(A[j, :H] + a_h[:H])
        f = sigmoid(A[j, H:2 * H][None, :] + a_h[H:(1 + N) * H].reshape(N, H))
        u = np.tanh(A[j, 2 * H:3 * H] + a_h[(1 + N) * H:(2 + N) * H])
        o = sigmoid(A[j, 3 * H:] + a_h[(2 + N) * H:])
        c[j] = i * u + (f * c[slots]).sum(axis=0)
        h[j] = o * np.tanh(c[j])
    return h[:-1], c[:-1]

# %% node_softmax_loss
def node_softmax_loss(h, labels, W_out, b_out):
    z = h @ W_out.T + b_out
    zmax = z.max(axis=1, keepdims=True)
    lse = zmax[:, 0] + np.log(np.exp(z - zmax).sum(axis=1))
    mask = (labels >= 0).astype(float)
    onehot = np.zeros_like(z)
    onehot[labels >= 0, labels[labels >= 0]] = 1.0
    M = mask.sum()
    loss = np.sum(mask * (lse - (onehot * z).sum(axis=1))) / M
    dz = mask[:, None] * (np.exp(z - lse[:, None]) - onehot) / M
    return loss, dz @ W_out, dz.T @ h, dz.sum(axis=0)
