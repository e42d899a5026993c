"""Part A: for stability, shifts the model's output bias in place (b_o -= b_o.max()): the
distribution is right (a softmax ignores a constant shift) but the caller's model is changed.

expect: lose test_next_char_distribution
"""
# %% next_char_distribution
def next_char_distribution(model, context):
    h = np.zeros(model["W_hh"].shape[0])
    for c in context:
        h = np.tanh(model["W_ih"][:, c] + model["b_ih"] + model["W_hh"] @ h + model["b_hh"])
    b = model["b_o"]
    b -= b.max()
    z = model["W_ho"] @ h + b
    e = np.exp(z - z.max())
    return e / e.sum()
