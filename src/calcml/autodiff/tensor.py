"""The traced value: a NumPy array that remembers how it was computed.

A :class:`Tensor` is micrograd's ``Value`` holding a whole NumPy array instead of
one number. Every operation on Tensors returns a new Tensor that records

- ``op``: the name of the primitive that produced it (``"mul"``, ``"tanh"``, ...),
- ``args``: the inputs it was computed from (Tensors, or plain constants),
- ``params``: the non-differentiable settings of the operation (an axis, an index).

Those records form a directed acyclic graph from the inputs to the result.
:meth:`Tensor.backward` walks it backwards, applying one derivative rule per node
(:mod:`calcml.autodiff.rules`): that is reverse-mode automatic differentiation,
the backpropagation of lesson 5 with arbitrary shapes.

The per-node cost is kept small on purpose (``__slots__``, no validation inside
the operators): a gradient should cost a small multiple of the function itself.
"""

from __future__ import annotations

import itertools
import operator

import numpy as np

from ..errors import DomainError

__all__ = ["Tensor"]

# Every node gets the next serial number. A node can only depend on nodes that are
# older, which lets a backward pass stop early (see backprop.toposort).
_serials = itertools.count()
_new = object.__new__


def _raw(x):
    """The NumPy value behind `x` (a Tensor's array, or `x` itself)."""
    return x.value if isinstance(x, Tensor) else x


def _node(value, op, args, params=None):
    """Record the result of primitive `op` applied to `args` (no checks: hot path)."""
    t = _new(Tensor)
    t.value = value
    t.grad = None
    t.op = op
    t.args = args
    t.params = params
    t.serial = next(_serials)
    return t


def _grad_dtype(value):
    """The dtype of a gradient of `value`: its own float or complex dtype (float32 stays float32), else float64."""
    dtype = getattr(value, "dtype", None)
    return dtype if dtype is not None and dtype.kind in "fc" else np.dtype(np.float64)


def _unique_positions(index) -> bool:
    """True when `index` never selects the same element twice.

    Basic indices (integers, slices, ``None``, ``...``) and boolean masks select each
    element at most once, so the backward scatter may assign; integer-array ("fancy")
    indices can repeat a position and need ``np.add.at`` to accumulate.
    """
    parts = index if isinstance(index, tuple) else (index,)
    for p in parts:
        if isinstance(p, (slice, int, np.integer)) or p is None or p is Ellipsis:
            continue
        if np.asarray(p).dtype == bool:
            continue
        return False
    return True


def _normalise_index(index):
    if isinstance(index, Tensor):
        return index.value
    if isinstance(index, tuple):
        return tuple(p.value if isinstance(p, Tensor) else p for p in index)
    if isinstance(index, list):  # NumPy reads a list as an integer-array index
        return np.asarray(index)
    return index


def reduce_sum(x, axis=None, keepdims=False, op="sum"):
    """Sum (``op="sum"``) or mean (``op="mean"``) of `x` over `axis`, as a node."""
    if not isinstance(x, Tensor):
        x = np.asarray(x)
    v = _raw(x)
    if isinstance(axis, list):
        axis = tuple(axis)
    value = v.sum(axis=axis, keepdims=keepdims) if op == "sum" else v.mean(axis=axis, keepdims=keepdims)
    return _node(value, op, (x,), {"axis": axis, "keepdims": keepdims})


# NumPy ufunc -> (Tensor method, reflected method), for mixed operands such as ndarray * Tensor.
_OPERATORS = {np.add: ("__add__", "__radd__"), np.subtract: ("__sub__", "__rsub__"),
              np.multiply: ("__mul__", "__rmul__"), np.true_divide: ("__truediv__", "__rtruediv__"),
              np.power: ("__pow__", "__rpow__"), np.matmul: ("__matmul__", "__rmatmul__")}


def _refuse_detach(t, how: str) -> None:
    """Inside a transform's function, turning a Tensor that depends on the inputs into a Python
    number would cut it from the graph: the derivative would silently be 0. Refuse, and say why."""
    from .transforms import _RUNNING

    if _RUNNING:
        from .backprop import _leads_to

        if _leads_to(t, _RUNNING, set()):
            from .numpy_dispatch import NumpyFunctionError

            raise NumpyFunctionError(
                f"{how} turns a Tensor that depends on the inputs into a Python number, which "
                "calcml.autodiff cannot differentiate through (the derivative would be lost): keep the "
                "Tensor (return it, and use calcml.autodiff functions or NumPy functions on it)")


class Tensor:
    """A NumPy array that records the operations applied to it.

    Parameters
    ----------
    value : array_like
        The numbers. Integers and booleans become float64; float and complex
        arrays keep their dtype. A Tensor given here is detached: the new Tensor
        holds the same numbers but no history.
    dtype : numpy dtype, optional
        Force a dtype (for example ``np.float32``).

    Attributes
    ----------
    value : numpy.ndarray
        The numbers (a NumPy scalar for 0-d results; it has ``shape`` too).
    grad : numpy.ndarray or None
        Set by :meth:`backward`: d(output)/d(this tensor), with this tensor's shape.
    op : str
        The primitive that produced this tensor; ``"leaf"`` for an input.

    Notes
    -----
    Comparisons (``<``, ``==``, ...) compare the values and return NumPy booleans,
    not Tensors: a comparison has no useful derivative. Because ``==`` is
    elementwise, Tensors hash by identity.

    Examples
    --------
    >>> import numpy as np
    >>> from calcml.autodiff import Tensor, tanh
    >>> x = Tensor([0.0, 1.0])
    >>> y = (tanh(x) * 2).sum()
    >>> y
    Tensor(array(1.52318831), op='sum')
    >>> y.backward()
    >>> x.grad                           # 2 * (1 - tanh(x)**2)
    array([2.        , 0.83994868])
    >>> 2 * (1 - np.tanh([0.0, 1.0])**2)  # the truth, by hand
    array([2.        , 0.83994868])
    """

    __slots__ = ("value", "grad", "op", "args", "params", "serial")
    __hash__ = object.__hash__

    # NumPy's dispatch protocols (NEP 13, NEP 18): np.tanh(t), np.sum(t), W @ t, ndarray * t
    # record the calcml.autodiff primitive of the same name; a NumPy function without one
    # raises NumpyFunctionError naming the replacement (see numpy_dispatch.py).
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if not kwargs and method == "__call__" and len(inputs) == 2:
            # the hot path: ndarray * Tensor, np.float64(2) + Tensor, W @ Tensor
            names = _OPERATORS.get(ufunc)
            if names is not None:
                a, b = inputs
                return getattr(a, names[0])(b) if isinstance(a, Tensor) else getattr(b, names[1])(a)
        from .numpy_dispatch import ufunc_call

        return ufunc_call(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from .numpy_dispatch import function_call

        return function_call(func, args, kwargs)

    def __init__(self, value, dtype=None):
        value = _raw(value)
        try:
            arr = np.asarray(value, dtype=dtype)
            if dtype is None and arr.dtype.kind not in "fc":
                arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise DomainError(
                f"Tensor needs numbers (a number, a list of numbers or a NumPy array); "
                f"got {type(value).__name__} {value!r:.60}") from exc
        self.value = arr
        self.grad = None
        self.op = "leaf"
        self.args = ()
        self.params = None
        self.serial = next(_serials)

    # ----- array-like facts -------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.value.shape

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def size(self) -> int:
        return self.value.size

    @property
    def dtype(self):
        return self.value.dtype

    def __len__(self) -> int:
        return len(self.value)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __float__(self) -> float:
        _refuse_detach(self, "float(t) (or a math function such as math.sin)")
        return float(self.value)

    def item(self):
        """The single number held by a size-1 tensor, as a Python scalar."""
        _refuse_detach(self, "t.item()")
        return self.value.item()

    def __repr__(self) -> str:
        arr = repr(np.asarray(self.value))
        if self.op == "leaf":
            return f"Tensor({arr})"
        return f"Tensor({arr}, op={self.op!r})"

    # ----- arithmetic: each line records one primitive ----------------------
    def __add__(self, other):
        return _node(self.value + _raw(other), "add", (self, other))

    def __radd__(self, other):
        return _node(other + self.value, "add", (other, self))

    def __sub__(self, other):
        return _node(self.value - _raw(other), "sub", (self, other))

    def __rsub__(self, other):
        return _node(other - self.value, "sub", (other, self))

    def __mul__(self, other):
        return _node(self.value * _raw(other), "mul", (self, other))

    def __rmul__(self, other):
        return _node(other * self.value, "mul", (other, self))

    def __truediv__(self, other):
        return _node(self.value / _raw(other), "div", (self, other))

    def __rtruediv__(self, other):
        return _node(other / self.value, "div", (other, self))

    def __pow__(self, other):
        return _node(self.value ** _raw(other), "pow", (self, other))

    def __rpow__(self, other):
        return _node(other ** self.value, "pow", (other, self))

    def __matmul__(self, other):
        if not isinstance(other, Tensor):
            other = np.asarray(other)
        return _node(self.value @ _raw(other), "matmul", (self, other))

    def __rmatmul__(self, other):
        other = np.asarray(other)
        return _node(other @ self.value, "matmul", (other, self))

    def __neg__(self):
        return _node(-self.value, "neg", (self,))

    def __pos__(self):
        return self

    # ----- comparisons: plain NumPy booleans, never traced ------------------
    def __lt__(self, other):
        return self.value < _raw(other)

    def __le__(self, other):
        return self.value <= _raw(other)

    def __gt__(self, other):
        return self.value > _raw(other)

    def __ge__(self, other):
        return self.value >= _raw(other)

    def __eq__(self, other):
        return self.value == _raw(other)

    def __ne__(self, other):
        return self.value != _raw(other)

    # ----- shape: indexing, reshape, transpose, reductions ------------------
    def __getitem__(self, index):
        index = _normalise_index(index)
        return _node(self.value[index], "getitem", (self,),
                     {"index": index, "unique": _unique_positions(index)})

    def __setitem__(self, index, value):
        raise TypeError("Tensors are immutable: build a new one instead "
                        "(for example with calcml.autodiff.where(mask, new, old))")

    def reshape(self, *shape):
        """The same numbers in a new shape (``t.reshape(2, 3)`` or ``t.reshape((2, 3))``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _node(np.reshape(self.value, shape), "reshape", (self,))

    def transpose(self, *axes):
        """Permute the axes (reverse them when none are given), as ``ndarray.transpose``."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        n = self.ndim
        axes = tuple(range(n - 1, -1, -1)) if not axes else tuple(operator.index(a) % max(n, 1) for a in axes)
        return _node(np.transpose(self.value, axes), "transpose", (self,), {"axes": axes})

    @property
    def T(self):
        """The transpose (all axes reversed), as ``ndarray.T``."""
        return self.transpose()

    def sum(self, axis=None, keepdims=False):
        """Sum over `axis` (all axes by default)."""
        return reduce_sum(self, axis, keepdims, "sum")

    def mean(self, axis=None, keepdims=False):
        """Mean over `axis` (all axes by default)."""
        return reduce_sum(self, axis, keepdims, "mean")

    # ----- differentiation --------------------------------------------------
    def backward(self, gradient=None) -> None:
        """Fill ``.grad`` of every tensor this one was computed from.

        Parameters
        ----------
        gradient : array_like, optional
            d(loss)/d(self), with this tensor's shape. Default: ones, which for a
            scalar is d(self)/d(self) = 1 and for an array is the gradient of
            ``self.sum()``.

        Notes
        -----
        ``backward`` *sets* ``.grad``, it does not add to it: calling it twice
        gives the same gradients. Within one call, a tensor used several times
        collects the sum of the gradients along every path (the multivariable
        chain rule). A tensor the output does not depend on keeps its old
        ``.grad``.
        """
        from .backprop import backward_pass, toposort

        dtype = _grad_dtype(self.value)
        if gradient is None:
            seed = np.ones(self.shape, dtype=dtype)
        else:
            seed = np.asarray(_raw(gradient), dtype=dtype)
            if seed.shape != self.shape:
                raise DomainError(f"backward(gradient=...) needs shape {self.shape} (this tensor's shape); "
                                  f"got {seed.shape}")
        order, members = toposort(self)
        grads = backward_pass(self, order, members, seed, keep_all=True)
        for n in order:
            g = grads.get(id(n))
            if g is None:
                g = np.zeros(n.shape, dtype=_grad_dtype(n.value))
            elif not isinstance(g, np.ndarray) or not g.flags.writeable:
                g = np.array(g)  # materialise read-only broadcast views and NumPy scalars
            n.grad = g

    def graph(self, max_size: int = 6) -> str:
        """The graph that produced this tensor, as text (see :func:`calcml.autodiff.show_graph`)."""
        from .graph import show_graph

        return show_graph(self, max_size=max_size)
