"""Correct: sampling by the Gumbel-max trick, argmax(log q + Gumbel noise), one generator per call.

Draws other ids than rng.choice for the same seed, from the same distribution.

expect: full
"""
# %% sample
def sample(model, prime, n, temperature, seed):
    rng = np.random.default_rng(seed)
    context = list(prime)
    for _ in range(n):
        logq = np.log(next_char_distribution(model, context)) / temperature
        context.append(int(np.argmax(logq + rng.gumbel(size=len(logq)))))
    return context[len(prime):]
