"""Part D: top-p keeps ids while the cumulative mass including them is below p, dropping the one that crosses p.

expect: lose test_top_p_filter
"""
# %% top_k_filter
def top_k_filter(probs, k):
    keep = np.argsort(-probs)[:k]
    out = np.zeros_like(probs)
    out[keep] = probs[keep]
    return out / out.sum()


def top_p_filter(probs, p):
    order = np.argsort(-probs)
    cumulative = np.cumsum(probs[order])
    keep = order[cumulative < p]
    if len(keep) == 0:
        keep = order[:1]
    out = np.zeros_like(probs)
    out[keep] = probs[keep]
    return out / out.sum()
