"""Part A: leaves out the recurrent bias b_hh.

expect: lose test_next_char_distribution
"""
# %% next_char_distribution
def next_char_distribution(model, context):
    h = np.zeros(model["W_hh"].shape[0])
    for c in context:
        h = np.tanh(model["W_ih"][:, c] + model["b_ih"] + model["W_hh"] @ h)
    z = model["W_ho"] @ h + model["b_o"]
    e = np.exp(z - z.max())
    return e / e.sum()
