r"""Tree-LSTMs (Tai, Socher & Manning, 2015) as PyTorch modules, one tree level at a time.

The equations are those of :mod:`course_rnn.scratch.treelstm` (Child-Sum eqs. 2-8, N-ary
eqs. 9-14).  The scratch version visits one node at a time; here every node of one
height (see :class:`~course_rnn.trees.Forest`) is computed in the same matrix products,
because its children all sit in lower levels.  A list of trees is one forest: its
levels hold nodes of every tree, so batching trees costs no extra code.

Parameters, named like ``torch.nn.LSTMCell``'s, rows ``i|f|u|o`` (u where the LSTM has g):

- ``weight_ih (4H, D)``: :math:`W^{(i)}, W^{(f)}, W^{(u)}, W^{(o)}` stacked;
- ``weight_hh``: Child-Sum ``(4H, H)``, :math:`U^{(i)}, U^{(f)}, U^{(u)}, U^{(o)}` stacked;
  N-ary ``((3+N)H, NH)``, rows ``i | f_1 .. f_N | u | o``, column block :math:`\ell` for
  child :math:`\ell`, so the f rows hold every :math:`U^{(f)}_{k\ell}`;
- ``bias_ih (4H,)``, ``bias_hh (4H,)``: only their sum is :math:`b` (the N forget gates
  share :math:`b^{(f)}`, as in the paper).

They are the scratch ``params`` ``W_ih, W_hh, b_ih, b_hh`` under PyTorch's names, so
weights copy across unchanged; with N = 1, and for the Child-Sum model on a chain, they
are exactly an ``LSTMCell``'s.  Call ``h, c = module(x, trees)`` with x (J, D), one row per
node in post-order; h, c are (J, H) in the same order.  Taught in book/tree_lstm.md.
"""

import math

import torch
from torch import nn

from course_rnn.nn.recurrent import check_positive_sizes
from course_rnn.trees import Forest


class _TreeLSTM(nn.Module):
    """What both Tree-LSTMs share: parameters, the inputs' checks and the loop over levels."""

    def __init__(self, input_size, hidden_size, hh_shape, device=None, dtype=None):
        super().__init__()
        check_positive_sizes(input_size=input_size, hidden_size=hidden_size)
        factory = {"device": device, "dtype": dtype}
        self.input_size, self.hidden_size = input_size, hidden_size
        H = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * H, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(*hh_shape, **factory))
        self.bias_ih = nn.Parameter(torch.empty(4 * H, **factory))
        self.bias_hh = nn.Parameter(torch.empty(4 * H, **factory))
        self.reset_parameters()

    def reset_parameters(self):
        k = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -k, k)

    def forward(self, x, trees):
        """x: (J, D), one row per node in post-order; trees: a Tree, a list of Trees or a Forest.

        Returns h, c: (J, H), the states of every node in the order of x.
        """
        forest = trees if isinstance(trees, Forest) else Forest(trees)
        J = len(forest)
        if x.dim() != 2 or x.shape != (J, self.input_size):
            raise ValueError(f"x must be (J, D) = {(J, self.input_size)}, one row per node of the "
                             f"tree(s) in post-order; got {tuple(x.shape)}")
        self._check_arity(forest)
        H = self.hidden_size
        xw = x @ self.weight_ih.T + self.bias_ih + self.bias_hh  # (J, 4H): every node's input at once
        # row J stays zero: it is the state of a missing child (N-ary) and never written
        h, c = x.new_zeros(J + 1, H), x.new_zeros(J + 1, H)
        for nodes in forest.levels:
            index = torch.as_tensor(nodes, device=x.device)
            h_level, c_level = self._level(xw[index], h, c, forest, nodes)
            # out of place, so that autograd keeps the states the lower levels read
            h, c = h.index_copy(0, index, h_level), c.index_copy(0, index, c_level)
        return h[:J], c[:J]

    def _check_arity(self, forest):
        pass

    def _level(self, xw, h, c, forest, nodes):
        """States of the n nodes of one level.

        xw: (n, 4H), their input terms; h, c: (J + 1, H), every lower level already done.
        """
        raise NotImplementedError

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}"


class ChildSumTreeLSTM(_TreeLSTM):
    r"""Child-Sum Tree-LSTM (Tai et al. 2015, eqs. 2-8): any number of unordered children.

    ``ChildSumTreeLSTM(input_size, hidden_size)``; ``h, c = module(x, trees)``, x (J, D),
    h and c (J, H).  Parameters ``weight_ih (4H, D)``, ``weight_hh (4H, H)``, ``bias_ih``,
    ``bias_hh (4H,)``, rows ``i|f|u|o`` (see the module docstring).
    """

    def __init__(self, input_size, hidden_size, device=None, dtype=None):
        super().__init__(input_size, hidden_size, (4 * hidden_size, hidden_size), device, dtype)

    def _level(self, xw, h, c, forest, nodes):
        # every (child, parent) pair of the level, the parent as its position in `nodes`
        pairs = [(k, n) for n, j in enumerate(nodes) for k in forest.children[j]]
        child = torch.tensor([k for k, _ in pairs], dtype=torch.long, device=xw.device)
        parent = torch.tensor([n for _, n in pairs], dtype=torch.long, device=xw.device)
        n = len(nodes)
        U_i, U_f, U_u, U_o = self.weight_hh.chunk(4, 0)                  # each (H, H)
        a_i, a_f, a_u, a_o = xw.chunk(4, 1)      # each (n, H)
        h_k, c_k = h[child], c[child]                                    # (m, H), m pairs
        h_tilde = h.new_zeros(n, self.hidden_size).index_add(0, parent, h_k)  # (n, H)   (2)
        i = torch.sigmoid(a_i + h_tilde @ U_i.T)                         #          (3)
        f = torch.sigmoid(a_f[parent] + h_k @ U_f.T)                     # (m, H)   (4)
        o = torch.sigmoid(a_o + h_tilde @ U_o.T)                         #          (5)
        u = torch.tanh(a_u + h_tilde @ U_u.T)                            #          (6)
        c_j = i * u + torch.zeros_like(i).index_add(0, parent, f * c_k)  #          (7)
        h_j = o * torch.tanh(c_j)                                        #          (8)
        return h_j, c_j


class NaryTreeLSTM(_TreeLSTM):
    r"""N-ary Tree-LSTM (Tai et al. 2015, eqs. 9-14): at most N ordered children.

    ``NaryTreeLSTM(input_size, hidden_size, n_ary)``; ``h, c = module(x, trees)``, x (J, D),
    h and c (J, H).  Parameters ``weight_ih (4H, D)``, ``weight_hh ((3+N)H, NH)`` (rows
    ``i | f_1 .. f_N | u | o``, column block l for child l), ``bias_ih``, ``bias_hh (4H,)``.
    A node with fewer than N children gets zero states in the missing places; one with more
    raises ValueError.
    """

    def __init__(self, input_size, hidden_size, n_ary, device=None, dtype=None):
        if isinstance(n_ary, bool) or not isinstance(n_ary, int) or n_ary < 1:
            raise ValueError(f"n_ary={n_ary!r} must be a positive integer (the most children a node may have)")
        self.n_ary = n_ary
        H = hidden_size
        super().__init__(input_size, hidden_size, ((3 + n_ary) * H, n_ary * H), device, dtype)

    def _check_arity(self, forest):
        for j, kids in enumerate(forest.children):
            if len(kids) > self.n_ary:
                raise ValueError(f"node {j} ({forest.nodes[j].to_string()[:60]}) has {len(kids)} children "
                                 f"but this NaryTreeLSTM has n_ary={self.n_ary}; binarize the tree "
                                 f"or use a larger n_ary")

    def _level(self, xw, h, c, forest, nodes):
        N, H, J = self.n_ary, self.hidden_size, len(forest)
        # (n, N) child indices, J (the zero row of h and c) where a child is missing
        slots = [forest.children[j] + [J] * (N - len(forest.children[j])) for j in nodes]
        child = torch.tensor(slots, dtype=torch.long, device=xw.device)
        n = len(nodes)
        U_i, U_f, U_u, U_o = self.weight_hh.split([H, N * H, H, H], 0)   # (H, NH), (NH, NH), ...
        a_i, a_f, a_u, a_o = xw.chunk(4, 1)      # each (n, H)
        h_cat = h[child].reshape(n, N * H)                               # [h_j1; ...; h_jN]
        c_children = c[child]                                            # (n, N, H)
        i = torch.sigmoid(a_i + h_cat @ U_i.T)                           #            (9)
        f = torch.sigmoid(a_f.unsqueeze(1) + (h_cat @ U_f.T).reshape(n, N, H))  # (n, N, H) (10)
        o = torch.sigmoid(a_o + h_cat @ U_o.T)                           #            (11)
        u = torch.tanh(a_u + h_cat @ U_u.T)                              #            (12)
        c_j = i * u + (f * c_children).sum(dim=1)                        #            (13)
        h_j = o * torch.tanh(c_j)                                        #            (14)
        return h_j, c_j

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}, n_ary={self.n_ary}"
