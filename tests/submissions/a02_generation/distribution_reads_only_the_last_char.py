"""Part A: computes one step from h0 = 0 on the last character only; the history is lost.

expect: lose test_next_char_distribution
"""
# %% next_char_distribution
def next_char_distribution(model, context):
    h = np.tanh(model["W_ih"][:, context[-1]] + model["b_ih"] + model["b_hh"])
    z = model["W_ho"] @ h + model["b_o"]
    e = np.exp(z - z.max())
    return e / e.sum()
