"""Part G: rescales the caller's gradient arrays in place and returns the same dict.

expect: lose test_clip_gradients
"""
# %% clip_gradients
def clip_gradients(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    if total_norm > max_norm:
        for g in grads.values():
            g *= max_norm / total_norm
    return grads, total_norm
