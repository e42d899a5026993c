"""Hand-written BPTT in numpy (course_rnn.scratch) against torch autograd through torch.nn.

One forward + backward pass of the same network with the same weights, float32, 2 threads.
The scratch code is written to be read, not to be fast: the ratio shows what clarity costs.
Run: ``python benchmarks/run.py bptt``.
"""

import statistics
import time

import numpy as np
import torch

from course_rnn.scratch import params_from_state_dict, stacked_backward, stacked_forward

REPEATS = 7
BUDGET_SECONDS = 25.0  # per comparison: on a loaded machine take fewer repeats (at least 3)


def interleaved_medians(fns, repeats=REPEATS, budget=BUDGET_SECONDS):
    """Median seconds of each function, timed in alternation so that both see the same load."""
    for fn in fns:
        fn()  # warm-up: first-call allocations and lazy initialisation are not what we measure
    times = [[] for _ in fns]
    spent = 0.0
    while len(times[0]) < repeats and (len(times[0]) < 3 or spent < budget):
        for fn, kept in zip(fns, times):
            start = time.perf_counter()
            fn()
            kept.append(time.perf_counter() - start)
            spent += kept[-1]
    return [statistics.median(kept) for kept in times], len(times[0])


def compare(name, cell, module, T, B, D):
    """Median time of scratch stacked_forward + stacked_backward vs module(x) + .backward()."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, D)).astype(np.float32)
    H = module.hidden_size
    dout = rng.standard_normal((T, B, H)).astype(np.float32)
    layer_params = params_from_state_dict({k: v.detach().numpy() for k, v in module.state_dict().items()})
    xt, dout_t = torch.from_numpy(x), torch.from_numpy(dout)

    def scratch():
        _, _, cache = stacked_forward(x, None, layer_params, cell)
        stacked_backward(dout, cache)

    def autograd():
        module.zero_grad()
        out, _ = module(xt)
        out.backward(dout_t)

    (t_scratch, t_torch), n = interleaved_medians([scratch, autograd])
    print(f"{name:<38} scratch {1e3 * t_scratch:8.1f} ms   torch {1e3 * t_torch:8.1f} ms   "
          f"scratch/torch {t_scratch / t_torch:5.2f}x   (n={n})", flush=True)


def main():
    torch.set_num_threads(2)
    torch.manual_seed(0)
    print(f"forward + backward, float32, median of up to {REPEATS} runs, "
          f"torch threads {torch.get_num_threads()}")
    compare("LSTM 2 layers T=100 B=32 D=64 H=128", "lstm", torch.nn.LSTM(64, 128, num_layers=2), 100, 32, 64)
    compare("RNN tanh 1 layer T=50 B=16 D=32 H=64", "rnn", torch.nn.RNN(32, 64), 50, 16, 32)


if __name__ == "__main__":
    main()
