r"""From a vector of next-token logits to one token: temperature, top-k, top-p, sampling.

Every function here is pure: it reads a logits vector of shape (V,) (a numpy array or a
torch tensor) and returns a new numpy float64 vector or a token id.  Tokens removed by a
filter get the logit :math:`-\infty`, i.e. probability exactly 0 after the softmax.

Randomness is always explicit: ``rng`` is an int seed, a ``numpy.random.Generator`` or a
``torch.Generator``; the global random state of numpy or torch is never read.
"""

import numbers

import numpy as np
import torch


def softmax(logits):
    r"""Probabilities :math:`p_i = e^{z_i} / \sum_j e^{z_j}` of logits z (V,); -inf gives 0.

    The maximum is subtracted first (it cancels in the ratio) so that exp never overflows.
    """
    z = as_logits(logits)
    e = np.exp(z - z.max())  # (V,)
    return e / e.sum()


def log_softmax(logits):
    r"""Log-probabilities :math:`\log p_i = z_i - \log \sum_j e^{z_j}`, computed stably."""
    z = as_logits(logits)
    m = z.max()
    return z - (m + np.log(np.exp(z - m).sum()))


def apply_temperature(logits, temperature):
    r"""Divide the logits by the temperature: :math:`p_i \propto e^{z_i / \tau}`.

    :math:`\tau > 1` flattens the distribution (more surprising text), :math:`\tau < 1`
    sharpens it, and as :math:`\tau \to 0^+` all the mass goes to the largest logit (greedy
    decoding).  ``temperature`` must be > 0: for the limit itself call
    :func:`~course_rnn.sampling.decode.greedy` or use ``strategy="greedy"``, which says so
    instead of dividing by zero.
    """
    check_sampling_args(temperature=temperature)
    return as_logits(logits) / temperature


def top_k_filter(logits, k):
    r"""Keep the k largest logits and set the others to :math:`-\infty` (Fan et al., 2018).

    Logits tied with the k-th largest are all kept (as nanoGPT and Hugging Face do), so more
    than k tokens survive only on exact ties; ``k >= V`` keeps everything.
    """
    z = as_logits(logits)
    check_sampling_args(top_k=k)
    kth_largest = np.sort(z)[-min(k, z.size)]
    return np.where(z < kth_largest, -np.inf, z)


def top_p_filter(logits, p):
    r"""Nucleus filter (Holtzman et al., 2020): keep the smallest set of most likely tokens
    whose total probability is at least p, set the others to :math:`-\infty`.

    .. math::
        V^{(p)} = \text{smallest } S \text{ such that } \sum_{i \in S} p_i \ge p

    Sorted from most to least likely, token number r is kept when the probability of the
    tokens before it is still < p, so the most likely token is always kept and ``p = 1``
    keeps every token.  Exact ties are ordered by token id.
    """
    z = as_logits(logits)
    check_sampling_args(top_p=p)
    if p == 1:
        return z  # rounding in the cumulative sum must not drop the least likely tokens
    order = np.argsort(-z, kind="stable")                 # most likely first
    probs = softmax(z)[order]                             # (V,) sorted
    mass_before = np.cumsum(probs) - probs                # probability of the tokens ranked above
    keep = np.zeros(z.size, dtype=bool)
    keep[order] = mass_before < p
    return np.where(keep, z, -np.inf)


def sample_from_logits(logits, rng, temperature=1.0, top_k=None, top_p=None):
    r"""Draw one token id from the logits (V,), after temperature, top-k and top-p.

    .. math::
        y \sim \mathrm{softmax}\big(\mathrm{filter}(z / \tau)\big)

    The draw is one uniform number u in [0, 1) placed in the cumulative distribution: the
    token is the first i with :math:`\sum_{j \le i} p_j > u`.  With a numpy Generator this
    is exactly ``rng.choice(V, p=probs)``.  ``rng``: int seed, ``numpy.random.Generator``
    or ``torch.Generator`` (an int makes a fresh generator: pass a Generator when drawing
    many tokens).  Returns a Python int.
    """
    z = as_logits(logits)
    z = apply_temperature(z, temperature)       # scale by temperature
    if top_k is not None:
        z = top_k_filter(z, top_k)              # crop to the k most likely
    if top_p is not None:
        z = top_p_filter(z, top_p)              # crop to the nucleus
    probs = softmax(z)                          # logits -> probabilities
    cdf = np.cumsum(probs)
    cdf /= cdf[-1]                              # so that u < 1 always lands inside
    u = uniform(as_rng(rng))                    # sample: where u falls in the cdf
    return int(np.searchsorted(cdf, u, side="right"))


def as_logits(logits):
    """The logits as a 1-D numpy float64 array; a torch tensor is detached and copied to CPU."""
    if isinstance(logits, torch.Tensor):
        logits = logits.detach().to("cpu", torch.float64).numpy()
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or z.size == 0:
        raise ValueError(f"logits must be one non-empty vector of shape (V,); got shape {z.shape} "
                         f"(take the last time step and batch element, e.g. logits[-1, 0])")
    if np.isnan(z).any() or np.isposinf(z).any():
        raise ValueError("logits contain NaN or +inf; check the model's output")
    if np.isneginf(z).all():
        raise ValueError("logits are all -inf: every token has probability 0")
    return z


def as_rng(rng):
    """An explicit random generator: an int seed becomes ``numpy.random.default_rng(seed)``;
    a ``numpy.random.Generator`` or ``torch.Generator`` is returned as it is."""
    if isinstance(rng, (np.random.Generator, torch.Generator)):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng={rng!r} must be an int seed >= 0, a numpy.random.Generator or a "
                    f"torch.Generator; randomness is never taken from global state, so pass one "
                    f"explicitly (e.g. rng=0)")


def check_sampling_args(temperature=1.0, top_k=None, top_p=None):
    """Raise a ValueError naming the first of temperature, top_k, top_p that is out of range."""
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) \
            or not 0 < temperature < np.inf:
        raise ValueError(f"temperature={temperature!r} must be a number > 0 (and finite); for "
                         f"the most likely token every time (the limit temperature -> 0) use "
                         f"greedy decoding")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral)
                              or top_k < 1):
        raise ValueError(f"top_k={top_k!r} must be an integer >= 1 (or None for no top-k filter)")
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, numbers.Real)
                              or not 0 < top_p <= 1):
        raise ValueError(f"top_p={top_p!r} must be a number in (0, 1] (or None for no nucleus filter)")


def uniform(rng):
    """One float uniform in [0, 1) from a numpy or torch generator (what a seed fixes)."""
    if isinstance(rng, torch.Generator):
        return torch.rand((), generator=rng, dtype=torch.float64).item()
    return rng.random()
