"""Part E: ranks the extensions by the last step's log-probability instead of the total.

expect: lose test_beam_search
"""
# %% beam_search
def beam_search(model, prime, beam_width, n):
    beam = [([], 0.0)]
    for _ in range(n):
        candidates = []
        for ids, total in beam:
            step = np.log(next_char_distribution(model, list(prime) + ids))
            for c in range(len(step)):
                candidates.append((ids + [c], total + step[c], step[c]))
        candidates.sort(key=lambda cand: -cand[2])
        beam = [(ids, total) for ids, total, _ in candidates[:beam_width]]
    return max(beam, key=lambda b: b[1])[0]
