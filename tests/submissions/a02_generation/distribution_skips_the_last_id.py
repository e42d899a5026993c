"""Part A (off by one in time): runs the recurrence over context[:-1], so the distribution is the
one after the next-to-last id (from h0 alone for a context of one id).

expect: lose test_next_char_distribution
"""
# %% next_char_distribution
def next_char_distribution(model, context):
    h = np.zeros(model["W_hh"].shape[0])
    for c in context[:-1]:
        h = np.tanh(model["W_ih"][:, c] + model["b_ih"] + model["W_hh"] @ h + model["b_hh"])
    z = model["W_ho"] @ h + model["b_o"]
    e = np.exp(z - z.max())
    return e / e.sum()
