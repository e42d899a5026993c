"""One entry point for every decoder: :func:`generate`."""

from course_rnn.sampling.beam import beam_search
from course_rnn.sampling.decode import greedy, sample

#: strategy -> the optional arguments of :func:`generate` it reads
READS = {"sample": ("rng", "temperature", "top_k", "top_p"), "greedy": (),
         "beam": ("beam_width", "length_penalty")}
STRATEGIES = tuple(READS)


def generate(step, prime_tokens, max_len, stop_token=None, strategy="sample", rng=None,
             temperature=1.0, top_k=None, top_p=None, beam_width=None, length_penalty=0.0):
    """Feed ``prime_tokens`` through the model, then generate until ``stop_token`` or ``max_len``.

    ``strategy`` picks the decoder and the arguments it reads:

    - ``"sample"``: :func:`sample` with ``rng`` (required), ``temperature``, ``top_k``, ``top_p``;
    - ``"greedy"``: :func:`greedy` (no randomness: the limit temperature -> 0);
    - ``"beam"``: :func:`~course_rnn.sampling.beam.beam_search` with ``beam_width``, ``length_penalty``.

    An argument the chosen strategy does not read raises an error instead of being ignored.
    Returns the generated token ids (without the prime; ``stop_token`` included if generated).
    """
    given = {"rng": rng is not None, "temperature": temperature != 1.0, "top_k": top_k is not None,
             "top_p": top_p is not None, "beam_width": beam_width is not None,
             "length_penalty": length_penalty != 0.0}
    if strategy not in READS:
        raise ValueError(f"strategy={strategy!r} is not one of {STRATEGIES}")
    ignored = [name for name, set_ in given.items() if set_ and name not in READS[strategy]]
    if ignored:
        raise ValueError(f"strategy={strategy!r} does not use {ignored}; remove them or pick the "
                         f"strategy that reads them")
    if strategy == "greedy":
        return greedy(step, prime_tokens, max_len, stop_token)
    if strategy == "beam":
        if beam_width is None:
            raise ValueError("strategy='beam' needs beam_width (an integer >= 1)")
        return beam_search(step, prime_tokens, beam_width, max_len, stop_token, length_penalty)
    if rng is None:
        raise ValueError("strategy='sample' needs an explicit rng: an int seed, a "
                         "numpy.random.Generator or a torch.Generator (e.g. rng=0)")
    return sample(step, prime_tokens, max_len, rng, temperature, top_k, top_p, stop_token)
