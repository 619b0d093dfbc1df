"""Differential operators: functions in, functions out.

``grad(f)`` is a new function that returns the gradient of `f`; so
``hessian(f) = jacobian(grad(f))`` is literally that line. The functions given
here take and return NumPy arrays; inside they run `f` on :class:`Tensor` inputs
and walk the recorded graph backwards.

Nesting works because a transform that runs inside another one's function
records its own backward pass as a graph (a *traced* pass) and returns Tensors
that the outer transform can differentiate. That happens when it is called with
a Tensor, or when its function reads an input of an enclosing transform through
a closure (``grad(lambda y: x * y)`` inside a function of ``x``). Every
transform starts from a fresh node for its input, so an inner ``grad``
differentiates only with respect to its own argument, never with respect to
the outer variable. A Tensor you made yourself and that no running transform
differentiates is a constant here, like any array.

If `f` does not use an argument, its derivative is zero: these transforms
return zeros of the right shape rather than raising.
"""

from __future__ import annotations

import numpy as np

from ..errors import DomainError
from .backprop import backward_pass, reads_any, toposort
from .functions import stack
from .tensor import Tensor, _grad_dtype, _node

__all__ = ["grad", "value_and_grad", "jacobian", "hessian", "vjp", "jvp"]


# ----- validation and set-up, shared by every transform -------------------------

def _check_argnum(argnum, name):
    """Normalise `argnum` to a tuple of ints, or say what to write instead."""
    items = argnum if isinstance(argnum, tuple) else (argnum,)
    ok = bool(items) and all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in items)
    if not ok:
        raise DomainError(f"{name}: argnum must be an int or a non-empty tuple of ints, the positions of "
                          f"the arguments to differentiate; got {argnum!r}")
    if len(set(items)) != len(items):
        raise DomainError(f"{name}: argnum {argnum!r} repeats a position; list each argument once")
    return tuple(int(a) for a in items)


def _start(x, position, name):
    """A fresh node to differentiate with respect to, and whether we are nested."""
    if isinstance(x, Tensor):
        # An outer transform is differentiating this one: keep the link to its graph.
        return _node(x.value, "identity", (x,)), True
    try:
        value = np.asarray(x)
        if value.dtype.kind != "f":  # integers, booleans, lists: float64; float32 stays float32
            value = value.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise DomainError(f"{name}: argument {position} must be a real number or an array of them; "
                          f"got {type(x).__name__} {x!r:.60}") from exc
    return Tensor(value), False


def _setup(args, argnums, name):
    n = len(args)
    for a in argnums:
        if not -n <= a < n:
            raise DomainError(f"{name}: argnum={a} but the function was called with {n} positional "
                              f"argument(s); argnum counts positional arguments from 0")
    args = list(args)
    starts, nested = [], False
    for a in argnums:
        s, inner = _start(args[a], a % n, name)
        args[a] = s
        starts.append(s)
        nested = nested or inner
    return args, tuple(starts), nested


def _output(out, name):
    """`f`'s result: a Tensor, or a constant (when `f` ignored its inputs)."""
    if isinstance(out, Tensor):
        return out
    try:
        return np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DomainError(f"{name}: the function must return a number, an array or a Tensor; "
                          f"got {type(out).__name__}") from exc


# ids of the inputs of the transforms whose function is running right now. A
# transform called inside another one's function checks whether its graph reads
# one of these (through a closure); if so it must record its backward pass, or
# the outer transform would see a constant where there is a dependence.
_RUNNING: set = set()


class _Run:
    """One evaluation of `f` on fresh inputs, with its graph sorted."""

    __slots__ = ("out", "starts", "order", "members", "traced")

    def __init__(self, f, args, kwargs, argnums, name):
        args, self.starts, nested = _setup(args, argnums, name)
        ids = [id(s) for s in self.starts]
        _RUNNING.update(ids)
        try:
            self.out = _output(f(*args, **kwargs), name)
        finally:
            _RUNNING.difference_update(ids)
        self.order, self.members = None, None
        self.traced = nested
        if isinstance(self.out, Tensor):
            self.order, self.members = toposort(self.out, self.starts)
            if not nested and _RUNNING:
                self.traced = reads_any(self.order, self.members, _RUNNING)

    def gradients(self, seed, release=False):
        """d<seed, out>/d(start) for each start: None where out does not depend on it."""
        if self.order is None:
            return [None] * len(self.starts)
        grads = backward_pass(self.out, self.order, self.members, seed, self.starts,
                              traced=self.traced, release=release and not self.traced)
        return [grads.get(id(s)) for s in self.starts]

    def value(self):
        """f's value: an array, or a Tensor when an enclosing transform needs the link."""
        if self.traced and isinstance(self.out, Tensor):
            return self.out
        return np.asarray(self.out.value if isinstance(self.out, Tensor) else self.out)

    def finish(self, g, shape, dtype=np.float64):
        """A gradient as the caller gets it: an array it owns (or a Tensor, when traced)."""
        if g is None:
            return np.zeros(shape, dtype=dtype)
        if self.traced and isinstance(g, Tensor):
            return g
        g = np.asarray(g)
        if g.dtype != dtype and g.dtype.kind == "f":
            g = g.astype(dtype)  # a rule that computed wider (or narrower) returns the input's precision
        elif g.base is not None or not g.flags.writeable:
            g = g.copy()  # a view into the pass's arrays (or a broadcast): give the caller its own
        return g


def _value(out):
    return out.value if isinstance(out, Tensor) else out


def _one_or_tuple(argnum, items):
    return tuple(items) if isinstance(argnum, tuple) else items[0]


# ----- the transforms ----------------------------------------------------------

def value_and_grad(f, argnum=0):
    """A function returning ``(f(*args), gradient of f)`` from one forward pass.

    Same parameters and conventions as :func:`grad`.

    Examples
    --------
    >>> import numpy as np
    >>> from calcml.autodiff import value_and_grad, sin
    >>> value_and_grad(lambda x: sin(x) * x)(1.0)
    (array(0.84147098), array(1.38177329))
    >>> np.sin(1.0), np.cos(1.0) * 1.0 + np.sin(1.0)        # f and f' by hand
    (np.float64(0.8414709848078965), np.float64(1.3817732906760363))
    """
    argnums = _check_argnum(argnum, "value_and_grad")

    def value_and_grad_f(*args, **kwargs):
        run = _Run(f, args, kwargs, argnums, "grad")
        if np.size(run.out) != 1:
            raise DomainError(f"grad needs a scalar output; got shape {np.shape(run.out)}. Try jacobian(f) "
                              f"for a vector output, or reduce it to one number first (e.g. sum)")
        # release=True: nobody else sees this graph, so the pass may free values as it goes
        grads = run.gradients(np.ones(np.shape(run.out), dtype=_grad_dtype(_value(run.out))), release=True)
        return run.value(), _one_or_tuple(argnum, [run.finish(g, s.shape, _grad_dtype(s.value))
                                                   for g, s in zip(grads, run.starts)])

    value_and_grad_f.__name__ = f"value_and_grad_{getattr(f, '__name__', 'f')}"
    return value_and_grad_f


def grad(f, argnum=0):
    """The gradient of a scalar function, as a function.

    Parameters
    ----------
    f : callable
        ``f(*args, **kwargs)`` returning one number (a Tensor of size 1), built
        from calcml.autodiff operations on its arguments.
    argnum : int or tuple of int, default 0
        Which positional argument(s) to differentiate with respect to. With a
        tuple, the new function returns a tuple of gradients.

    Returns
    -------
    callable
        ``grad(f)(*args)``: d f / d args[argnum], an array shaped like that
        argument, of its dtype (float32 stays float32; integers give float64),
        zeros if `f` does not use it. Called with Tensors (inside
        another transform) it returns a Tensor, so transforms nest.

    Raises
    ------
    DomainError
        If `f` returns more than one number (use :func:`jacobian`), or `argnum`
        does not name a positional argument.

    Examples
    --------
    >>> import numpy as np
    >>> from calcml.autodiff import grad, sum
    >>> rosen = lambda x: sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    >>> grad(rosen)(np.array([1.0, 2.0]))
    array([-400.,  200.])
    >>> x = np.array([1.0, 2.0])                      # the same, by hand:
    >>> np.array([-400 * x[0] * (x[1] - x[0]**2) - 2 * (1 - x[0]), 200 * (x[1] - x[0]**2)])
    array([-400.,  200.])
    """
    value_and_grad_f = value_and_grad(f, argnum)

    def grad_f(*args, **kwargs):
        return value_and_grad_f(*args, **kwargs)[1]

    grad_f.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return grad_f


def jacobian(f, argnum=0):
    """The Jacobian of an array function, as a function.

    One backward pass per output element: row ``i`` is the vector-Jacobian
    product with the ``i``-th basis vector, ``e_i^T J``, the gradient of output
    element ``i``.

    Returns
    -------
    callable
        ``jacobian(f)(*args)``: an array of shape ``out.shape + in.shape`` whose
        entry ``[i..., j...]`` is d out[i...] / d in[j...] (a tuple of them when
        `argnum` is a tuple).

    Examples
    --------
    >>> import numpy as np
    >>> from calcml.autodiff import jacobian, cos, sin, stack
    >>> polar = lambda p: stack([p[0] * cos(p[1]), p[0] * sin(p[1])])   # (r cos t, r sin t)
    >>> jacobian(polar)(np.array([2.0, 0.0]))
    array([[1., 0.],
           [0., 2.]])
    >>> r, t = 2.0, 0.0                      # by hand: [[cos t, -r sin t], [sin t, r cos t]]
    >>> np.array([[np.cos(t), -r * np.sin(t)], [np.sin(t), r * np.cos(t)]])
    array([[ 1., -0.],
           [ 0.,  2.]])
    """
    argnums = _check_argnum(argnum, "jacobian")

    def jacobian_f(*args, **kwargs):
        run = _Run(f, args, kwargs, argnums, "jacobian")
        out_shape = np.shape(run.out)
        m = int(np.prod(out_shape))
        rows = [[] for _ in run.starts]
        for i in range(m if run.order is not None else 0):
            seed = np.zeros(m, dtype=_grad_dtype(_value(run.out)))
            seed[i] = 1.0
            for row, g, s in zip(rows, run.gradients(seed.reshape(out_shape)), run.starts):
                row.append(np.zeros(s.shape) if g is None else g)
        results = []
        for row, s in zip(rows, run.starts):
            shape = out_shape + s.shape
            if not row:
                results.append(np.zeros(shape))
            elif run.traced and any(isinstance(r, Tensor) for r in row):
                results.append(stack(row).reshape(shape))
            else:
                results.append(np.stack([np.asarray(r) for r in row]).reshape(shape))
        return _one_or_tuple(argnum, results)

    jacobian_f.__name__ = f"jacobian_{getattr(f, '__name__', 'f')}"
    return jacobian_f


def hessian(f, argnum=0):
    """The Hessian of a scalar function: ``jacobian(grad(f))``.

    Returns
    -------
    callable
        ``hessian(f)(*args)``: shape ``in.shape + in.shape``, entry
        ``[i..., j...]`` = d^2 f / d x[i...] d x[j...].

    Examples
    --------
    >>> import numpy as np
    >>> from calcml.autodiff import hessian
    >>> hessian(lambda x: x[0] ** 2 * x[1] + x[1] ** 3)(np.array([2.0, 3.0]))
    array([[ 6.,  4.],
           [ 4., 18.]])
    >>> x, y = 2.0, 3.0                        # by hand: [[2y, 2x], [2x, 6y]]
    >>> np.array([[2 * y, 2 * x], [2 * x, 6 * y]])
    array([[ 6.,  4.],
           [ 4., 18.]])
    """
    if isinstance(argnum, tuple):
        raise DomainError("hessian: argnum must be one int; for mixed second derivatives "
                          "use jacobian(grad(f, i), j)")
    return jacobian(grad(f, argnum), argnum)


def vjp(f, x):
    """Evaluate `f` at `x` and return the vector-Jacobian product as a function.

    Returns
    -------
    value : numpy.ndarray
        ``f(x)``.
    vjp_fn : callable
        ``vjp_fn(u)`` = ``u^T J`` = d <u, f(x)> / dx, shaped like `x`; `u` must
        have the shape of ``f(x)``. Each call costs one backward pass, no forward.

    Examples
    --------
    >>> import numpy as np
    >>> from calcml.autodiff import vjp
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> value, vjp_fn = vjp(lambda x: A @ x, np.array([1.0, 1.0]))
    >>> vjp_fn(np.array([1.0, 0.0])), A.T @ np.array([1.0, 0.0])
    (array([1., 2.]), array([1., 2.]))
    """
    run = _Run(f, (x,), {}, (0,), "vjp")
    (s,) = run.starts
    out_shape = np.shape(run.out)

    def vjp_fn(u):
        if not (run.traced and isinstance(u, Tensor)):
            u = np.array(u.value if isinstance(u, Tensor) else u, dtype=_grad_dtype(_value(run.out)))
        if np.shape(u) != out_shape:
            raise DomainError(f"vjp_fn needs a vector shaped like f's output, {out_shape}; got {np.shape(u)}")
        (g,) = run.gradients(u)
        return run.finish(g, s.shape, _grad_dtype(s.value))

    return run.value(), vjp_fn


def jvp(f, x, v):
    """Evaluate `f` at `x` and its directional derivative ``J v`` along `v`.

    Computed in reverse mode by the "double vjp" trick: ``u -> J^T u`` is linear
    in `u`, so differentiating ``<v, J^T u>`` with respect to `u` gives ``J v``.
    The first backward pass is traced (recorded as a graph) so the second can run
    through it. A true forward mode would need a second table of rules; this
    reuses the one table.

    Returns
    -------
    value : numpy.ndarray
        ``f(x)``.
    jvp_value : numpy.ndarray
        ``J v``, shaped like ``f(x)``.

    Examples
    --------
    >>> import numpy as np
    >>> from calcml.autodiff import jvp
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> jvp(lambda x: A @ x, np.array([1.0, 1.0]), np.array([1.0, 0.0]))[1], A @ np.array([1.0, 0.0])
    (array([1., 3.]), array([1., 3.]))
    """
    if not isinstance(v, Tensor):
        v = np.asarray(v, dtype=np.float64)
    run = _Run(f, (x,), {}, (0,), "jvp")
    (s,) = run.starts
    if np.shape(v) != s.shape:
        raise DomainError(f"jvp needs a direction v shaped like x, {s.shape}; got {np.shape(v)}")
    out_shape = np.shape(run.out)
    if run.order is None:
        return run.value(), np.zeros(out_shape)
    # J^T u for a stand-in cotangent u, recorded as a graph (only its linear dependence
    # on u matters, so u's value is irrelevant: zeros).
    u = Tensor(np.zeros(out_shape))
    jtu = backward_pass(run.out, run.order, run.members, u, run.starts, traced=True).get(id(s))
    if not isinstance(jtu, Tensor):
        return run.value(), np.zeros(out_shape)
    # d <v, J^T u> / du = J v, by a second backward pass through the first one.
    order, members = toposort(jtu, (u,))
    traced = run.traced or bool(_RUNNING) and reads_any(order, members, _RUNNING)
    jv = backward_pass(jtu, order, members, v, (u,), traced=traced).get(id(u))
    if jv is None:
        return run.value(), np.zeros(out_shape)
    if traced and isinstance(jv, Tensor):
        return run.value(), jv
    return run.value(), np.array(jv, dtype=_grad_dtype(s.value))
