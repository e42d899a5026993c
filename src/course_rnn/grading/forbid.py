"""The static half of forbidden tools: what a solution cell's code names.

A part whose solution cell carries ``"course_rnn": {"forbid": [...]}`` must be done without
those tools (``course_rnn``, ``torch.autograd``, ``numerical_gradient``).  The sandbox sees
them used at run time (``child.Guard``); this reads the cell, so that a use on a path the
hidden tests never take is caught too.  Both lead to zero points for the part's tests.
"""

import ast
import re
import threading

TOOLS = ("course_rnn", "torch.autograd", "numerical_gradient", "torch", "torch.nn.rnn")
_PARSING = threading.Lock()


def parse(source):
    """``ast.parse`` one thread at a time: CPython 3.11 before 3.11.8 keeps the AST
    constructor's recursion depth in shared state, and two graders' threads parsing at once
    failed with "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905)."""
    with _PARSING:
        return ast.parse(source)


RECURRENT = {"LSTM", "LSTMCell", "GRU", "GRUCell", "RNN", "RNNCell", "RNNBase", "lstm_cell", "gru_cell",
             "rnn_tanh_cell", "rnn_relu_cell", "_VF"}
AUTOGRAD = {"autograd", "requires_grad", "requires_grad_"}  # (not "backward": a student may name a helper so)
#: complex-step differentiation, Im f(v + ie)/e, is numerical differentiation exact to rounding,
#: which no tolerance can tell from an analytic gradient; an RNN's real derivatives need none of these
COMPLEX = {"complex", "complex64", "complex128", "complex256", "complex_", "csingle", "cdouble", "clongdouble",
           "imag"}
#: a string that names a complex dtype ("complex128", "<c16"); not any text that starts with "complex"
_COMPLEX_DTYPE = re.compile(r"\s*[<>=|]?(complex(64|128|256|_)?|c(8|16|32))\s*")


def static_violations(source, tools):
    """One line per use of a forbidden tool in ``source``, e.g. ``imports course_rnn (line 3)``.

    Tools: ``course_rnn``, ``torch.autograd``, ``numerical_gradient`` (with complex-step
    differentiation: complex numbers in any form), ``torch`` (any of it)
    and ``torch.nn.rnn`` (torch's recurrent layers and kernels, for a cell that must be built
    from tensor operations).  Names count wherever they appear: as a name, an attribute, a
    keyword argument (``requires_grad=True``) or a module path in a string.
    """
    try:
        tree = parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # the child reports it as the cell's error
        return []
    found = []
    # a cell that defines its own numerical_gradient (a student's finite differences where
    # the task asks for them) means that one by the name; the notebook's is still seen at
    # run time, by its code
    own = {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    own |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    # the same for a recurrent layer's name given to the student's own function or class
    # (``def lstm_cell(...)`` built from tensor operations, called as ``lstm_cell`` or
    # ``self.lstm_cell``); torch's (``torch.lstm_cell``, ``nn.LSTMCell``) is still seen here,
    # and any use at run time by the guard
    defined = own | {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        if "numerical_gradient" in tools and isinstance(node, ast.Constant) and (
                isinstance(node.value, complex) or isinstance(node.value, str) and _COMPLEX_DTYPE.fullmatch(node.value)):
            found.append(f"differentiates numerically with complex numbers ({node.value!r}, line {line})")
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and \
                isinstance(node.args[0].value, str) and \
                getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__"):
            modules = [node.args[0].value]  # importlib.import_module("course_rnn.scratch"), __import__("torch")
        for module in modules:
            for tool in ("course_rnn", "torch.autograd", "torch"):
                if tool in tools and (module == tool or module.startswith(tool + ".")):
                    found.append(f"imports {module} (line {line})")
            # ``from torch.nn import LSTMCell as cell``: the layer under a name of the student's
            if "torch.nn.rnn" in tools and module.startswith("torch.") and (
                    module.rsplit(".", 1)[-1] in RECURRENT or module.startswith("torch.nn.modules.rnn")):
                found.append(f"imports torch's recurrent layers ({module}, line {line})")
        mine = False                      # a name the cell defines, used as the cell's own
        if isinstance(node, ast.Name):
            name = node.id
            mine = name in defined
        elif isinstance(node, ast.Attribute):
            name = node.attr
            mine = name in defined and isinstance(node.value, ast.Name) and node.value.id == "self"
        elif isinstance(node, ast.keyword):
            name = node.arg
        else:
            continue
        if "course_rnn" in tools and name == "course_rnn":
            found.append(f"uses course_rnn (line {line})")
        if "torch" in tools and name == "torch":
            found.append(f"uses torch (line {line})")
        if "torch.autograd" in tools and name in AUTOGRAD:
            found.append(f"uses torch's automatic differentiation ({name}, line {line})")
        if "torch.nn.rnn" in tools and name in RECURRENT and not mine:
            found.append(f"uses torch's recurrent layers ({name}, line {line})")
        if "numerical_gradient" in tools and name == "numerical_gradient" and name not in own:
            found.append(f"calls numerical_gradient (line {line})")
        if "numerical_gradient" in tools and name in COMPLEX:
            found.append(f"differentiates numerically with complex numbers ({name}, line {line})")
    return list(dict.fromkeys(found))
