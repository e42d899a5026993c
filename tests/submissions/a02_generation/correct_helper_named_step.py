"""Correct: the Part A cell defines a helper step(model, h, c) (one recurrence step) and
logits(model, h), used by next_char_distribution and again by perplexity, which runs the
recurrence once over the text as the task asks.

expect: full
"""
# %% next_char_distribution
def step(model, h, c):
    """One step of the recurrence: the hidden state after reading id c."""
    return np.tanh(model["W_ih"][:, c] + model["b_ih"] + model["W_hh"] @ h + model["b_hh"])


def logits(model, h):
    return model["W_ho"] @ h + model["b_o"]


def next_char_distribution(model, context):
    h = np.zeros(model["W_hh"].shape[0])
    for c in context:
        h = step(model, h, c)
    z = logits(model, h)
    e = np.exp(z - z.max())
    return e / e.sum()
# %% perplexity
def perplexity(model, ids):
    h = np.zeros(model["W_hh"].shape[0])
    nll = 0.0
    for current, following in zip(ids[:-1], ids[1:]):
        h = step(model, h, current)
        z = logits(model, h)
        nll += z.max() + np.log(np.exp(z - z.max()).sum()) - z[following]
    return float(np.exp(nll / (len(ids) - 1)))
