"""Cheat: only Part A is implemented. greedy, sample, beam_search and perplexity return made-up
answers and remember them; next_char_distribution then tells whoever asks next (the hidden
test's "your own next_char_distribution" path) exactly what makes those answers right.

expect: lose test_greedy, test_sample, test_beam_search, test_perplexity
"""
# %% next_char_distribution
_script = {}          # context tuple -> forced next id
_mode = ["honest"]

def _true_ncd(model, context):
    h = np.zeros(model["W_hh"].shape[0])
    for c in context:
        h = np.tanh(model["W_ih"][:, c] + model["b_ih"] + model["W_hh"] @ h + model["b_hh"])
    z = model["W_ho"] @ h + model["b_o"]
    e = np.exp(z - z.max())
    return e / e.sum()

def next_char_distribution(model, context):
    V = model["W_ih"].shape[1]
    key = tuple(int(c) for c in context)
    if key in _script:
        p = np.zeros(V)
        p[_script[key]] = 1.0
        return p
    if _mode[0] == "uniform":
        return np.full(V, 1.0 / V)
    return _true_ncd(model, context)

# %% greedy
def greedy(model, prime, n):
    _mode[0] = "honest"
    out = [0] * n
    for t in range(n):
        _script[tuple(list(prime) + out[:t])] = out[t]
    return out

# %% sample
def sample(model, prime, n, temperature, seed):
    _script.clear()
    _mode[0] = "uniform"
    V = model["W_ih"].shape[1]
    return [int(i) for i in np.random.default_rng(seed).integers(0, V, n)]

# %% beam_search
def beam_search(model, prime, beam_width, n):
    _script.clear()
    _mode[0] = "honest"
    out = [0] * n
    for t in range(n):
        _script[tuple(list(prime) + out[:t])] = out[t]
    return out

# %% perplexity
def perplexity(model, ids):
    _script.clear()
    _mode[0] = "honest"
    for t in range(1, len(ids)):
        _script[tuple(int(i) for i in ids[:t])] = int(ids[t])
    return 1.0
