"""Part F: averages the N - 1 log-likelihoods over N.

expect: lose test_perplexity
"""
# %% perplexity
def perplexity(model, ids):
    total = 0.0
    for t in range(1, len(ids)):
        total += np.log(next_char_distribution(model, ids[:t])[ids[t]])
    return float(np.exp(-total / len(ids)))
