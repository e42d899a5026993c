"""Part C: draws with np.random.choice from the global state; the seed is never used.

expect: lose test_sample
"""
# %% sample
def sample(model, prime, n, temperature, seed):
    context, out = list(prime), []
    for _ in range(n):
        logq = np.log(next_char_distribution(model, context)) / temperature
        q = np.exp(logq - logq.max())
        token = int(np.random.choice(len(q), p=q / q.sum()))
        out.append(token)
        context.append(token)
    return out
