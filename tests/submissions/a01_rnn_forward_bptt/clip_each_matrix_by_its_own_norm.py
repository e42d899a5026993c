"""Part G: clips every array by its own norm instead of the global norm.

expect: lose test_clip_gradients
"""
# %% clip_gradients
def clip_gradients(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    clipped = {}
    for name, g in grads.items():
        norm = np.linalg.norm(g)
        clipped[name] = g * (max_norm / norm) if norm > max_norm else g.copy()
    return clipped, total_norm
