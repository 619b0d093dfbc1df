"""NumPy functions applied to Tensors: the ones calcml.autodiff knows are traced, the rest refused by name.

A function written with NumPy (``np.sum(np.tanh(v))``, ``W @ v``, ``np.exp(x)``)
meets :class:`~calcml.autodiff.Tensor` through NumPy's two dispatch protocols
(NEP 13 ``__array_ufunc__`` and NEP 18 ``__array_function__``). For every NumPy
function that has a calcml.autodiff primitive (the registry's elementwise
functions, found by each entry's ``autodiff`` name, plus arithmetic, ``maximum``,
``minimum``, ``sum``, ``mean``, ``dot``, ``matmul``, ``where``, ``reshape``,
``transpose``, ``broadcast_to``, ``stack``) the call records that primitive, so
the derivative is exact. Any other NumPy function raises
:class:`NumpyFunctionError`, which names the NumPy function and what to write
instead. Nothing is ever computed on the numbers behind the graph's back: a
silently wrong derivative is not possible this way.
"""

from __future__ import annotations

import numpy as np

from ..errors import NumpyFunctionError
from ..functions import functions as _registry
from . import functions as F
from .tensor import Tensor, _raw

__all__ = ["NumpyFunctionError", "SUPPORTED_UFUNCS", "SUPPORTED_FUNCTIONS"]


def _binary(method, reflected):
    def apply(a, b):
        return getattr(a, method)(b) if isinstance(a, Tensor) else getattr(b, reflected)(a)
    return apply


_BINARY = {np.add: ("__add__", "__radd__"), np.subtract: ("__sub__", "__rsub__"),
           np.multiply: ("__mul__", "__rmul__"), np.true_divide: ("__truediv__", "__rtruediv__"),
           np.power: ("__pow__", "__rpow__"), np.matmul: ("__matmul__", "__rmatmul__")}

# Ufuncs whose answer is a boolean (or a shape fact) of the numbers: no derivative to
# trace, computed on the values exactly as Tensor's comparison operators are.
_PREDICATES = (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
               np.isfinite, np.isnan, np.isinf, np.signbit, np.logical_and, np.logical_or,
               np.logical_not, np.logical_xor)

# What to write instead of NumPy functions that have no primitive.
_INSTEAD = {
    "exp2": "write 2 ** x",
    "log2": "write calcml.autodiff.log(x) / np.log(2)",
    "log10": "write calcml.autodiff.log(x) / np.log(10)",
    "square": "write x ** 2 (or x * x)",
    "reciprocal": "write 1 / x",
    "cbrt": "write x ** (1 / 3) for x > 0",
    "logaddexp": "write calcml.autodiff.logsumexp(calcml.autodiff.stack([a, b]), axis=0)",
    "hypot": "write calcml.autodiff.sqrt(a ** 2 + b ** 2)",
    "fmax": "use calcml.autodiff.maximum",
    "fmin": "use calcml.autodiff.minimum",
    "clip": "write calcml.autodiff.minimum(calcml.autodiff.maximum(x, low), high)",
    "max": "use calcml.autodiff.logsumexp for a smooth maximum, or calcml.autodiff.maximum(a, b) elementwise",
    "amax": "use calcml.autodiff.logsumexp for a smooth maximum, or calcml.autodiff.maximum(a, b) elementwise",
    "min": "write -calcml.autodiff.logsumexp(-x) for a smooth minimum, or calcml.autodiff.minimum(a, b)",
    "amin": "write -calcml.autodiff.logsumexp(-x) for a smooth minimum, or calcml.autodiff.minimum(a, b)",
    "concatenate": "use calcml.autodiff.stack (a new axis) and reshape",
    "norm": "write calcml.autodiff.sqrt(calcml.autodiff.sum(x ** 2))",
    "prod": "write the product with *, or calcml.autodiff.exp(calcml.autodiff.sum(calcml.autodiff.log(x))) "
            "for x > 0",
    "inner": "use calcml.autodiff.dot",
    "vdot": "use calcml.autodiff.dot",
    "outer": "write calcml.autodiff.reshape(a, (-1, 1)) * calcml.autodiff.reshape(b, (1, -1))",
    "einsum": "use calcml.autodiff.matmul, sum and reshape",
    "tensordot": "use calcml.autodiff.matmul, sum and reshape",
    "cumsum": "write the partial sums with indexing and calcml.autodiff.sum",
    "asarray": "keep the Tensor (it already behaves like an array), or use t.value for the numbers "
               "(which are then constants: no derivative flows through them)",
    "array": "use calcml.autodiff.stack([...]) to build an array from Tensors",
}
for _name in ("nonzero", "argmax", "argmin", "argsort", "flatnonzero", "argwhere"):
    _INSTEAD[_name] = ("it gives positions, not numbers: call it on t.value (the positions are constants) "
                       "and index the Tensor with them")
_PIECEWISE_CONSTANT = ("sign", "floor", "ceil", "rint", "round", "around", "trunc", "fix", "heaviside")


def _error(name: str, detail: str = "") -> NumpyFunctionError:
    if name in _PIECEWISE_CONSTANT:
        instead = ("it is piecewise constant (its derivative is 0 where it exists); apply it to "
                   "t.value if you mean a constant, or use a smooth function such as calcml.autodiff.tanh")
    else:
        instead = _INSTEAD.get(name, "write f with calcml.autodiff's functions (" + ", ".join(
            sorted(set(_UFUNC_NAMES.values()) | set(_FUNCTION_NAMES.values()))) + ") and Python operators")
    return NumpyFunctionError(f"np.{name}{detail} is not differentiable by calcml.autodiff: {instead}")


def _no_extra_kwargs(name, kwargs, allowed=()):
    extra = [k for k, v in kwargs.items() if k not in allowed and v is not None and k != "dtype"]
    if "dtype" in kwargs and kwargs["dtype"] is not None:
        extra.append("dtype")
    if extra:
        raise NumpyFunctionError(f"np.{name}(..., {extra[0]}=...) is not supported on calcml.autodiff Tensors: "
                                 f"leave out {extra[0]} (Tensors are immutable and keep their dtype)")


def ufunc_call(ufunc, method, inputs, kwargs):
    """``Tensor.__array_ufunc__``: a traced primitive, a plain predicate, or a NumpyFunctionError."""
    if not kwargs and method == "__call__":
        fast = _ELEMENTWISE.get(ufunc)
        if fast is not None:
            return fast(*inputs)
    name = ufunc.__name__
    if method != "__call__":
        detail = f".{method}"
        if ufunc is np.add and method == "reduce":
            raise NumpyFunctionError("np.add.reduce is not differentiable by calcml.autodiff: "
                                     "use calcml.autodiff.sum")
        raise _error(name, detail)
    if ufunc in _PREDICATES:
        _no_extra_kwargs(name, kwargs)
        return ufunc(*[_raw(a) for a in inputs])
    _no_extra_kwargs(name, {k: v for k, v in kwargs.items() if k != "where" or v is not True})
    if ufunc in _BINARY:
        return _binary(*_BINARY[ufunc])(*inputs)
    if ufunc is np.negative:
        return -inputs[0]
    if ufunc is np.positive:
        return inputs[0]
    if ufunc is np.maximum:
        return F.maximum(*inputs)
    if ufunc is np.minimum:
        return F.minimum(*inputs)
    prim = _UFUNC_NAMES.get(ufunc)
    if prim is not None:
        return F.REGISTRY_PRIMITIVES[prim](*inputs)
    raise _error(name)


def _reduction(op):
    def apply(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        _no_extra_kwargs(op, {"dtype": dtype, "out": out, **{k: v for k, v in kwargs.items()
                                                              if v is not np._NoValue}})
        return getattr(F, op)(a, axis=axis, keepdims=bool(keepdims))
    return apply


def function_call(func, args, kwargs):
    """``Tensor.__array_function__``: the calcml.autodiff version of `func`, or a NumpyFunctionError."""
    if not kwargs and len(args) == 1 and (func is np.sum or func is np.mean):
        return F.sum(args[0]) if func is np.sum else F.mean(args[0])
    name = getattr(func, "__name__", str(func))
    if func in (np.shape, np.ndim, np.size, np.result_type):
        return func(*[_raw(a) for a in args], **kwargs)
    if func is np.sum or func is np.mean:
        return _reduction(name)(*args, **kwargs)
    if func is np.where:
        if len(args) + len(kwargs) != 3:
            raise _error("where", " with one argument")
        return F.where(*args, **kwargs)
    target = {np.dot: F.dot, np.reshape: F.reshape, np.transpose: F.transpose,
              np.broadcast_to: F.broadcast_to, np.stack: F.stack}.get(func)
    if target is not None:
        if func is np.stack:
            _no_extra_kwargs(name, {k: v for k, v in kwargs.items() if k != "axis"})
            return F.stack(*args, **{k: v for k, v in kwargs.items() if k == "axis"})
        if func is np.reshape and "newshape" in kwargs:  # NumPy < 2.1's keyword
            kwargs = {**kwargs, "shape": kwargs.pop("newshape")}
        _no_extra_kwargs(name, {k: v for k, v in kwargs.items() if k not in ("shape", "axes")})
        return target(*args, **{k: v for k, v in kwargs.items() if k in ("shape", "axes")})
    raise _error(name)


# NumPy ufunc -> calcml.autodiff primitive name, from the registry: every entry whose
# `autodiff` name is also a NumPy ufunc (np.abs is np.absolute, found as "abs").
_UFUNC_NAMES = {getattr(np, e.autodiff): e.autodiff for e in _registry.values()
                if isinstance(getattr(np, e.autodiff, None), np.ufunc)}
_FUNCTION_NAMES = {f: f.__name__ for f in (np.sum, np.mean, np.dot, np.where, np.reshape, np.transpose,
                                           np.broadcast_to, np.stack)}
_FUNCTION_NAMES.update({np.maximum: "maximum", np.minimum: "minimum", np.matmul: "matmul"})

SUPPORTED_UFUNCS = tuple(sorted({u.__name__ for u in (*_BINARY, *_UFUNC_NAMES, np.negative, np.positive,
                                                     np.maximum, np.minimum, *_PREDICATES)}))
"""The NumPy ufuncs a Tensor accepts (NumPy's own names: ``absolute`` is ``np.abs``)."""
SUPPORTED_FUNCTIONS = tuple(sorted(f.__name__ for f in (np.sum, np.mean, np.dot, np.where, np.reshape,
                                                        np.transpose, np.broadcast_to, np.stack,
                                                        np.shape, np.ndim, np.size)))
"""The NumPy (non-ufunc) functions a Tensor accepts."""

# ufunc -> the primitive that computes it, for the calls without keyword arguments
_ELEMENTWISE = {u: F.REGISTRY_PRIMITIVES[name] for u, name in _UFUNC_NAMES.items()}
_ELEMENTWISE.update({np.maximum: F.maximum, np.minimum: F.minimum})
