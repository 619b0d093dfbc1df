"""The primitives, named as in NumPy.

Each function computes its result with NumPy and records one node in the graph.
They accept Tensors, NumPy arrays and Python numbers, broadcast like NumPy, and
always return a :class:`Tensor` (one built only from constants simply has no
inputs to differentiate). Each primitive's derivative rule lives in
:mod:`calcml.autodiff.rules` under the same name.
"""

from __future__ import annotations

import operator
from types import SimpleNamespace

import numpy as np

from ..errors import DomainError
from .tensor import Tensor, _node, _raw, reduce_sum

__all__ = ["exp", "log", "sin", "cos", "tan", "tanh", "arcsin", "arccos", "arctan", "sinh", "cosh", "sqrt", "abs", "sigmoid", "relu",
           "maximum", "minimum", "where", "sum", "mean", "dot", "matmul", "reshape",
           "transpose", "broadcast_to", "stack", "primitive"]


def _arg(x):
    # Constants become arrays so every rule can rely on .shape, .reshape, ...
    return x if isinstance(x, Tensor) else np.asarray(x)


def _unary(op, fn, x):
    x = _arg(x)
    return _node(fn(_raw(x)), op, (x,))


def exp(x):
    """Elementwise ``e**x``."""
    return _unary("exp", np.exp, x)


def log(x):
    """Elementwise natural logarithm."""
    return _unary("log", np.log, x)


def sin(x):
    """Elementwise sine (radians)."""
    return _unary("sin", np.sin, x)


def cos(x):
    """Elementwise cosine (radians)."""
    return _unary("cos", np.cos, x)


def tan(x):
    """Elementwise tangent (radians)."""
    return _unary("tan", np.tan, x)


def tanh(x):
    """Elementwise hyperbolic tangent."""
    return _unary("tanh", np.tanh, x)


def arcsin(x):
    """Elementwise inverse sine."""
    return _unary("arcsin", np.arcsin, x)


def arccos(x):
    """Elementwise inverse cosine."""
    return _unary("arccos", np.arccos, x)


def arctan(x):
    """Elementwise inverse tangent."""
    return _unary("arctan", np.arctan, x)


def sinh(x):
    """Elementwise hyperbolic sine."""
    return _unary("sinh", np.sinh, x)


def cosh(x):
    """Elementwise hyperbolic cosine."""
    return _unary("cosh", np.cosh, x)


def sqrt(x):
    """Elementwise square root."""
    return _unary("sqrt", np.sqrt, x)


def abs(x):
    """Elementwise absolute value; its derivative at 0 is taken to be 0."""
    return _unary("abs", np.abs, x)


def _sigmoid_numpy(v):
    # 1 / (1 + e^-x) overflows for very negative x; writing both halves with
    # e^-|x| <= 1 never does, and keeps full relative accuracy in the tails.
    e = np.exp(-np.abs(v))
    return np.where(v >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid(x):
    """Elementwise logistic function ``1 / (1 + exp(-x))``."""
    return _unary("sigmoid", _sigmoid_numpy, x)


def relu(x):
    """Elementwise ``max(x, 0)``; its derivative at 0 is taken to be 0."""
    return _unary("relu", lambda v: np.maximum(v, 0.0), x)


def maximum(x, y):
    """Elementwise maximum; at a tie the gradient is split half and half."""
    x, y = _arg(x), _arg(y)
    return _node(np.maximum(_raw(x), _raw(y)), "maximum", (x, y))


def minimum(x, y):
    """Elementwise minimum; at a tie the gradient is split half and half."""
    x, y = _arg(x), _arg(y)
    return _node(np.minimum(_raw(x), _raw(y)), "minimum", (x, y))


def where(condition, x, y):
    """`x` where `condition` holds, `y` elsewhere. The condition is not differentiated."""
    condition = np.asarray(_raw(condition), dtype=bool)
    x, y = _arg(x), _arg(y)
    return _node(np.where(condition, _raw(x), _raw(y)), "where", (x, y), {"condition": condition})


def sum(x, axis=None, keepdims=False):
    """Sum over `axis` (all axes by default), as ``np.sum``."""
    return reduce_sum(x, axis, keepdims, "sum")


def mean(x, axis=None, keepdims=False):
    """Mean over `axis` (all axes by default), as ``np.mean``."""
    return reduce_sum(x, axis, keepdims, "mean")


def matmul(a, b):
    """Matrix product ``a @ b`` with NumPy's rules for 1-D operands and batches."""
    a, b = _arg(a), _arg(b)
    if np.ndim(_raw(a)) == 0 or np.ndim(_raw(b)) == 0:
        raise DomainError("matmul needs arrays with at least one axis; for a number use * instead")
    return _node(np.matmul(_raw(a), _raw(b)), "matmul", (a, b))


def dot(a, b):
    """Dot product as ``np.dot`` for operands with at most 2 axes.

    A number times an array is a product (recorded as ``mul``); otherwise this is
    :func:`matmul`, which agrees with ``np.dot`` for 1-D and 2-D operands.
    """
    a, b = _arg(a), _arg(b)
    na, nb = np.ndim(_raw(a)), np.ndim(_raw(b))
    if na == 0 or nb == 0:
        return _node(_raw(a) * _raw(b), "mul", (a, b))
    if na > 2 or nb > 2:
        raise DomainError(f"dot supports operands with at most 2 axes; got {na} and {nb}. "
                          f"Use matmul for stacks of matrices")
    return matmul(a, b)


def reshape(x, shape):
    """The same numbers in a new shape, as ``np.reshape``."""
    return _as_tensor(x).reshape(shape)


def transpose(x, axes=None):
    """Permute the axes (reverse them by default), as ``np.transpose``."""
    return _as_tensor(x).transpose(() if axes is None else tuple(axes))


def broadcast_to(x, shape):
    """`x` repeated to `shape` by NumPy's broadcasting rules."""
    x = _arg(x)
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (operator.index(shape),)
    return _node(np.broadcast_to(_raw(x), shape), "broadcast_to", (x,), {"shape": shape})


def stack(arrays, axis=0):
    """Join arrays of one shape along a new axis, as ``np.stack``."""
    xs = tuple(_arg(a) for a in arrays)
    if not xs:
        raise DomainError("stack needs at least one array")
    value = np.stack([_raw(a) for a in xs], axis=axis)
    return _node(value, "stack", xs, {"axis": axis % value.ndim})


def _scatter(v, index, shape, unique):
    # zeros(shape) with v added at `index`: the adjoint of indexing. It appears only
    # in traced backward passes, as the derivative of x[index].
    value = np.zeros(shape, dtype=getattr(_raw(v), "dtype", np.float64))
    if unique:
        value[index] = _raw(v)
    else:
        np.add.at(value, index, _raw(v))
    return _node(value, "scatter", (v,), {"index": index, "shape": shape, "unique": unique})


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def primitive(name: str, forward):
    """Make a new primitive from a NumPy function.

    The returned function computes ``forward`` on the numbers and records a node
    named `name`. Differentiating through it needs a rule registered with
    ``@calcml.autodiff.rule(name)``; without one, the backward pass raises
    :class:`calcml.errors.MissingRuleError` naming `name`.

    Examples
    --------
    >>> import numpy as np
    >>> from calcml.autodiff import primitive, rule, grad
    >>> cube = primitive("cube", lambda v: v ** 3)
    >>> @rule("cube", "g -> 3 g x**2")
    ... def cube_rule(g, ans, need, ops, x):
    ...     return (g * 3 * x * x,)   # d x**3 = 3 x**2 dx
    >>> grad(lambda x: cube(x))(2.0), 3 * 2.0**2
    (array(12.), 12.0)
    """
    if not isinstance(name, str) or not name:
        raise DomainError("primitive needs a non-empty name (the key of its rule)")

    def apply(*args):
        args = tuple(_arg(a) for a in args)
        return _node(np.asarray(forward(*[_raw(a) for a in args])), name, args)

    apply.__name__ = name
    apply.__qualname__ = name
    return apply


# The ``ops`` of a traced backward pass (see rules.py): the same names as
# rules.NUMPY_OPS, but recording Tensors, so the backward pass is a graph too.
TENSOR_OPS = SimpleNamespace(exp=exp, log=log, sin=sin, cos=cos, tanh=tanh, sqrt=sqrt, where=where,
                             broadcast_to=broadcast_to, scatter=_scatter)

