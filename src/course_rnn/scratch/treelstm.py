r"""Tree-LSTMs (Tai, Socher & Manning, 2015), forward and backward by hand.

A Tree-LSTM node j combines its input :math:`x_j` with the states of its children
:math:`C(j)` instead of one previous state.  Two ways to combine them:

**Child-Sum** (eqs. 2-8): any number of unordered children, their hidden states summed,
one forget gate per child.

.. math::
    \begin{aligned}
    \tilde h_j &= \textstyle\sum_{k \in C(j)} h_k \\
    i_j &= \sigma(W^{(i)} x_j + U^{(i)} \tilde h_j + b^{(i)}) \\
    f_{jk} &= \sigma(W^{(f)} x_j + U^{(f)} h_k + b^{(f)}) \\
    o_j &= \sigma(W^{(o)} x_j + U^{(o)} \tilde h_j + b^{(o)}) \\
    u_j &= \tanh(W^{(u)} x_j + U^{(u)} \tilde h_j + b^{(u)}) \\
    c_j &= i_j \odot u_j + \textstyle\sum_{k \in C(j)} f_{jk} \odot c_k \\
    h_j &= o_j \odot \tanh(c_j)
    \end{aligned}

**N-ary** (eqs. 9-14): at most N ordered children (child :math:`\ell` of node j is
:math:`h_{j\ell}, c_{j\ell}`, zeros where it is missing), each position with its own
weights; the forget gate of child k sees every child through :math:`U^{(f)}_{k\ell}`.

.. math::
    \begin{aligned}
    i_j &= \sigma(W^{(i)} x_j + \textstyle\sum_{\ell=1}^N U^{(i)}_\ell h_{j\ell} + b^{(i)}) \\
    f_{jk} &= \sigma(W^{(f)} x_j + \textstyle\sum_{\ell=1}^N U^{(f)}_{k\ell} h_{j\ell} + b^{(f)}) \\
    o_j &= \sigma(W^{(o)} x_j + \textstyle\sum_{\ell=1}^N U^{(o)}_\ell h_{j\ell} + b^{(o)}) \\
    u_j &= \tanh(W^{(u)} x_j + \textstyle\sum_{\ell=1}^N U^{(u)}_\ell h_{j\ell} + b^{(u)}) \\
    c_j &= i_j \odot u_j + \textstyle\sum_{\ell=1}^N f_{j\ell} \odot c_{j\ell} \\
    h_j &= o_j \odot \tanh(c_j)
    \end{aligned}

Parameters, in PyTorch's LSTM layout so that ``torch.nn.LSTMCell`` weights copy across
(rows ``i|f|u|o``: u sits where the LSTM has g; D input features, H hidden units):

- ``W_ih (4H, D)``: :math:`W^{(i)}, W^{(f)}, W^{(u)}, W^{(o)}` stacked;
- ``W_hh``: Child-Sum ``(4H, H)``, :math:`U^{(i)}, U^{(f)}, U^{(u)}, U^{(o)}` stacked;
  N-ary ``((3+N)H, NH)``, rows ``i | f_1 .. f_N | u | o``, column block :math:`\ell`
  multiplies child :math:`\ell`: block (row k, column l) of the f rows is :math:`U^{(f)}_{kl}`;
- ``b_ih (4H,)``, ``b_hh (4H,)``: only their sum :math:`b = b_{ih} + b_{hh}` matters (two
  biases, as in PyTorch); the N forget gates share :math:`b^{(f)}` and :math:`W^{(f)}`, as in
  the paper.

A chain (every node one child) makes both models exactly an LSTM over the chain.

Shapes: x (J, D) and h, c (J, H), one row per node of a :class:`~course_rnn.trees.Tree`
(or a forest, a list of trees) in post-order; K children of one node.  Leaves get their
word's embedding as :math:`x_j`; internal nodes get an input too, or a row of zeros.
Taught in book/tree_lstm.md.
"""

import numpy as np

from course_rnn.scratch.activations import dsigmoid_from_output, dtanh_from_output, sigmoid
from course_rnn.trees import Forest

PARAM_NAMES = ("W_ih", "W_hh", "b_ih", "b_hh")


def child_sum_node_forward(x, h_children, c_children, p):
    r"""One Child-Sum node, eqs. (2)-(8).

    x: (D,); h_children, c_children: (K, H), K >= 0 (a leaf has K = 0).
    Returns h, c (H,) and the cache for child_sum_node_backward.
    """
    W_i, W_f, W_u, W_o = np.split(p["W_ih"], 4)          # each (H, D)
    U_i, U_f, U_u, U_o = np.split(p["W_hh"], 4)          # each (H, H)
    b_i, b_f, b_u, b_o = np.split(p["b_ih"] + p["b_hh"], 4)
    h_tilde = h_children.sum(axis=0)                      # (H,)    (2)
    i = sigmoid(W_i @ x + U_i @ h_tilde + b_i)            # (H,)    (3)
    f = sigmoid(W_f @ x + h_children @ U_f.T + b_f)       # (K, H)  (4) one gate per child
    o = sigmoid(W_o @ x + U_o @ h_tilde + b_o)            # (H,)    (5)
    u = np.tanh(W_u @ x + U_u @ h_tilde + b_u)            # (H,)    (6)
    c = i * u + (f * c_children).sum(axis=0)              # (H,)    (7)
    h = o * np.tanh(c)                                    # (H,)    (8)
    return h, c, (x, h_children, c_children, h_tilde, i, f, o, u, c, p)


def child_sum_node_backward(dh, dc, cache):
    r"""Backward of one Child-Sum node.

    dh, dc: (H,), everything the loss sends to :math:`h_j` and :math:`c_j` (from above and
    from the parent).  Because :math:`\tilde h_j` feeds i, o, u, each child receives their
    gradient plus its own forget gate's.  Returns dx (D,), dh_children, dc_children (K, H)
    and a dict of weight gradients for this node.
    """
    x, h_children, c_children, h_tilde, i, f, o, u, c, p = cache
    U_i, U_f, U_u, U_o = np.split(p["W_hh"], 4)
    tanh_c = np.tanh(c)
    do = dh * tanh_c                                      # (8)
    dc = dc + dh * o * dtanh_from_output(tanh_c)          # (8): c reaches h through tanh
    di, du = dc * u, dc * i                               # (7)
    df = dc * c_children                                  # (7) (K, H)
    dc_children = dc * f                                  # (7) (K, H)
    da_i = di * dsigmoid_from_output(i)
    da_f = df * dsigmoid_from_output(f)                   # (K, H)
    da_u = du * dtanh_from_output(u)
    da_o = do * dsigmoid_from_output(o)
    # W^(f) x_j and b^(f) enter every child's forget gate: their gradients sum over k
    da = np.concatenate([da_i, da_f.sum(axis=0), da_u, da_o])        # (4H,)
    dh_tilde = da_i @ U_i + da_u @ U_u + da_o @ U_o      # (H,): i, u, o read h_tilde
    dh_children = dh_tilde + da_f @ U_f                   # (K, H): the sum (2) copies dh_tilde to every child
    dx = da @ p["W_ih"]                                   # (D,)
    dW_hh = np.concatenate([np.outer(da_i, h_tilde), da_f.T @ h_children,
                            np.outer(da_u, h_tilde), np.outer(da_o, h_tilde)])
    grads = {"W_ih": np.outer(da, x), "W_hh": dW_hh, "b_ih": da, "b_hh": da.copy()}
    return dx, dh_children, dc_children, grads


def nary_node_forward(x, h_children, c_children, p):
    r"""One N-ary node, eqs. (9)-(14).

    x: (D,); h_children, c_children: (N, H), child :math:`\ell` in row :math:`\ell`, zeros
    for missing children.  Returns h, c (H,) and the cache for nary_node_backward.
    """
    N, H = h_children.shape
    W_i, W_f, W_u, W_o = np.split(p["W_ih"], 4)          # each (H, D)
    U_i, U_f, U_u, U_o = np.split(p["W_hh"], [H, H + N * H, 2 * H + N * H])  # (H, NH), (NH, NH), ...
    b_i, b_f, b_u, b_o = np.split(p["b_ih"] + p["b_hh"], 4)
    h_cat = h_children.reshape(N * H)                     # [h_j1; ...; h_jN]
    i = sigmoid(W_i @ x + U_i @ h_cat + b_i)              # (H,)    (9)
    f = sigmoid(W_f @ x + (U_f @ h_cat).reshape(N, H) + b_f)  # (N, H) (10) row k is f_jk
    o = sigmoid(W_o @ x + U_o @ h_cat + b_o)              # (H,)    (11)
    u = np.tanh(W_u @ x + U_u @ h_cat + b_u)              # (H,)    (12)
    c = i * u + (f * c_children).sum(axis=0)              # (H,)    (13)
    h = o * np.tanh(c)                                    # (H,)    (14)
    return h, c, (x, h_children, c_children, i, f, o, u, c, p)


def nary_node_backward(dh, dc, cache):
    r"""Backward of one N-ary node.

    dh, dc: (H,).  Every gate reads every child through its own block of ``W_hh``, so the
    gradient of child :math:`\ell` is one product with the whole stacked matrix.
    Returns dx (D,), dh_children, dc_children (N, H) and a dict of weight gradients.
    """
    x, h_children, c_children, i, f, o, u, c, p = cache
    N, H = h_children.shape
    tanh_c = np.tanh(c)
    do = dh * tanh_c                                      # (14)
    dc = dc + dh * o * dtanh_from_output(tanh_c)          # (14)
    di, du = dc * u, dc * i                               # (13)
    df = dc * c_children                                  # (13) (N, H)
    dc_children = dc * f                                  # (13) (N, H)
    da_i = di * dsigmoid_from_output(i)
    da_f = df * dsigmoid_from_output(f)                   # (N, H)
    da_u = du * dtanh_from_output(u)
    da_o = do * dsigmoid_from_output(o)
    da_hh = np.concatenate([da_i, da_f.reshape(N * H), da_u, da_o])  # ((3+N)H,) rows of W_hh
    da = np.concatenate([da_i, da_f.sum(axis=0), da_u, da_o])        # (4H,): W^(f), b^(f) shared by k
    h_cat = h_children.reshape(N * H)
    dh_children = (da_hh @ p["W_hh"]).reshape(N, H)       # (N, H)
    dx = da @ p["W_ih"]                                   # (D,)
    grads = {"W_ih": np.outer(da, x), "W_hh": np.outer(da_hh, h_cat), "b_ih": da, "b_hh": da.copy()}
    return dx, dh_children, dc_children, grads


def child_sum_treelstm_forward(x, trees, params):
    r"""Child-Sum Tree-LSTM over a tree (or a list of trees), children before parents.

    x: (J, D), one input row per node in post-order (see :class:`~course_rnn.trees.Forest`).
    Returns h, c (J, H), the states of every node in the same order, and the cache for
    child_sum_treelstm_backward.
    """
    _check_params(params, x)
    H = params["W_ih"].shape[0] // 4
    if params["W_hh"].shape != (4 * H, H):
        raise ValueError(f"params['W_hh'] has shape {params['W_hh'].shape}; a Child-Sum Tree-LSTM "
                         f"with H={H} needs (4H, H) = {(4 * H, H)}")
    return _tree_forward(x, trees, params, child_sum_node_forward, arity=None)


def child_sum_treelstm_backward(dh, cache, dc=None):
    r"""Backpropagation through structure for the Child-Sum Tree-LSTM.

    dh: (J, H), the upstream gradient of every node's h (zeros where the loss does not read
    it); dc: (J, H) or None, the same for c.  Walking parents before children, the gradient
    reaching node j is its own upstream gradient plus what its parent sends down; weight
    gradients are summed over nodes because every node shares the weights.
    Returns dx (J, D) and grads (dict with the keys of params).
    """
    return _tree_backward(dh, dc, cache, child_sum_node_backward)


def nary_treelstm_forward(x, trees, params):
    r"""N-ary Tree-LSTM over a tree (or a list of trees); N is read from ``W_hh ((3+N)H, NH)``.

    x: (J, D) in post-order.  A node may have fewer than N children (its missing children
    count as zero states) but never more.  Returns h, c (J, H) and the cache.
    """
    _check_params(params, x)
    H = params["W_ih"].shape[0] // 4
    N = params["W_hh"].shape[1] // H
    if params["W_hh"].shape != ((3 + N) * H, N * H):
        raise ValueError(f"params['W_hh'] has shape {params['W_hh'].shape}; an N-ary Tree-LSTM with "
                         f"H={H} needs ((3+N)*H, N*H), e.g. {(5 * H, 2 * H)} for N=2")
    return _tree_forward(x, trees, params, nary_node_forward, arity=N)


def nary_treelstm_backward(dh, cache, dc=None):
    """Backpropagation through structure for the N-ary Tree-LSTM; same contract as the Child-Sum one."""
    return _tree_backward(dh, dc, cache, nary_node_backward)


def _tree_forward(x, trees, params, node_forward, arity):
    forest = trees if isinstance(trees, Forest) else Forest(trees)
    J, H = len(forest), params["W_ih"].shape[0] // 4
    if x.shape[0] != J:
        raise ValueError(f"x has {x.shape[0]} rows but the tree(s) have J={J} nodes; "
                         f"x needs one row per node, in post-order")
    if arity is not None and forest.max_children > arity:
        j = next(j for j, kids in enumerate(forest.children) if len(kids) > arity)
        raise ValueError(f"node {j} ({forest.nodes[j].to_string()[:60]}) has {len(forest.children[j])} "
                         f"children but this N-ary Tree-LSTM has N={arity}; binarize the tree or use "
                         f"a larger N")
    dtype = np.result_type(x, params["W_ih"])
    h, c = np.zeros((J, H), dtype=dtype), np.zeros((J, H), dtype=dtype)
    caches = []
    for j, kids in enumerate(forest.children):  # post-order: children are already done
        K = len(kids) if arity is None else arity
        h_children, c_children = np.zeros((K, H), dtype=dtype), np.zeros((K, H), dtype=dtype)
        h_children[:len(kids)], c_children[:len(kids)] = h[kids], c[kids]
        h[j], c[j], cache = node_forward(x[j], h_children, c_children, params)
        caches.append(cache)
    return h, c, (forest, caches, x.shape, params)


def _tree_backward(dh, dc, cache, node_backward):
    forest, caches, x_shape, params = cache
    if dh.shape != (len(forest), params["W_ih"].shape[0] // 4):
        raise ValueError(f"dh has shape {dh.shape}; expected (J, H) = "
                         f"{(len(forest), params['W_ih'].shape[0] // 4)}, one row per node")
    dh = dh.copy()  # children's rows gather what their parents send down; the caller's dh stays
    dc = np.zeros_like(dh) if dc is None else dc.copy()
    dx = np.zeros(x_shape, dtype=np.result_type(dh, params["W_ih"]))
    grads = {name: np.zeros_like(params[name]) for name in PARAM_NAMES}
    for j in reversed(range(len(forest))):  # parents before children
        dx[j], dh_children, dc_children, node_grads = node_backward(dh[j], dc[j], caches[j])
        kids = forest.children[j]
        dh[kids] += dh_children[:len(kids)]  # rows past len(kids) are missing children (zeros)
        dc[kids] += dc_children[:len(kids)]
        for name in PARAM_NAMES:
            grads[name] += node_grads[name]
    return dx, grads


def init_child_sum_treelstm_params(D, H, rng, dtype=np.float64):
    r"""Weights uniform in :math:`(-1/\sqrt{H}, 1/\sqrt{H})`, PyTorch's LSTM initialisation.

    rng: ``numpy.random.Generator``.  Returns ``W_ih (4H, D)``, ``W_hh (4H, H)``, ``b_ih``, ``b_hh (4H,)``.
    """
    return _init(D, H, (4 * H, H), rng, dtype)


def init_nary_treelstm_params(D, H, N, rng, dtype=np.float64):
    r"""Like :func:`init_child_sum_treelstm_params` but ``W_hh ((3+N)H, NH)``."""
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise ValueError(f"N={N!r} must be a positive integer (the most children a node may have)")
    return _init(D, H, ((3 + N) * H, N * H), rng, dtype)


def _init(D, H, hh_shape, rng, dtype):
    k = 1.0 / np.sqrt(H)
    shapes = {"W_ih": (4 * H, D), "W_hh": hh_shape, "b_ih": (4 * H,), "b_hh": (4 * H,)}
    return {name: rng.uniform(-k, k, size=shape).astype(dtype) for name, shape in shapes.items()}


def _check_params(params, x):
    missing = [name for name in PARAM_NAMES if name not in params]
    if missing:
        raise KeyError(f"params is missing {missing}; it needs the keys {list(PARAM_NAMES)}")
    if x.ndim != 2 or params["W_ih"].shape[1] != x.shape[1]:
        raise ValueError(f"x has shape {x.shape} and params['W_ih'] {params['W_ih'].shape}; "
                         f"expected x (J, D) and W_ih (4H, D)")
