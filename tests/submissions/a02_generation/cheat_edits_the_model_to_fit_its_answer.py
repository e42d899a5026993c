"""Cheat: greedy and beam_search do no search: they make token 0 overwhelmingly likely by
editing the model they were given (in place) and return [0] * n. The hidden tests compute the
expected answer from the same model after the call.

expect: lose test_greedy, test_beam_search
"""
# %% greedy
def greedy(model, prime, n):
    model["b_o"][:] = 0.0
    model["b_o"][0] = 1e6
    return [0] * n

# %% beam_search
def beam_search(model, prime, beam_width, n):
    model["b_o"][:] = 0.0
    model["b_o"][0] = 1e6
    return [0] * n
