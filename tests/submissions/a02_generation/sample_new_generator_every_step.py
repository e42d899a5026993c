"""Part C: creates default_rng(seed) inside the loop, so every step reuses the first uniform draw.

expect: lose test_sample
"""
# %% sample
def sample(model, prime, n, temperature, seed):
    context, out = list(prime), []
    for _ in range(n):
        rng = np.random.default_rng(seed)
        logq = np.log(next_char_distribution(model, context)) / temperature
        q = np.exp(logq - logq.max())
        token = int(rng.choice(len(q), p=q / q.sum()))
        out.append(token)
        context.append(token)
    return out
