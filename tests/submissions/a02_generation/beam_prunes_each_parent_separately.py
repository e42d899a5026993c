"""Part E: keeps the beam_width best extensions of each sequence instead of the beam_width best overall.

expect: lose test_beam_search
"""
# %% beam_search
def beam_search(model, prime, beam_width, n):
    beam = [([], 0.0)]
    for _ in range(n):
        next_beam = []
        for ids, logp in beam:
            step = np.log(next_char_distribution(model, list(prime) + ids))
            for c in np.argsort(-step)[:beam_width]:
                next_beam.append((ids + [int(c)], logp + step[c]))
        beam = next_beam
    return max(beam, key=lambda b: b[1])[0]
