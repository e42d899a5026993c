"""Correct: node_softmax_loss with every product a scalar Python loop (math.exp, sums over indices).

expect: full
"""
# %% node_softmax_loss
import math


def node_softmax_loss(h, labels, W_out, b_out):
    J, H = h.shape
    K = W_out.shape[0]
    dh, dW, db = np.zeros((J, H)), np.zeros((K, H)), np.zeros(K)
    rows = [j for j in range(J) if labels[j] >= 0]
    total = 0.0
    for j in rows:
        z = []
        for k in range(K):
            s = b_out[k]
            for i in range(H):
                s += W_out[k, i] * h[j, i]
            z.append(s)
        top = max(z)
        e = [math.exp(v - top) for v in z]
        norm = sum(e)
        total -= z[labels[j]] - top - math.log(norm)
        for k in range(K):
            g = (e[k] / norm - (1.0 if k == labels[j] else 0.0)) / len(rows)
            db[k] += g
            for i in range(H):
                dW[k, i] += g * h[j, i]
                dh[j, i] += g * W_out[k, i]
    return total / len(rows), dh, dW, db
