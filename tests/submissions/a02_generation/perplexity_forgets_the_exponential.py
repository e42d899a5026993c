"""Part F: returns the mean negative log-likelihood (the cross-entropy), not its exponential.

expect: lose test_perplexity
"""
# %% perplexity
def perplexity(model, ids):
    h, nll = np.zeros(model["W_hh"].shape[0]), 0.0
    for current, following in zip(ids[:-1], ids[1:]):
        h = np.tanh(model["W_ih"][:, current] + model["b_ih"] + model["W_hh"] @ h + model["b_hh"])
        z = model["W_ho"] @ h + model["b_o"]
        nll += np.log(np.exp(z - z.max()).sum()) + z.max() - z[following]
    return float(nll / (len(ids) - 1))
