"""Part C: multiplies the log-probabilities by the temperature instead of dividing.

expect: lose test_sample
"""
# %% sample
def sample(model, prime, n, temperature, seed):
    rng = np.random.default_rng(seed)
    context, out = list(prime), []
    for _ in range(n):
        logq = np.log(next_char_distribution(model, context)) * temperature
        q = np.exp(logq - logq.max())
        token = int(rng.choice(len(q), p=q / q.sum()))
        out.append(token)
        context.append(token)
    return out
