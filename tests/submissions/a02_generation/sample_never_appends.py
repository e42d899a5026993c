"""Part C: every id is drawn given the prime only; the drawn ids never enter the context.

expect: lose test_sample
"""
# %% sample
def sample(model, prime, n, temperature, seed):
    rng = np.random.default_rng(seed)
    logq = np.log(next_char_distribution(model, list(prime))) / temperature
    q = np.exp(logq - logq.max())
    return [int(rng.choice(len(q), p=q / q.sum())) for _ in range(n)]
