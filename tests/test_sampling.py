"""Tests of course_rnn.sampling: every check is a property or an independent oracle
(brute-force enumeration, numpy's Generator.choice, scipy, torch.nn), on tiny toy models."""

import itertools

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch

from course_rnn.sampling import (TorchStepper, apply_temperature, beam_search, feed, generate, greedy,
                                 log_softmax, sample, sample_from_logits, scratch_stepper, softmax,
                                 top_k_filter, top_p_filter)
from course_rnn.scratch import init_rnn_params

V, H = 5, 8
P_MIN = 1e-3  # chi-square tests pass when p > P_MIN (fixed seeds, so they are deterministic)


# ---------------------------------------------------------------- toy models (step functions)

def rnn_model(cell="rnn", seed=0, V=V, H=H, scale=3.0):
    """A fixed random-weight numpy language model: one-hot -> cell -> W_ho; history matters."""
    rng = np.random.default_rng(seed)
    G = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    params = init_rnn_params(V, H, rng, gates=G)
    params["W_ih"] *= scale  # sharper next-token distributions, so histories differ visibly
    W_ho = rng.normal(0, scale / np.sqrt(H), (V, H))
    b_o = rng.normal(0, 1, V)
    return params, W_ho, b_o


def rnn_step(cell="rnn", seed=0, **kw):
    params, W_ho, b_o = rnn_model(cell, seed, **kw)
    return scratch_stepper(params, W_ho, b_o, cell)


def bigram_step(table):
    """logits of the next token = table[current token]; the state is unused."""
    return lambda token, state: (table[token], state)


def constant_step(logits):
    return lambda token, state: (logits, state)


def counting_step(V=V):
    """Strongly prefers token (number of tokens read so far) mod V: depends on the whole history."""
    def step(token, state):
        n = 1 if state is None else state + 1
        return 10.0 * np.eye(V)[n % V], n
    return step


class Recorder:
    """Wraps a step function and keeps every logits vector it returned, in order."""

    def __init__(self, step):
        self.step, self.logits = step, []

    def __call__(self, token, state):
        logits, state = self.step(token, state)
        self.logits.append(np.asarray(logits))
        return logits, state


def chosen_from(recorder, prime, out):
    """Pairs (logits the token was drawn from, token) for each generated token."""
    return [(recorder.logits[len(prime) - 1 + i], token) for i, token in enumerate(out)]


def sequence_log_prob(step, prime, seq):
    """log p(seq | prime), by scipy's log-softmax at each position: the brute-force oracle."""
    state, logits = None, None
    for token in prime:
        logits, state = step(token, state)
    total = 0.0
    for token in seq:
        total += scipy.special.log_softmax(np.asarray(logits, dtype=np.float64))[token]
        logits, state = step(token, state)
    return total


def draw_counts(logits, n, rng, **kw):
    out = sample(constant_step(logits), [0], n, rng, **kw)
    return np.bincount(out, minlength=len(logits))


def chisquare_p(counts, probs):
    keep = probs > 0
    assert counts[~keep].sum() == 0, "a token with probability 0 was drawn"
    return scipy.stats.chisquare(counts[keep], counts.sum() * probs[keep]).pvalue


# ---------------------------------------------------------------- functions on one logits vector

def test_softmax_and_log_softmax_match_torch_float64(rng):
    z = rng.normal(0, 5, 11)
    z[3] = 800.0  # exp(800) overflows unless the maximum is subtracted
    expected = torch.softmax(torch.tensor(z), 0).numpy()
    np.testing.assert_allclose(softmax(z), expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(log_softmax(z), torch.log_softmax(torch.tensor(z), 0).numpy(), rtol=1e-12)
    np.testing.assert_allclose(softmax(torch.tensor(z)), expected, rtol=1e-12)


def test_temperature_limits_are_one_hot_and_uniform(rng):
    z = rng.normal(0, 1, 7)
    np.testing.assert_allclose(softmax(apply_temperature(z, 1e-4)), np.eye(7)[np.argmax(z)], atol=1e-12)
    np.testing.assert_allclose(softmax(apply_temperature(z, 1e6)), np.full(7, 1 / 7), atol=1e-5)


def test_top_k_filter_keeps_exactly_torch_topk(rng):
    z = rng.normal(0, 1, 10)
    for k in (1, 3, 10, 50):
        kept = np.flatnonzero(np.isfinite(top_k_filter(z, k)))
        expected = torch.topk(torch.tensor(z), min(k, 10)).indices.numpy()
        assert sorted(kept) == sorted(expected)


def test_top_p_filter_keeps_the_smallest_nucleus(rng):
    z = rng.normal(0, 2, 12)
    probs = scipy.special.softmax(z)
    for p in (0.05, 0.5, 0.9, 0.999, 1.0):
        kept = set(np.flatnonzero(np.isfinite(top_p_filter(z, p))))
        # oracle: the smallest set with mass >= p is a prefix of the tokens sorted by probability
        order = np.argsort(-probs)
        n = next(i for i in range(1, 13) if probs[order[:i]].sum() >= p - 1e-15)
        assert kept == set(order[:n])


def test_sample_from_logits_draws_what_numpy_choice_draws(rng):
    z = rng.normal(0, 1, 9)
    ours, theirs = np.random.default_rng(7), np.random.default_rng(7)
    for _ in range(300):
        assert sample_from_logits(z, ours) == theirs.choice(9, p=scipy.special.softmax(z))


def test_sample_from_logits_accepts_torch_logits_and_int_seeds(rng):
    z = rng.normal(0, 1, 9)
    for seed in range(20):
        assert sample_from_logits(torch.tensor(z, dtype=torch.float32), seed) == \
            sample_from_logits(z, np.random.default_rng(seed))


# ---------------------------------------------------------------- distributions (chi-square)

@pytest.mark.parametrize("make_rng", [lambda: np.random.default_rng(1),
                                      lambda: torch.Generator().manual_seed(1)],
                         ids=["numpy", "torch"])
def test_frequencies_match_softmax_at_temperature_one(make_rng, rng):
    z = rng.normal(0, 1, 6)
    counts = draw_counts(z, 20_000, make_rng())
    assert chisquare_p(counts, scipy.special.softmax(z)) > P_MIN


@pytest.mark.parametrize("T", [0.5, 2.0])
def test_frequencies_match_softmax_of_logits_over_temperature(T, rng):
    z = rng.normal(0, 1, 6)
    counts = draw_counts(z, 20_000, np.random.default_rng(2), temperature=T)
    assert chisquare_p(counts, scipy.special.softmax(z / T)) > P_MIN
    # and the test has power: temperature applied the wrong way (z * T) is rejected
    assert scipy.stats.chisquare(counts, counts.sum() * scipy.special.softmax(z * T)).pvalue < P_MIN


def test_top_k_and_top_p_frequencies_are_the_renormalised_softmax():
    z = np.log(np.array([0.4, 0.25, 0.15, 0.1, 0.06, 0.04]))
    probs = scipy.special.softmax(z)
    for kw, kept in (({"top_k": 3}, 3), ({"top_p": 0.7}, 3), ({"top_k": 4, "top_p": 0.95}, 4)):
        counts = draw_counts(z, 10_000, np.random.default_rng(3), **kw)
        expected = np.where(np.arange(6) < kept, probs, 0.0)
        assert chisquare_p(counts, expected / expected.sum()) > P_MIN, kw


# ---------------------------------------------------------------- filters hold over many draws

@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_never_samples_outside_the_k_most_likely(k):
    step = Recorder(rnn_step(seed=4))
    prime = [0, 1]
    out = sample(step, prime, 1500, np.random.default_rng(k), top_k=k, temperature=2.0)
    mass_outside = 0.0
    for logits, token in chosen_from(step, prime, out):
        assert token in np.argsort(-logits)[:k]
        mass_outside += np.sort(scipy.special.softmax(logits / 2.0))[:-k].sum()
    assert mass_outside > 100  # without the filter, about this many draws would have escaped it


@pytest.mark.parametrize("p", [0.3, 0.6, 0.9])
def test_top_p_never_samples_outside_the_smallest_nucleus(p):
    step = Recorder(rnn_step(seed=5))
    prime = [2]
    out = sample(step, prime, 1500, np.random.default_rng(11), top_p=p, temperature=2.0)
    outside_full_support = 0
    for logits, token in chosen_from(step, prime, out):
        probs = scipy.special.softmax(logits / 2.0)  # the nucleus is taken after the temperature
        order = np.argsort(-probs)
        n = np.searchsorted(np.cumsum(probs[order]), p) + 1  # smallest prefix with mass >= p
        assert token in order[:n]
        outside_full_support += n < V
    assert outside_full_support > 100  # the nucleus was a strict subset often enough to matter


# ---------------------------------------------------------------- greedy and beam search

@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_temperature_near_zero_gives_the_greedy_sequence(cell):
    step = rnn_step(cell, seed=6)
    expected = greedy(step, [1, 2], 40)
    for seed in range(3):
        assert sample(step, [1, 2], 40, seed, temperature=1e-4) == expected


def test_greedy_picks_the_argmax_of_each_step_logits():
    step = Recorder(rnn_step(seed=7))
    out = greedy(step, [3], 30)
    assert all(token == np.argmax(logits) for logits, token in chosen_from(step, [3], out))


@pytest.mark.parametrize("stop_token", [None, 0])
@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_beam_width_one_is_greedy(cell, stop_token):
    step = rnn_step(cell, seed=8)
    assert beam_search(step, [1, 4], 1, 30, stop_token) == greedy(step, [1, 4], 30, stop_token)


def brute_force_best(step, prime, L, stop_token, length_penalty, V):
    """Every sequence beam search may return: length L without the stop token, or any
    length <= L that ends with it (and contains it nowhere else)."""
    candidates = [s for s in itertools.product(range(V), repeat=L) if stop_token not in s]
    if stop_token is not None:
        for n in range(1, L + 1):
            candidates += [s + (stop_token,) for s in itertools.product(range(V), repeat=n - 1)
                           if stop_token not in s]
    scores = [sequence_log_prob(step, prime, s) / len(s) ** length_penalty for s in candidates]
    return list(candidates[int(np.argmax(scores))])


@pytest.mark.parametrize("stop_token, length_penalty", [(None, 0.0), (2, 0.0), (2, 1.0), (0, 0.6)])
@pytest.mark.parametrize("seed", [9, 10])
def test_wide_beam_finds_the_brute_force_best_sequence(seed, stop_token, length_penalty):
    V3, L = 3, 4
    step = rnn_step("rnn", seed=seed, V=V3, H=4, scale=1.5)
    found = beam_search(step, [1], V3 ** L, L, stop_token, length_penalty)
    assert found == brute_force_best(step, [1], L, stop_token, length_penalty, V3)


def test_beam_search_beats_greedy_when_the_first_step_misleads():
    # from 0, token 1 looks best (0.6) but every continuation of it is uncertain; token 2 (0.4)
    # is followed by 3 almost surely: p(1, *) <= 0.6 * 0.34 < p(2, 3) = 0.4 * 0.97
    probs = np.full((4, 4), 0.01)
    probs[0] = [0.0, 0.6, 0.4, 0.0]
    probs[1] = [0.33, 0.33, 0.0, 0.34]
    probs[2] = [0.01, 0.01, 0.01, 0.97]
    step = bigram_step(np.log(probs + 1e-12))
    assert greedy(step, [0], 2) == [1, 3]
    assert beam_search(step, [0], 2, 2) == [2, 3] == brute_force_best(step, [0], 2, None, 0.0, 4)


def reference_beam(step, prime, width, L, stop_token, length_penalty, V,
                   rank_by="total", finished_keep_slots=False):
    """Beam search as the docstring of course_rnn.sampling.beam states it, written
    independently: every score is recomputed from scratch by ``sequence_log_prob``.

    ``rank_by="last"`` (rank by the last step's log-probability) and
    ``finished_keep_slots=True`` (finished hypotheses narrow the beam) are the two wrong
    readings of the rule; the tests below show that the case set tells them apart."""
    def total(s):
        return sequence_log_prob(step, prime, s)

    def last(s):
        return total(s) - total(s[:-1])

    key = total if rank_by == "total" else last
    live, finished = [()], []
    for _ in range(L):
        candidates = [s + (v,) for s in live for v in range(V)]  # beam order, then token id
        ranked = sorted(candidates, key=lambda s: -key(s))       # stable: ties keep that order
        live, slots = [], width
        for s in ranked:
            if slots == 0:
                break
            if s[-1] == stop_token or len(s) == L:
                finished.append(s)
                slots -= finished_keep_slots
            else:
                live.append(s)
                slots -= 1
        if not live:
            break
    scores = [total(s) / len(s) ** length_penalty for s in finished]
    return list(finished[int(np.argmax(scores))]) if finished else []


BEAM_CASES = [(seed, width, stop_token, alpha) for seed in range(20, 32) for width in (1, 2, 3)
              for stop_token, alpha in ((None, 0.0), (2, 0.0), (2, 2.0))]


def beam_model(seed):
    """V = 3 tokens; token 2 (the stop token of some cases) made likelier, so that
    hypotheses finish inside the beam while others are still alive."""
    params, W_ho, b_o = rnn_model("rnn", seed, V=3, H=4, scale=1.5)
    return scratch_stepper(params, W_ho, b_o + np.array([0.0, 0.0, 1.0]), "rnn")


def beam_case(seed, width, stop_token, alpha, beam=beam_search):
    step = beam_model(seed)
    if beam is beam_search:
        return beam_search(step, [1], width, 5, stop_token, alpha)
    return beam(step, [1], width, 5, stop_token, alpha, 3)


@pytest.mark.parametrize("seed, width, stop_token, alpha", BEAM_CASES)
def test_beam_search_equals_an_independent_reference_of_the_documented_rule(seed, width, stop_token, alpha):
    assert beam_case(seed, width, stop_token, alpha) == beam_case(seed, width, stop_token, alpha,
                                                                  reference_beam)


def test_beam_reference_cases_are_ones_where_pruning_changes_the_answer():
    # the cases above would not test pruning if every width found the exact best sequence
    pruned = 0
    for seed, width, stop_token, alpha in BEAM_CASES:
        pruned += beam_case(seed, width, stop_token, alpha) != brute_force_best(beam_model(seed), [1], 5,
                                                                               stop_token, alpha, 3)
    assert pruned >= 5


@pytest.mark.parametrize("wrong", [{"rank_by": "last"}, {"finished_keep_slots": True}],
                         ids=["ranked_by_last_step", "finished_narrow_the_beam"])
def test_beam_reference_cases_reject_the_wrong_readings_of_the_rule(wrong):
    def mutant(*args):
        return reference_beam(*args, **wrong)

    differs = [case for case in BEAM_CASES if beam_case(*case, beam=mutant) != beam_case(*case)]
    assert len(differs) >= 3  # so a beam search written that way fails the reference test


def test_beam_width_two_prunes_the_best_sequence_and_width_three_finds_it():
    # prime 0. Token 3 starts the best sequence (3, 3, 3) but ranks third at step one:
    #   p(1 | 0) = .4, p(2 | 0) = .35, p(3 | 0) = .25; after 1 or 2 everything is uniform
    #   (1/4 each), after 3 the next token is 3 with probability .97.
    # best: p(3, 3, 3) = .25 * .97 * .97 = .235 > p(1, *, *) = .4 / 16 = .025.
    # width 2 keeps only 1 and 2 after step one, so it returns a uniform continuation of 1;
    # width 1 is greedy; width 3 keeps 3 and finds the best sequence.
    probs = np.full((4, 4), 0.25)
    probs[0] = [1e-9, 0.4, 0.35, 0.25]
    probs[3] = [0.01, 0.01, 0.01, 0.97]
    step = bigram_step(np.log(probs))
    assert brute_force_best(step, [0], 3, None, 0.0, 4) == [3, 3, 3]
    assert beam_search(step, [0], 3, 3) == [3, 3, 3]
    assert beam_search(step, [0], 2, 3)[0] == 1 and beam_search(step, [0], 2, 3) != [3, 3, 3]
    assert beam_search(step, [0], 1, 3) == greedy(step, [0], 3)


def test_finished_hypotheses_leave_the_beam_instead_of_narrowing_it():
    # prime 0, stop token 2, width 2, max_len 3. Step one: 2 (stop, .5), 1 (.3), 3 (.2).
    # The stop candidate finishes and leaves; the beam keeps 1 AND 3 live. After 1
    # everything is uniform; after 3 comes stop (.5) or 3 (.48). Scores log p / |y|**alpha:
    # alpha = 1: (2) -.69 beats (3, 2) -1.15, (3, 3, 2) -1.01 and every (1, x, y) -1.33;
    # alpha = 3: (3, 3, 2) -.113 beats (3, 3, 3) -.114, (1, x, y) -.147, (3, 2) -.29, (2) -.69.
    # A beam where (2) kept its slot would hold only 1 after step one and never see (3, 3, 2).
    probs = np.full((4, 4), 0.25)
    probs[0] = [1e-9, 0.3, 0.5, 0.2]
    probs[3] = [0.01, 0.01, 0.5, 0.48]
    step = bigram_step(np.log(probs))
    assert beam_search(step, [0], 2, 3, stop_token=2, length_penalty=1.0) == [2]
    # with a strong length penalty the longer finished hypotheses win, and only a beam that
    # kept 3 alive after (2) finished can return one that starts with 3
    expected = brute_force_best(step, [0], 3, 2, 3.0, 4)
    assert expected == [3, 3, 2]
    assert beam_search(step, [0], 2, 3, stop_token=2, length_penalty=3.0) == expected
    narrowing = reference_beam(step, [0], 2, 3, 2, 3.0, 4, finished_keep_slots=True)
    assert narrowing != expected


def test_beam_search_stops_early_without_changing_the_result():
    # counting how often the model is stepped: a stop token with probability ~1 after the
    # first step ends the search at once, whatever max_len is
    calls = []

    def step(token, state):
        calls.append(token)
        return np.log(np.array([0.98, 0.01, 0.01])), state

    assert beam_search(step, [1], 2, 50, stop_token=0) == [0]
    assert len(calls) <= 1 + 2  # the prime, then the two live hypotheses of step one

# ---------------------------------------------------------------- seeds, stop token, length, prime

def test_same_seed_same_text_and_different_seeds_different_text():
    step = rnn_step(seed=12)
    a = sample(step, [0], 60, 5, temperature=1.5)
    assert sample(step, [0], 60, np.random.default_rng(5), temperature=1.5) == a
    assert sample(step, [0], 60, 6, temperature=1.5) != a
    t = sample(step, [0], 60, torch.Generator().manual_seed(5), temperature=1.5)
    assert sample(step, [0], 60, torch.Generator().manual_seed(5), temperature=1.5) == t
    assert sample(step, [0], 60, torch.Generator().manual_seed(6), temperature=1.5) != t


def test_sampling_never_reads_or_advances_global_random_state():
    step = rnn_step(seed=13)
    np.random.seed(123)
    torch.manual_seed(123)
    np_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state().clone()
    a = generate(step, [0], 50, rng=3, temperature=1.5, top_p=0.9)
    b = generate(step, [0], 50, rng=torch.Generator().manual_seed(3), top_k=3)
    assert np.array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.random.seed(999)
    torch.manual_seed(999)
    assert generate(step, [0], 50, rng=3, temperature=1.5, top_p=0.9) == a
    assert generate(step, [0], 50, rng=torch.Generator().manual_seed(3), top_k=3) == b


@pytest.mark.parametrize("strategy, kw", [("sample", {"temperature": 2.0}), ("greedy", {})])
def test_stop_token_ends_generation_where_it_first_appears(strategy, kw):
    step, stop, stopped = rnn_step(seed=14), 3, 0
    for seed in range(20):
        rng = {"rng": seed} if strategy == "sample" else {}
        without_stop = generate(step, [seed % V], 40, strategy=strategy, **rng, **kw)
        with_stop = generate(step, [seed % V], 40, stop_token=stop, strategy=strategy, **rng, **kw)
        # the draws are the same up to the stop token, so cutting the free run there is the oracle
        cut = without_stop.index(stop) + 1 if stop in without_stop else len(without_stop)
        assert with_stop == without_stop[:cut]
        stopped += stop in with_stop
    assert stopped > 0  # some runs did stop, so the property was exercised


@pytest.mark.parametrize("strategy, kw", [("sample", {"rng": 0}), ("greedy", {}),
                                          ("beam", {"beam_width": 3})])
@pytest.mark.parametrize("max_len", [0, 1, 17])
def test_length_limit_is_respected(strategy, kw, max_len):
    step = rnn_step(seed=15)
    out = generate(step, [1, 2, 3], max_len, strategy=strategy, **kw)
    assert len(out) == max_len  # no stop token: exactly max_len
    out = generate(step, [1], max_len, stop_token=4, strategy=strategy, **kw)
    assert len(out) <= max_len


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_priming_tokens_change_the_state(n):
    # the counting model's favourite next token is (tokens read) mod V: only a state that
    # really went through all n priming tokens makes greedy start with n mod V
    assert greedy(counting_step(), [0] * n, 3) == [n % V, (n + 1) % V, (n + 2) % V]
    assert beam_search(counting_step(), [0] * n, 2, 3) == [n % V, (n + 1) % V, (n + 2) % V]


def test_priming_history_changes_the_rnn_next_token_distribution():
    # same last token, different history: a fed state carries the history into the logits
    step = rnn_step(seed=16)
    with_history, _ = feed(step, [4, 2, 1])
    last_only, _ = feed(step, [1])
    assert np.abs(softmax(with_history) - softmax(last_only)).max() > 0.05
    _, state = feed(step, [4, 2])
    np.testing.assert_allclose(step(1, state)[0], with_history, rtol=1e-12)


# ---------------------------------------------------------------- adapters

@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_scratch_stepper_matches_torch_nn_over_the_whole_prime(cell, rng):
    params, W_ho, b_o = rnn_model(cell, seed=17)
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](V, H).double()
    module.load_state_dict({f"{torch_name}_l0": torch.tensor(params[name]) for torch_name, name in
                            [("weight_ih", "W_ih"), ("weight_hh", "W_hh"), ("bias_ih", "b_ih"),
                             ("bias_hh", "b_hh")]})
    prime = list(rng.integers(0, V, 9))
    logits, _ = feed(scratch_stepper(params, W_ho, b_o, cell), prime)
    x = torch.nn.functional.one_hot(torch.tensor(prime), V).double().unsqueeze(1)  # (T, 1, V)
    hs, _ = module(x)                                                              # (T, 1, H)
    np.testing.assert_allclose(logits, W_ho @ hs[-1, 0].detach().numpy() + b_o, rtol=1e-10, atol=1e-12)


class OneHotLM(torch.nn.Module):
    """The TorchStepper contract: model(tokens (T, B), state) -> (logits (T, B, V), state)."""

    def __init__(self, rnn, V):
        super().__init__()
        self.rnn, self.V = rnn, V
        self.out = torch.nn.Linear(rnn.hidden_size, V, dtype=torch.float64)

    def forward(self, tokens, state=None):
        x = torch.nn.functional.one_hot(tokens, self.V).double()  # (T, B, V)
        hs, state = self.rnn(x, state)                            # (T, B, H)
        return self.out(hs), state                                # (T, B, V)


def test_torch_stepper_agrees_with_scratch_stepper_on_the_same_weights(rng):
    model = OneHotLM(torch.nn.LSTM(V, H, dtype=torch.float64), V).eval()
    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    params = {"W_ih": sd["rnn.weight_ih_l0"], "W_hh": sd["rnn.weight_hh_l0"],
              "b_ih": sd["rnn.bias_ih_l0"], "b_hh": sd["rnn.bias_hh_l0"]}
    torch_step = TorchStepper(model)
    numpy_step = scratch_stepper(params, sd["out.weight"], sd["out.bias"], "lstm")
    prime = [1, 0, 3]
    torch_logits, numpy_logits = feed(torch_step, prime)[0], feed(numpy_step, prime)[0]
    np.testing.assert_allclose(torch_logits.numpy(), numpy_logits, rtol=1e-10)
    assert greedy(torch_step, prime, 25) == greedy(numpy_step, prime, 25)
    assert sample(torch_step, prime, 25, 4) == sample(numpy_step, prime, 25, 4)
    assert beam_search(torch_step, prime, 3, 6) == beam_search(numpy_step, prime, 3, 6)


def test_torch_stepper_leaves_the_state_unchanged_so_beams_can_branch():
    model = OneHotLM(torch.nn.GRU(V, H, dtype=torch.float64), V).eval()
    step = TorchStepper(model)
    _, state = feed(step, [2, 3])
    before = state.clone()
    first, _ = step(1, state)
    step(4, state)
    again, _ = step(1, state)
    assert torch.equal(state, before) and torch.equal(first, again)
    # oracle for the logits: the whole sequence at once through the model
    logits_all, _ = model(torch.tensor([[2], [3], [1]]))
    torch.testing.assert_close(first, logits_all[-1, 0], rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- bad arguments

STEP = bigram_step(np.zeros((V, V)))


@pytest.mark.parametrize("call, argument", [
    (lambda: sample(STEP, [0], 5, 0, temperature=0), "temperature"),
    (lambda: sample(STEP, [0], 5, 0, temperature=-1.0), "temperature"),
    (lambda: sample(STEP, [0], 5, 0, top_k=0), "top_k"),
    (lambda: sample(STEP, [0], 5, 0, top_k=2.5), "top_k"),
    (lambda: sample(STEP, [0], 5, 0, top_p=0.0), "top_p"),
    (lambda: sample(STEP, [0], 5, 0, top_p=1.5), "top_p"),
    (lambda: beam_search(STEP, [0], 0, 5), "beam_width"),
    (lambda: beam_search(STEP, [0], 2, 5, length_penalty=float("nan")), "length_penalty"),
    (lambda: greedy(STEP, [], 5), "prime_tokens"),
    (lambda: beam_search(STEP, [], 2, 5), "prime"),
    (lambda: sample(STEP, [0], 0, 0, top_k=0), "top_k"),  # checked before anything runs
    (lambda: greedy(STEP, [0], -1), "max_len"),
    (lambda: greedy(STEP, [0], 5, stop_token=1.0), "stop_token"),
    (lambda: generate(STEP, [0], 5), "rng"),
    (lambda: generate(STEP, [0], 5, strategy="greedy", temperature=0.5), "temperature"),
    (lambda: generate(STEP, [0], 5, strategy="beam"), "beam_width"),
    (lambda: generate(STEP, [0], 5, strategy="nucleus"), "strategy"),
    (lambda: sample_from_logits(np.zeros((2, V)), 0), "logits"),
])
def test_bad_arguments_raise_errors_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


@pytest.mark.parametrize("rng", [None, "seed", 1.5, -1, np.random.RandomState(0)])
def test_rng_must_be_an_explicit_seed_or_generator(rng):
    with pytest.raises(TypeError, match="rng"):
        sample(STEP, [0], 5, rng)
