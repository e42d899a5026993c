"""Part C: applies the temperature but then picks the most likely id instead of drawing.

expect: lose test_sample
"""
# %% sample
def sample(model, prime, n, temperature, seed):
    rng = np.random.default_rng(seed)
    context, out = list(prime), []
    for _ in range(n):
        q = next_char_distribution(model, context) ** (1 / temperature)
        token = int(np.argmax(q / q.sum()))
        out.append(token)
        context.append(token)
    return out
