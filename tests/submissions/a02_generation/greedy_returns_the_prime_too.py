"""Part B: returns the prime followed by the generated ids.

expect: lose test_greedy
"""
# %% greedy
def greedy(model, prime, n):
    ids = list(prime)
    for _ in range(n):
        ids.append(int(np.argmax(next_char_distribution(model, ids))))
    return ids
