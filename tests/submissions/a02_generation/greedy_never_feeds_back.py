"""Part B: takes the argmax after the prime n times without appending the chosen id.

expect: lose test_greedy
"""
# %% greedy
def greedy(model, prime, n):
    out = []
    for _ in range(n):
        out.append(int(np.argmax(next_char_distribution(model, prime))))
    return out
