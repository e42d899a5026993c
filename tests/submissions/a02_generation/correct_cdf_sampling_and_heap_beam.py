"""Correct: one-hot matrix products, inverse-cdf sampling with rng.random(), heapq beam, log-sum-exp perplexity.

expect: full
"""
# %% next_char_distribution
def next_char_distribution(model, context):
    V = model["W_ih"].shape[1]
    state = np.zeros(model["W_hh"].shape[0])
    for token in context:
        onehot = np.eye(V)[token]
        state = np.tanh(model["W_ih"] @ onehot + model["W_hh"] @ state + model["b_ih"] + model["b_hh"])
    logits = model["W_ho"] @ state + model["b_o"]
    log_norm = logits.max() + np.log(np.sum(np.exp(logits - logits.max())))
    return np.exp(logits - log_norm)
# %% greedy
def greedy(model, prime, n):
    ids = list(prime)
    while len(ids) < len(prime) + n:
        ids.append(int(next_char_distribution(model, ids).argmax()))
    return ids[len(prime):]
# %% sample
def sample(model, prime, n, temperature, seed):
    rng = np.random.default_rng(seed)
    ids = list(prime)
    for _ in range(n):
        scaled = np.log(next_char_distribution(model, ids)) / temperature
        weights = np.exp(scaled - np.max(scaled))
        cdf = np.cumsum(weights / weights.sum())
        ids.append(int(min(np.searchsorted(cdf, rng.random(), side="right"), len(cdf) - 1)))
    return ids[len(prime):]
# %% top_k_filter
def top_k_filter(probs, k):
    mask = np.zeros(len(probs), dtype=bool)
    mask[np.argpartition(-probs, k - 1)[:k]] = True
    kept = np.where(mask, probs, 0.0)
    return kept / kept.sum()


def top_p_filter(probs, p):
    ranked = sorted(range(len(probs)), key=lambda i: -probs[i])
    kept, mass = [], 0.0
    for i in ranked:
        if mass >= p:
            break
        kept.append(i)
        mass += probs[i]
    out = np.zeros(len(probs))
    out[kept] = probs[kept]
    return out / out.sum()
# %% beam_search
import heapq


def beam_search(model, prime, beam_width, n):
    beam = [(0.0, [])]
    for _ in range(n):
        candidates = []
        for score, ids in beam:
            logp = np.log(next_char_distribution(model, list(prime) + ids))
            for c, lp in enumerate(logp):
                candidates.append((score + lp, ids + [c]))
        beam = heapq.nlargest(beam_width, candidates, key=lambda cand: cand[0])
    return beam[0][1]
# %% perplexity
def perplexity(model, ids):
    logps = [np.log(next_char_distribution(model, ids[:t])[ids[t]]) for t in range(1, len(ids))]
    return float(np.exp(-np.mean(logps)))
