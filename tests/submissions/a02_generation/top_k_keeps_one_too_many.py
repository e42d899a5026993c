"""Part D: top-k keeps every id at least as likely as the (k+1)-th (off by one).

expect: lose test_top_k_filter
"""
# %% top_k_filter
def top_k_filter(probs, k):
    threshold = np.sort(probs)[::-1][min(k, len(probs) - 1)]
    out = np.where(probs >= threshold, probs, 0.0)
    return out / out.sum()


def top_p_filter(probs, p):
    order = np.argsort(-probs)
    mass_before = np.cumsum(probs[order]) - probs[order]
    keep = order[mass_before < p]
    out = np.zeros_like(probs)
    out[keep] = probs[keep]
    return out / out.sum()
