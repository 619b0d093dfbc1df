"""The graph as text: every node, its inputs, and its local Jacobian.

Backpropagation multiplies local Jacobians from the output back to the inputs
(lesson 5). :func:`show_graph` makes those matrices visible: for each node it
prints the Jacobian of that one step with respect to each input. For a layer
``z = W @ x`` the matrix printed for ``x`` is ``W`` itself. Nodes too large to
print say what their rule does instead (``vjp: g -> g * (1 - tanh(x)**2)``);
the Jacobian is never built in an actual backward pass, only here, for reading.
"""

from __future__ import annotations

import numpy as np

from .backprop import toposort
from .rules import DESCRIPTIONS, NUMPY_OPS, RULES
from .tensor import Tensor

__all__ = ["show_graph", "local_jacobian"]


def local_jacobian(node: Tensor, position: int) -> np.ndarray:
    """The Jacobian of one node with respect to its input number `position`.

    Built from the node's rule, one vector-Jacobian product per output element:
    row ``i`` is ``e_i^T J``. Shape ``(node.size, input.size)``; entry ``[i, j]`` is
    d node.flat[i] / d input.flat[j].
    """
    fn = RULES[node.op]
    vals = [a.value if isinstance(a, Tensor) else a for a in node.args]
    need = [i == position for i in range(len(vals))]
    rows = []
    for i in range(node.size):
        seed = np.zeros(node.size)
        seed[i] = 1.0
        seed = seed.reshape(node.shape)
        parts = fn(seed, node.value, need, NUMPY_OPS, *vals, **(node.params or {}))
        rows.append(np.asarray(parts[position], dtype=float).ravel())
    return np.array(rows).reshape(node.size, np.size(vals[position]))


def _describe_param(key, value):
    if key in ("unique", "condition") or value is None or value is False:
        return None  # bookkeeping, an array too long to be worth a line, or a default
    if key == "index":
        return f"index={_index_text(value)}"
    return f"{key}={value!r}"


def _index_text(index):
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if isinstance(p, slice):
            text = ("" if p.start is None else str(p.start)) + ":" + ("" if p.stop is None else str(p.stop))
            out.append(text if p.step is None else f"{text}:{p.step}")
        elif p is Ellipsis:
            out.append("...")
        elif isinstance(p, np.ndarray):
            out.append(np.array2string(p, threshold=8, separator=","))
        else:
            out.append(repr(p))
    return "[" + ", ".join(out) + "]"


def _constant_text(c):
    c = np.asarray(c)
    if c.size == 1:
        return f"{c.item():g}"
    return f"const{c.shape}"


def _matrix_text(m, indent):
    # "+ 0.0" turns the -0. that a rule like -g produces into 0. (IEEE: -0 + 0 = +0)
    text = np.array2string(m + 0.0, precision=4, suppress_small=True, separator=", ")
    return text.replace("\n", "\n" + " " * indent)


def show_graph(t: Tensor, max_size: int = 6) -> str:
    """Describe the graph that produced `t`, inputs first, as text.

    Parameters
    ----------
    t : Tensor
        The output.
    max_size : int, default 6
        Print the explicit local Jacobian of a node when both it and the input
        have at most this many elements; otherwise print the rule's formula.

    Returns
    -------
    str
        One line per node, ``%id = op(inputs)  shape``, each followed by the
        local Jacobians ``d%node/d%input`` (rows: the node's elements, columns:
        the input's elements, both in row-major order).

    Examples
    --------
    >>> import numpy as np
    >>> from calcml.autodiff import Tensor, tanh
    >>> W = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> x = Tensor([0.5, -1.0])
    >>> print(show_graph(tanh(W @ x)))
    %0 = input  shape (2,)
    %1 = matmul(const(2, 2), %0)  shape (2,)
        d%1/d%0 = [[1., 2.],
                   [3., 4.]]
    %2 = tanh(%1)  shape (2,)
        d%2/d%1 = [[0.1807, 0.    ],
                   [0.    , 0.0266]]

    The first matrix is ``W``, the second ``diag(1 - tanh(W x)**2)``:

    >>> np.diag(1 - np.tanh(W @ np.array([0.5, -1.0])) ** 2).round(4)
    array([[0.1807, 0.    ],
           [0.    , 0.0266]])
    """
    order, _ = toposort(t)
    names = {id(n): f"%{i}" for i, n in enumerate(order)}
    lines = []
    for node in order:
        name = names[id(node)]
        if not node.args:
            lines.append(f"{name} = input  shape {node.shape}")
            continue
        inputs = [names[id(a)] if isinstance(a, Tensor) else _constant_text(a) for a in node.args]
        extras = [d for d in (_describe_param(k, v) for k, v in (node.params or {}).items()) if d]
        lines.append(f"{name} = {node.op}({', '.join(inputs + extras)})  shape {node.shape}")
        if node.op not in RULES:
            lines.append("    no derivative rule registered")
            continue
        described = False
        inputs_once = {id(a): a for a in node.args if isinstance(a, Tensor)}  # x * x: one input
        for a in inputs_once.values():
            if node.size <= max_size and a.size <= max_size:
                # an input used in several places: its Jacobian is the sum over them
                jac = sum(local_jacobian(node, pos) for pos, b in enumerate(node.args) if b is a)
                head = f"    d{name}/d{names[id(a)]} = "
                lines.append(head + _matrix_text(jac, len(head)))
            elif not described:
                lines.append(f"    vjp: {DESCRIPTIONS.get(node.op, '')}")
                described = True
    return "\n".join(lines)
