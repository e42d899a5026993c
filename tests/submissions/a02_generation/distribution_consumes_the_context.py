"""Part A: reads the context with context.pop(0) in a while loop, so the caller's list is emptied
(the distribution it returns is right). The instructor's sample, which keeps one context list and
appends each drawn id to it, then draws every id after the first from a context of one id.

The mistake is Part A's (it destroys its argument); sample, greedy, beam search and perplexity
are the instructor's own code.

expect: lose test_next_char_distribution
"""
# %% next_char_distribution
def next_char_distribution(model, context):
    h = np.zeros(model["W_hh"].shape[0])
    while context:
        c = context.pop(0)
        h = np.tanh(model["W_ih"][:, c] + model["b_ih"] + model["W_hh"] @ h + model["b_hh"])
    z = model["W_ho"] @ h + model["b_o"]
    e = np.exp(z - z.max())
    return e / e.sum()
