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
from ..functions import functions as _registry
from .tensor import Tensor, _node, _raw, reduce_sum

# The registry's primitives (exp, log, sin, ..., sigmoid, softplus, log_sigmoid,
# log1p, expm1) first, then the rest.
__all__ = [e.autodiff for e in _registry.values()] + [
    "relu", "logsumexp", "log_softmax", "maximum", "minimum", "where", "sum", "mean", "dot", "matmul",
    "reshape", "transpose", "broadcast_to", "stack", "primitive"]


def _arg(x):
    # Constants become arrays so every rule can rely on .shape, .reshape, ...
    return x if isinstance(x, Tensor) else np.asarray(x)


def _pair(x, y):
    """`x` and `y` as operands of one node: a Python number beside a float array takes the
    array's dtype (NumPy's "weak scalar" rule, as the value is computed), so
    ``maximum(x32, 0.0)`` records a float32 0, not a float64 one that would make the
    backward pass promote float32 to float64."""
    pair = [x, y]
    for a, b in ((0, 1), (1, 0)):
        other = getattr(_raw(pair[b]), "dtype", None)
        if type(pair[a]) in (int, float) and other is not None and other.kind in "fc":
            pair[a] = np.asarray(pair[a], dtype=other)
    return _arg(pair[0]), _arg(pair[1])


def _unary(op, fn, x):
    x = _arg(x)
    return _node(fn(_raw(x)), op, (x,))


# ----- the elementwise functions of calcml's registry ---------------------------
# One primitive per entry of calcml.functions, named by the entry's `autodiff`
# field and computed by the entry's NumPy evaluation (the stable sigmoid,
# softplus, log_sigmoid, ...); its derivative rule is in rules.py under the same
# name. They are made here, in a loop, so a new registry entry is a new primitive.

def _registry_primitive(entry):
    op, forward = entry.autodiff, entry.numpy

    def apply(x):
        x = _arg(x)
        return _node(forward(_raw(x)), op, (x,))

    apply.__name__ = apply.__qualname__ = op
    apply.__doc__ = (f"Elementwise {entry.description or entry.name}, as calcml.functions[{entry.name!r}]; "
                     f"defined for {entry.domain.text}.")
    return apply


REGISTRY_PRIMITIVES = {e.autodiff: _registry_primitive(e) for e in _registry.values()}
"""Primitive name -> the function made from its registry entry."""
globals().update(REGISTRY_PRIMITIVES)

_log_plain = REGISTRY_PRIMITIVES["log"]


def log(x):
    """Elementwise natural logarithm; ``log(sigmoid(z))`` is computed as ``log_sigmoid(z)``.

    The logarithm of a rounded sigmoid is ``-inf`` (and its slope infinite) once
    the sigmoid underflows, near z = -745, although ``log(sigmoid(z))`` is about z
    there. So when `x` was made by :func:`sigmoid` (or is ``1 - sigmoid(z)``,
    which is ``sigmoid(-z)``), the result is the stable ``log_sigmoid`` of its
    argument: the same number where both are accurate, and the right one where
    the plain form fails. The sigmoid node is then not part of the result's graph.

    Examples
    --------
    >>> import calcml.autodiff as ad
    >>> ad.value_and_grad(lambda z: ad.log(ad.sigmoid(z)))(-740.0)   # exact: (-740, 1)
    (array(-740.), array(1.))
    """
    if isinstance(x, Tensor):
        if x.op == "sigmoid":
            return log_sigmoid(x.args[0])  # noqa: F821 - made from the registry above
        if x.op == "sub" and isinstance(x.args[1], Tensor) and x.args[1].op == "sigmoid":
            one = x.args[0]
            if not isinstance(one, Tensor) and np.ndim(one) == 0 and one == 1:
                z = x.args[1].args[0]
                return log_sigmoid(-z if isinstance(z, Tensor) else -np.asarray(z))  # noqa: F821
    return _log_plain(x)


REGISTRY_PRIMITIVES["log"] = log


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over `axis` (all axes by default), as ``scipy.special.logsumexp``.

    Computed as ``m + log(sum(exp(x - m)))`` with ``m`` the maximum, so no
    exponential overflows. Its gradient is the softmax of `x` along `axis`.

    Examples
    --------
    >>> import numpy as np
    >>> import calcml.autodiff as ad
    >>> float(ad.logsumexp(np.array([1000.0, 1000.0])).value), float(1000 + np.log(2))
    (1000.6931471805599, 1000.6931471805599)
    >>> ad.grad(ad.logsumexp)(np.array([1000.0, 1000.0]))      # the softmax
    array([0.5, 0.5])
    """
    x = _arg(x)
    if isinstance(axis, list):
        axis = tuple(axis)
    return _node(_logsumexp_numpy(_raw(x), axis, keepdims), "logsumexp", (x,),
                 {"axis": axis, "keepdims": keepdims})


def _logsumexp_numpy(v, axis, keepdims):
    v = np.asarray(v)
    m = np.max(v, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)  # a slice of -inf (or inf) is shifted by nothing
    with np.errstate(divide="ignore"):  # log(0) = -inf when every element is -inf
        out = np.log(np.sum(np.exp(v - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(x, axis=-1):
    """``x - logsumexp(x, axis, keepdims=True)``: the logarithm of the softmax along `axis`.

    Examples
    --------
    >>> import numpy as np
    >>> import calcml.autodiff as ad
    >>> ad.log_softmax(np.array([1000.0, 1000.0])).value, np.log([0.5, 0.5])
    (array([-0.69314718, -0.69314718]), array([-0.69314718, -0.69314718]))
    """
    x = _arg(x)
    v = _raw(x)
    if np.ndim(v) == 0:
        raise DomainError("log_softmax needs an array with at least one axis; a single number's is 0")
    m = np.max(v, axis=axis, keepdims=True)
    shifted = v - np.where(np.isfinite(m), m, 0)  # (x - m) - log(sum(e^(x - m))): no large number is subtracted
    with np.errstate(divide="ignore"):
        value = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return _node(value, "log_softmax", (x,), {"axis": axis})


def relu(x):
    """Elementwise ``max(x, 0)``; its derivative at 0 is taken to be 0."""
    return _unary("relu", lambda v: np.maximum(v, 0.0), x)


def maximum(x, y):
    """Elementwise maximum; at a tie the gradient is split half and half."""
    # the value from the raw inputs: a Python number stays "weak" and keeps float32 float32
    return _node(np.maximum(_raw(x), _raw(y)), "maximum", _pair(x, y))


def minimum(x, y):
    """Elementwise minimum; at a tie the gradient is split half and half."""
    return _node(np.minimum(_raw(x), _raw(y)), "minimum", _pair(x, y))


def where(condition, x, y):
    """`x` where `condition` holds, `y` elsewhere. The condition is not differentiated."""
    condition = np.asarray(_raw(condition), dtype=bool)
    # the value from the raw inputs: where(c, t, 0.0) with a float32 t stays float32
    return _node(np.where(condition, _raw(x), _raw(y)), "where", _pair(x, y), {"condition": condition})


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
TENSOR_OPS = SimpleNamespace(where=where, broadcast_to=broadcast_to, scatter=_scatter,
                             **{name: REGISTRY_PRIMITIVES[name] for name in (
                                 "exp", "log", "sin", "cos", "tanh", "sqrt", "sigmoid", "expm1", "log1p")})

