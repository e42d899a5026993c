r"""A small decoder-only transformer language model, built from ``torch.nn``, with the same
contract as :class:`course_rnn.models.CharLM`, so the same training loop, evaluation and
samplers serve both (book/transformers.md compares them).

.. math::
    z^{(0)}_t = E[\text{token}_t] + P_t, \qquad
    z^{(\ell)} = \text{Block}_\ell\big(z^{(\ell - 1)}\big) \text{ with causal self-attention}, \qquad
    \text{logits}_t = \mathrm{LayerNorm}(z^{(L)}_t)\, W^T + b

Every position attends to itself and the positions before it (the causal mask), so the
logits at t predict token t+1 from tokens 0..t only, like an RNN's, but all positions of a
window are computed at once, not one after the other.  The blocks are
``torch.nn.TransformerEncoderLayer`` (pre-norm, GELU), positions are learned (P, up to
``max_len``).

``logits, state = lm(tokens, state=None)``: tokens (T, B) ids, logits (T, B, V).  There is no
recurrent state; ``state`` is the context: the tokens (at most ``max_len - 1``) that came
before ``tokens``, which the new positions also attend to.  So one token at a time with the
returned state (what :class:`course_rnn.sampling.TorchStepper` does) gives the same logits
as the whole sequence at once, while it fits in ``max_len``.
"""

import torch
from torch import nn


class TransformerLM(nn.Module):
    """``TransformerLM(vocab_size, d_model=128, nhead=4, num_layers=2, dim_feedforward=None,
    dropout=0.0, max_len=256)``; ``dim_feedforward`` defaults to 4 * d_model."""

    def __init__(self, vocab_size, d_model=128, nhead=4, num_layers=2, dim_feedforward=None,
                 dropout=0.0, max_len=256):
        super().__init__()
        for name, value in (("vocab_size", vocab_size), ("d_model", d_model), ("nhead", nhead),
                            ("num_layers", num_layers), ("max_len", max_len)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} must be a positive integer")
        if d_model % nhead:
            raise ValueError(f"d_model={d_model} must be divisible by nhead={nhead} (each head gets "
                             f"d_model / nhead features)")
        self.vocab_size, self.max_len = vocab_size, max_len
        self.embedding = nn.Embedding(vocab_size, d_model)               # E (V, D)
        self.position = nn.Parameter(torch.zeros(max_len, d_model))      # P (max_len, D)
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward or 4 * d_model, dropout,
                                           activation="gelu", norm_first=True)
        # norm_first layers cannot use the nested-tensor fast path; say so instead of a warning
        self.blocks = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.decoder = nn.Linear(d_model, vocab_size)                    # W (V, D), b (V,)

    def forward(self, tokens, state=None):
        if tokens.dim() != 2 or tokens.dtype != torch.int64:
            raise ValueError(f"tokens must be (T, B) int64 ids; got {tuple(tokens.shape)} {tokens.dtype}")
        T = tokens.shape[0]
        if T > self.max_len:
            raise ValueError(f"a window of T={T} tokens is longer than max_len={self.max_len}; "
                             f"cut the text into windows of at most max_len")
        context = tokens if state is None else torch.cat([state, tokens])[-self.max_len:]  # (S, B)
        S = context.shape[0]
        z = self.embedding(context) + self.position[:S, None, :]         # (S, B, D)
        causal = nn.Transformer.generate_square_subsequent_mask(S, device=z.device, dtype=z.dtype)
        z = self.blocks(z, mask=causal, is_causal=True)                   # (S, B, D)
        logits = self.decoder(self.norm(z[S - T:]))                       # (T, B, V): new positions
        return logits, context[-(self.max_len - 1):]
