"""Forward + backward of ``course_rnn.nn.LSTM`` / ``GRU`` against ``torch.nn.LSTM`` / ``GRU``.

T=100, B=32, D=64, H=128, two layers, float32, two threads; the same weights and input for
both.  The two modules take turns, so that a burst of load on a shared machine slows both;
medians over the repeats, and their ratio (course / torch: 1.0 is as fast as PyTorch).

On CPU, ``torch.nn.LSTM`` runs oneDNN's fused LSTM kernel (``aten::mkldnn_rnn_layer``: one
C++ call per layer, the gate arithmetic of a step in one pass); ``torch.nn.GRU`` has no such
kernel and runs a step loop of ATen operations like ours.  The last line times
``torch.nn.LSTM`` with oneDNN switched off, which is that same kind of loop, for comparison.
"""

import statistics
import time
import warnings

import torch

import course_rnn.nn

T, B, D, H, LAYERS = 100, 32, 64, 128, 2
REPEATS = 7


def forward_backward(module, x):
    module.zero_grad()
    output, _ = module(x)
    output.sum().backward()


def compare(name, reference, course, x, repeats=REPEATS, onednn=True):
    """Median seconds of forward + backward for each module, taking turns; returns the ratio."""
    course.load_state_dict(reference.state_dict())
    times = {"torch.nn": [], "course_rnn.nn": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # switching oneDNN prints a note about Intel GPUs
        with torch.backends.mkldnn.flags(enabled=onednn):
            for _ in range(repeats + 1):  # the first round warms up and is not counted
                for label, module in (("torch.nn", reference), ("course_rnn.nn", course)):
                    start = time.perf_counter()
                    forward_backward(module, x)
                    times[label].append(time.perf_counter() - start)
    medians = {label: statistics.median(ts[1:]) for label, ts in times.items()}
    ratio = medians["course_rnn.nn"] / medians["torch.nn"]
    print(f"{name}: torch.nn {medians['torch.nn'] * 1e3:7.1f} ms   course_rnn.nn "
          f"{medians['course_rnn.nn'] * 1e3:7.1f} ms   ratio {ratio:.2f}x", flush=True)
    return ratio


def main():
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        torch.manual_seed(0)
        x = torch.randn(T, B, D)
        print(f"forward + backward, T={T} B={B} D={D} H={H} num_layers={LAYERS}, float32, "
              f"2 threads, median of {REPEATS}")
        compare("LSTM", torch.nn.LSTM(D, H, LAYERS), course_rnn.nn.LSTM(D, H, LAYERS), x)
        compare("GRU ", torch.nn.GRU(D, H, LAYERS), course_rnn.nn.GRU(D, H, LAYERS), x)
        compare("LSTM, torch.nn without oneDNN", torch.nn.LSTM(D, H, LAYERS), course_rnn.nn.LSTM(D, H, LAYERS),
                x, onednn=False)
    finally:
        torch.set_num_threads(threads)


if __name__ == "__main__":
    main()
