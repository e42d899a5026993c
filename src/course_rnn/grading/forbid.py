"""The static half of forbidden tools: what a solution cell's code names.

A part whose solution cell carries ``"course_rnn": {"forbid": [...]}`` must be done without
those tools (``course_rnn``, ``torch.autograd``, ``numerical_gradient``).  The sandbox sees
them used at run time (``child.Guard``); this reads the cell, so that a use on a path the
hidden tests never take is caught too.  Both lead to zero points for the part's tests.
"""

import ast
import threading

TOOLS = ("course_rnn", "torch.autograd", "numerical_gradient")
_PARSING = threading.Lock()


def parse(source):
    """``ast.parse`` one thread at a time: CPython 3.11 before 3.11.8 keeps the AST
    constructor's recursion depth in shared state, and two graders' threads parsing at once
    failed with "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905)."""
    with _PARSING:
        return ast.parse(source)


def static_violations(source, tools):
    """One line per use of a forbidden tool in ``source``, e.g. ``imports course_rnn (line 3)``."""
    try:
        tree = parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # the child reports it as the cell's error
        return []
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for module in modules:
            for tool in ("course_rnn", "torch.autograd"):
                if tool in tools and (module == tool or module.startswith(tool + ".")):
                    found.append(f"imports {module} (line {line})")
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name is None:
            continue
        if "course_rnn" in tools and name == "course_rnn":
            found.append(f"uses course_rnn (line {line})")
        if "torch.autograd" in tools and name in ("autograd", "requires_grad", "requires_grad_"):
            found.append(f"uses torch's automatic differentiation ({name}, line {line})")
        if "numerical_gradient" in tools and name == "numerical_gradient":
            found.append(f"calls numerical_gradient (line {line})")
    return list(dict.fromkeys(found))
