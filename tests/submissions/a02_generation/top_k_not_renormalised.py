"""Part D: top-k zeroes the other ids but forgets to renormalise.

expect: lose test_top_k_filter
"""
# %% top_k_filter
def top_k_filter(probs, k):
    out = probs.copy()
    out[np.argsort(probs)[:-k]] = 0.0
    return out


def top_p_filter(probs, p):
    order = np.argsort(-probs)
    mass_before = np.cumsum(probs[order]) - probs[order]
    keep = order[mass_before < p]
    out = np.zeros_like(probs)
    out[keep] = probs[keep]
    return out / out.sum()
