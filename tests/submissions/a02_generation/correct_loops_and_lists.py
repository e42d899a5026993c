"""Correct: explicit loops, rng.choice on the temperature-scaled probabilities, plain-list beam.

expect: full
"""
# %% next_char_distribution
def next_char_distribution(model, context):
    H = model["W_hh"].shape[0]
    hidden = np.zeros(H)
    for char_id in context:
        a = model["W_ih"][:, char_id] + model["b_ih"]
        a = a + model["W_hh"].dot(hidden) + model["b_hh"]
        hidden = np.tanh(a)
    scores = model["W_ho"].dot(hidden) + model["b_o"]
    scores = scores - np.max(scores)
    probs = np.exp(scores)
    return probs / probs.sum()
# %% sample
def sample(model, prime, n, temperature, seed):
    generator = np.random.default_rng(seed)
    generated = []
    for step in range(n):
        p = next_char_distribution(model, list(prime) + generated)
        logits = np.log(p) / temperature
        logits -= logits.max()
        q = np.exp(logits)
        q /= q.sum()
        generated.append(int(generator.choice(len(q), p=q)))
    return generated
# %% beam_search
def beam_search(model, prime, beam_width, n):
    sequences = [[]]
    scores = [0.0]
    for _ in range(n):
        all_ids, all_scores = [], []
        for seq, score in zip(sequences, scores):
            p = next_char_distribution(model, list(prime) + seq)
            for c in range(len(p)):
                all_ids.append(seq + [c])
                all_scores.append(score + np.log(p[c]))
        best = np.argsort(-np.array(all_scores), kind="stable")[:beam_width]
        sequences = [all_ids[i] for i in best]
        scores = [all_scores[i] for i in best]
    return sequences[0]
