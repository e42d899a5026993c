"""Part A: softmax as exp(z) / sum(exp(z)) without subtracting the maximum.

expect: lose test_next_char_distribution
"""
# %% next_char_distribution
def next_char_distribution(model, context):
    h = np.zeros(model["W_hh"].shape[0])
    for c in context:
        x = np.zeros(model["W_ih"].shape[1])
        x[c] = 1.0
        h = np.tanh(model["W_ih"] @ x + model["b_ih"] + model["W_hh"] @ h + model["b_hh"])
    e = np.exp(model["W_ho"] @ h + model["b_o"])
    return e / np.sum(e)
