"""Correct: sampling by an exponential race, argmin(E_i / q_i) with E_i ~ Exp(1), one generator per call.

The id whose exponential clock rings first is drawn with probability q_i / sum(q).

expect: full
"""
# %% sample
def sample(model, prime, n, temperature, seed):
    rng = np.random.default_rng(seed)
    ids = list(prime)
    while len(ids) < len(prime) + n:
        logq = np.log(next_char_distribution(model, ids)) / temperature
        q = np.exp(logq - logq.max())
        ids.append(int(np.argmin(rng.exponential(size=len(q)) / q)))
    return ids[len(prime):]
