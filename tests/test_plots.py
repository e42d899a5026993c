"""course_rnn.plots: figures build headless with the expected artists, and the gradient norms
behind the vanishing-gradient plot match torch autograd on a loop written out by hand."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import course_rnn.nn as cnn  # noqa: E402
from course_rnn.plots import (dendrogram_of_hidden, gradient_norm_vs_lag, heatmap_over_sequence,  # noqa: E402
                              hidden_gradient_norms, loss_curves, sample_table)
from course_rnn.train import History  # noqa: E402

CELLS = [("RNN", torch.nn.RNNCell), ("LSTM", torch.nn.LSTMCell)]
if hasattr(cnn, "GRU"):
    CELLS.append(("GRU", torch.nn.GRUCell))


def test_loss_curves_draws_train_steps_and_validation_epochs():
    history = History(train_loss=list(np.linspace(3, 1, 50)), grad_norm=[1.0] * 50,
                      epochs=[{"epoch": 1, "step": 25, "val_loss": 2.1}, {"epoch": 2, "step": 50, "val_loss": 1.3}])
    fig = loss_curves(history, smooth=5)
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["train (per step)", "train (5-step mean)", "validation (per epoch)"]
    np.testing.assert_array_equal(ax.get_lines()[2].get_xdata(), [25, 50])
    assert "loss" in ax.get_ylabel() and ax.get_xlabel() == "step"
    fig.canvas.draw()  # renders with no display


def test_heatmap_shows_units_as_rows_and_tokens_as_columns():
    values = np.random.default_rng(0).uniform(-1, 1, (6, 4))
    fig = heatmap_over_sequence(values, list("hello\n"), title="hidden state")
    ax = fig.axes[0]
    image = ax.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), values.T)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["h", "e", "l", "l", "o", "\\n"]
    assert ax.get_title() == "hidden state" and len(fig.axes) == 2  # the heatmap and its colorbar
    with pytest.raises(ValueError, match="tokens has 3 labels"):
        heatmap_over_sequence(values, "abc")


def unrolled_gradient_norms(torch_cell, cell, x):
    """Oracle: a plain loop of torch.nn.*Cell with the same weights, autograd.grad to every h_t."""
    reference = torch_cell(x.shape[2], cell.hidden_size).double()
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(reference, name).data.copy_(getattr(cell, f"{name}_l0").data)
    B, H = x.shape[1], cell.hidden_size
    h, c, hs = torch.zeros(B, H, dtype=torch.float64), torch.zeros(B, H, dtype=torch.float64), []
    for t in range(x.shape[0]):
        if torch_cell is torch.nn.LSTMCell:
            h, c = reference(x[t], (h, c))
        else:
            h = reference(x[t], h)
        hs.append(h)
    grads = torch.autograd.grad(hs[-1].sum(), hs)
    return np.array([float(g.norm()) for g in grads][::-1])


@pytest.mark.parametrize("name, torch_cell", CELLS)
def test_hidden_gradient_norms_match_autograd_on_an_unrolled_loop(name, torch_cell):
    torch.manual_seed(0)
    model = getattr(cnn, name)(3, 5).double()
    x = torch.randn(12, 2, 3, dtype=torch.float64)
    norms = hidden_gradient_norms(model, x)
    expected = unrolled_gradient_norms(torch_cell, model, x)
    assert norms.shape == (12,)
    np.testing.assert_allclose(norms, expected, rtol=1e-10)
    assert all(p.grad is None for p in model.parameters())  # the model's .grad untouched


def test_small_weight_rnn_gradient_vanishes_geometrically_with_lag():
    torch.manual_seed(0)
    rnn = cnn.RNN(3, 8).double()
    with torch.no_grad():
        rnn.weight_hh_l0.mul_(0.3)  # spectral radius well below 1
    norms = hidden_gradient_norms(rnn, torch.randn(15, 1, 3, dtype=torch.float64))
    assert np.all(np.diff(norms) < 0) and norms[-1] < 1e-4 * norms[0]


def test_gradient_norm_vs_lag_plots_one_log_scale_line_per_model():
    fig = gradient_norm_vs_lag({"RNN": 0.5 ** np.arange(10), "LSTM": 0.9 ** np.arange(10)})
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == ["RNN", "LSTM"]
    assert "lag" in ax.get_xlabel()


def test_dendrogram_labels_every_vector_and_joins_the_closest_first():
    vectors = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.0, 5.2]])
    fig = dendrogram_of_hidden(vectors, ["cat", "dog", "eat", "drink"])
    ax = fig.axes[0]
    leaves = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(leaves) == ["cat", "dog", "drink", "eat"]
    # the two tight pairs sit next to each other in the leaf order
    assert abs(leaves.index("cat") - leaves.index("dog")) == 1
    assert abs(leaves.index("eat") - leaves.index("drink")) == 1


def test_sample_table_renders_markdown_html_and_a_figure():
    rows = {0.5: "the king | the\nqueen", 1.0: "<b>bold</b>"}
    markdown = sample_table(rows, format="markdown")
    lines = markdown.splitlines()
    assert len(lines) == 4 and lines[0] == "| temperature | sample |"
    assert r"the king \| the ↵ queen" in lines[2]
    html = sample_table(rows, format="html")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>" not in html and html.count("<tr>") == 3
    fig = sample_table(rows)
    assert isinstance(fig, Figure) and len(fig.axes[0].tables) == 1
    with pytest.raises(ValueError, match="format="):
        sample_table(rows, format="latex")
