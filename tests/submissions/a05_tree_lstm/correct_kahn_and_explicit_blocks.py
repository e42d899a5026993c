"""Correct: Kahn's algorithm from the leaves up, per-child loops, the N-ary weights cut into named blocks.

expect: full
"""
# %% bottom_up_order
def bottom_up_order(children):
    J = len(children)
    parent = [-1] * J
    for j, kids in enumerate(children):
        for k in kids:
            parent[k] = j
    waiting = [len(kids) for kids in children]
    ready = [j for j in range(J) if waiting[j] == 0]
    order = []
    while ready:
        j = ready.pop()
        order.append(j)
        p = parent[j]
        if p >= 0:
            waiting[p] -= 1
            if waiting[p] == 0:
                ready.append(p)
    return order

# %% child_sum_forward
def child_sum_forward(x, children, order, W_ih, W_hh, b_ih, b_hh):
    J, H = x.shape[0], W_hh.shape[1]
    b = b_ih + b_hh
    blocks = {g: (W_ih[k * H:(k + 1) * H], W_hh[k * H:(k + 1) * H], b[k * H:(k + 1) * H])
              for k, g in enumerate("ifuo")}
    hidden, memory = np.zeros((J, H)), np.zeros((J, H))
    for node in order:
        h_sum = np.zeros(H)
        for k in children[node]:
            h_sum = h_sum + hidden[k]
        pre = {g: W @ x[node] + U @ h_sum + bias for g, (W, U, bias) in blocks.items()}
        in_gate, out_gate, cand = sigmoid(pre["i"]), sigmoid(pre["o"]), np.tanh(pre["u"])
        cell = in_gate * cand
        W_f, U_f, b_f = blocks["f"]
        for k in children[node]:
            cell = cell + sigmoid(W_f @ x[node] + U_f @ hidden[k] + b_f) * memory[k]
        memory[node] = cell
        hidden[node] = out_gate * np.tanh(cell)
    return hidden, memory

# %% nary_forward
def nary_forward(x, children, order, W_ih, W_hh, b_ih, b_hh):
    H = W_ih.shape[0] // 4
    N = W_hh.shape[1] // H
    for j, kids in enumerate(children):
        if len(kids) > N:
            raise ValueError(f"node {j} has {len(kids)} children; this N-ary Tree-LSTM allows N = {N}")
    b = b_ih + b_hh
    row = lambda r: slice(r * H, (r + 1) * H)          # row block r of W_hh: i, f_1..f_N, u, o
    col = lambda l: slice(l * H, (l + 1) * H)          # column block l: child l
    hidden, memory = np.zeros((len(x), H)), np.zeros((len(x), H))
    for node in order:
        kids = children[node]
        def from_children(r):
            return sum((W_hh[row(r), col(l)] @ hidden[k] for l, k in enumerate(kids)), np.zeros(H))
        in_gate = sigmoid(W_ih[row(0)] @ x[node] + from_children(0) + b[row(0)])
        cand = np.tanh(W_ih[row(2)] @ x[node] + from_children(1 + N) + b[row(2)])
        out_gate = sigmoid(W_ih[row(3)] @ x[node] + from_children(2 + N) + b[row(3)])
        cell = in_gate * cand
        for l, k in enumerate(kids):
            forget = sigmoid(W_ih[row(1)] @ x[node] + from_children(1 + l) + b[row(1)])
            cell = cell + forget * memory[k]
        memory[node] = cell
        hidden[node] = out_gate * np.tanh(cell)
    return hidden, memory

# %% node_softmax_loss
def node_softmax_loss(h, labels, W_out, b_out):
    J, K = h.shape[0], W_out.shape[0]
    scores = h @ W_out.T + b_out
    total, count = 0.0, 0
    d_scores = np.zeros((J, K))
    for j in range(J):
        if labels[j] < 0:
            continue
        m = scores[j].max()
        e = np.exp(scores[j] - m)
        total += np.log(e.sum()) + m - scores[j, labels[j]]
        d_scores[j] = e / e.sum()
        d_scores[j, labels[j]] -= 1.0
        count += 1
    d_scores /= count
    return total / count, d_scores @ W_out, d_scores.T @ h, d_scores.sum(axis=0)
