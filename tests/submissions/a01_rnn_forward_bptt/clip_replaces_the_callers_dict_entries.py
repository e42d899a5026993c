"""Part G: new arrays, but written back into the caller's dict (grads[k] = grads[k] * s), which it returns.

No array is changed in place, yet the caller's dict now holds the clipped gradients: the
hidden test's check that grads is unchanged fails under plain nbgrader, and must under
course-rnn too, which copies a dict changed by student code back to the test like arrays.

expect: lose test_clip_gradients
"""
# %% clip_gradients
def clip_gradients(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    scale = max_norm / total_norm if total_norm >= max_norm else 1.0
    for name in grads:
        grads[name] = grads[name] * scale
    return grads, total_norm
