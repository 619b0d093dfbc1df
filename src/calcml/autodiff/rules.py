"""The derivative rules: one vector-Jacobian product per primitive.

A rule answers one question for one primitive ``out = op(x, y, ...)``: given
``g = d(loss)/d(out)``, what are ``d(loss)/dx, d(loss)/dy, ...``? That is the
vector-Jacobian product ``g^T J``; the Jacobian ``J`` itself is never built.

Every rule has the signature ``rule(g, ans, need, ops, *args, **params)``:

- ``g``: the gradient arriving from the output, shaped like ``ans``;
- ``ans``: the primitive's output (saves recomputing ``tanh(x)`` for tanh's rule);
- ``need``: one flag per argument; a rule returns ``None`` where it is False
  (a constant, or an input the caller does not differentiate), which also avoids
  evaluating formulas that do not exist there, such as ``log(x)`` for ``x < 0``;
- ``ops``: where to find ``exp log sin cos tanh sqrt where broadcast_to scatter``.
  Rules are written once and run two ways.
  In a first-order pass everything is a NumPy array and ``ops`` holds NumPy functions
  (fast). In a traced pass (what nested transforms such as ``grad(grad(f))`` and
  ``hessian`` run) ``g``, ``ans`` and the arguments are Tensors and ``ops`` holds the
  Tensor functions, so the backward pass itself is recorded and can be
  differentiated again. Arithmetic operators, ``.sum``, ``.reshape``,
  ``.transpose`` and indexing mean the same thing for both kinds.

Conventions at points where a derivative does not exist are written beside the
rule: autodiff must return *some* number there, and these are the usual choices.

To add a primitive, make it with :func:`calcml.autodiff.primitive` and register its
rule with ``@calcml.autodiff.rule("name")``. A primitive without a rule raises
:class:`calcml.errors.MissingRuleError` when a gradient has to pass through it.

(One shortcut lives in backprop.py: a first-order pass adds the gradient of
``x[index]`` straight into x's gradient instead of calling the getitem rule,
which would scatter into a new array of zeros first. Same numbers, less memory.)
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..functions import functions as _registry
from .tensor import Tensor

__all__ = ["RULES", "DESCRIPTIONS", "rule", "unbroadcast", "NUMPY_OPS"]

RULES: dict = {}
"""Primitive name -> its vector-Jacobian product."""
DESCRIPTIONS: dict = {}
"""Primitive name -> the rule as a one-line formula, for :func:`show_graph`."""


def rule(name: str, vjp: str = ""):
    """Register the decorated function as the derivative rule of primitive `name`.

    `vjp` is the formula in words, shown by :func:`calcml.autodiff.show_graph`
    for nodes too large to print their Jacobian.
    """

    def register(fn):
        RULES[name] = fn
        DESCRIPTIONS[name] = vjp or fn.__doc__ or ""
        return fn

    return register


def _value(x):
    """The numbers behind `x`, for masks and signs: those are constants in every pass."""
    return x.value if isinstance(x, Tensor) else x


def unbroadcast(g, shape):
    """Sum `g` back to `shape`, undoing NumPy broadcasting.

    If ``x`` of shape (3, 1) was broadcast against (4, 3, 5), each of its elements
    was used 4 * 5 times, so its gradient is the sum of those 20 gradients: sum over
    the leading axes broadcasting added, and over the axes where ``x`` had length 1.
    """
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    axes = tuple(range(lead)) + stretched
    if axes:
        g = g.sum(axis=axes)
    return g.reshape(shape)


def _scatter_numpy(g, index, shape, unique):
    # The adjoint of indexing: put g where the elements came from, zeros elsewhere.
    out = np.zeros(shape, dtype=getattr(g, "dtype", np.float64))
    if unique:
        out[index] = g  # each position at most once: plain assignment is enough
    else:
        np.add.at(out, index, g)  # x[[0, 0]] uses x[0] twice: its gradients must add
    return out


def _broadcast_numpy(g, shape):
    # np.broadcast_to returns a free read-only view but costs ~5 us of Python; for
    # small arrays filling a new array is quicker, for big ones the view saves memory.
    if len(shape) == 1 and shape[0] < 50_000:
        out = np.empty(shape, dtype=getattr(g, "dtype", np.float64))
        out[...] = g
        return out
    return np.broadcast_to(g, shape)


NUMPY_OPS = SimpleNamespace(exp=np.exp, log=np.log, sin=np.sin, cos=np.cos, tanh=np.tanh,
                            sqrt=np.sqrt, sigmoid=_registry["sigmoid"].numpy, expm1=np.expm1,
                            log1p=np.log1p, where=np.where, broadcast_to=_broadcast_numpy,
                            scatter=_scatter_numpy)
"""The ``ops`` of a first-order pass. The traced ``ops`` are built in functions.py."""


def _unless_unused(g, out, ops, overflowed=None):
    """`out` (= g times a local slope), with 0 wherever g is exactly 0 and `out` is not finite.

    A zero arriving gradient means the output did not affect the loss there: the
    branch that :func:`where` did not select, an element that indexing or relu
    dropped, a factor 0. Its contribution is 0 even where the local slope is
    infinite or NaN (``sqrt`` or ``log`` of the negative numbers of an unselected
    branch), so it cannot turn a finite gradient into NaN:
    ``grad(sum(where(x > 0, sqrt(x), x)))`` at x = -1 is 1 (JAX and PyTorch give
    NaN). Where the gradient is not 0 (the selected branch) a NaN stays.

    A zero that only comes from dividing by a number that overflowed (``1/inf``
    in the rule of ``log(exp(1000))``) is not such a zero: pass the input that may
    have overflowed as `overflowed`, and the contribution is NaN wherever it is
    infinite, so the overflow shows instead of a silent 0 (``0 * inf`` later).
    The checks cost one pass over `out` (a sum), and more only when something is not finite.
    """
    if isinstance(out, Tensor):  # traced pass: the masks are constants, the product stays recorded
        if overflowed is not None:
            inf = np.isinf(_value(overflowed))
            if inf.any():
                out = ops.where(inf & (_value(g) != 0), np.nan, out)
        bad = ~np.isfinite(out.value) & (_value(g) == 0)
        return ops.where(bad, 0.0, out) if bad.any() else out
    # The quick test is a sum: one pass, no temporary array; NaN and inf survive it (and a sum
    # that overflows only sends us down the exact path, which changes nothing that is finite).
    if overflowed is not None and not np.isfinite(np.sum(overflowed)):
        inf = np.isinf(overflowed)
        if inf.any():
            out = np.where(inf & (g != 0), np.nan, out)
    if np.isfinite(np.sum(out)):
        return out
    return np.where(g == 0, np.zeros((), dtype=np.result_type(out)), out)


# ----- arithmetic -------------------------------------------------------------

@rule("add", "g -> (g, g), each summed back to its input's shape")
def add_rule(g, ans, need, ops, x, y):
    # d(x + y) = dx + dy
    return (unbroadcast(g, x.shape) if need[0] else None,
            unbroadcast(g, y.shape) if need[1] else None)


@rule("sub", "g -> (g, -g), each summed back to its input's shape")
def sub_rule(g, ans, need, ops, x, y):
    # d(x - y) = dx - dy
    return (unbroadcast(g, x.shape) if need[0] else None,
            unbroadcast(-g, y.shape) if need[1] else None)


@rule("neg", "g -> -g")
def neg_rule(g, ans, need, ops, x):
    # d(-x) = -dx
    return (-g,)


@rule("mul", "g -> (g * y, g * x)")
def mul_rule(g, ans, need, ops, x, y):
    # d(x * y) = y dx + x dy   (the product rule)
    return (unbroadcast(_unless_unused(g, g * y, ops), x.shape) if need[0] else None,
            unbroadcast(_unless_unused(g, g * x, ops), y.shape) if need[1] else None)


@rule("div", "g -> (g / y, -g * x / y**2)")
def div_rule(g, ans, need, ops, x, y):
    # d(x / y) = dx / y - (x / y**2) dy = dx / y - (ans / y) dy
    return (unbroadcast(_unless_unused(g, g / y, ops, y), x.shape) if need[0] else None,
            unbroadcast(_unless_unused(g, -(g * ans) / y, ops, y), y.shape) if need[1] else None)


@rule("pow", "g -> (g * y * x**(y-1), g * log(x) * x**y)")
def pow_rule(g, ans, need, ops, x, y):
    # d(x**y) = y x**(y-1) dx + log(x) x**y dy
    gx = gy = None
    if need[0]:
        if isinstance(y, (int, float)) and y == 2:
            gx = unbroadcast(g * (2.0 * x), x.shape)  # the common square, one multiply cheaper
        else:
            gx = unbroadcast(_unless_unused(g, g * (y * x ** (y - 1)), ops, x), x.shape)
    if need[1]:
        # log(x) exists only for x > 0. At x == 0, x**y is 0 for every y > 0, so its
        # slope in y is 0: use log(1) = 0 there. For x < 0 the result is nan, because
        # a real x**y is not defined for non-integer y near a negative base.
        safe_x = ops.where(_value(x) == 0, 1.0, x)
        gy = unbroadcast(_unless_unused(g, g * ops.log(safe_x) * ans, ops), y.shape)
    return gx, gy


@rule("matmul", "g -> (g @ B^T, A^T @ g)")
def matmul_rule(g, ans, need, ops, a, b):
    # d(A @ B) = dA @ B + A @ dB, so dL/dA = G @ B^T and dL/dB = A^T @ G, over the
    # last two axes (leading axes are a batch, broadcast like any other operation).
    # A 1-D operand is a row (on the left) or a column (on the right); the added
    # axis is removed again at the end, as NumPy does in the forward pass.
    sa, sb = a.shape, b.shape
    a2 = a.reshape((1,) + sa) if len(sa) == 1 else a
    b2 = b.reshape(sb + (1,)) if len(sb) == 1 else b
    gs = g.shape
    if len(sa) == 1 and len(sb) == 1:
        g2 = g.reshape((1, 1))
    elif len(sa) == 1:
        g2 = g.reshape(gs[:-1] + (1, gs[-1]))
    elif len(sb) == 1:
        g2 = g.reshape(gs + (1,))
    else:
        g2 = g
    ga = gb = None
    if need[0]:
        ga = unbroadcast(g2 @ _swap_last(b2), a2.shape).reshape(sa)
    if need[1]:
        gb = unbroadcast(_swap_last(a2) @ g2, b2.shape).reshape(sb)
    return ga, gb


def _swap_last(m):
    n = m.ndim
    return m.transpose(tuple(range(n - 2)) + (n - 1, n - 2))


# ----- elementwise functions --------------------------------------------------

@rule("exp", "g -> g * exp(x)")
def exp_rule(g, ans, need, ops, x):
    # d exp(x) = exp(x) dx
    return (_unless_unused(g, g * ans, ops),)


@rule("log", "g -> g / x")
def log_rule(g, ans, need, ops, x):
    # d log(x) = dx / x
    return (_unless_unused(g, g / x, ops, x),)


@rule("sin", "g -> g * cos(x)")
def sin_rule(g, ans, need, ops, x):
    # d sin(x) = cos(x) dx
    return (g * ops.cos(x),)


@rule("cos", "g -> -g * sin(x)")
def cos_rule(g, ans, need, ops, x):
    # d cos(x) = -sin(x) dx
    return (-(g * ops.sin(x)),)


@rule("tan", "g -> g * (1 + tan(x)**2)")
def tan_rule(g, ans, need, ops, x):
    # d tan = 1 + tan**2   (= 1 / cos**2)
    return (_unless_unused(g, g * (1.0 + ans * ans), ops),)


@rule("tanh", "g -> g * (1 - tanh(x)**2)")
def tanh_rule(g, ans, need, ops, x):
    # d tanh = 1 - tanh**2 = sech**2. Once |x| > 19, tanh rounds to +-1 and 1 - tanh**2
    # to 0, so write sech(x) = 2 e / (1 + e**2) with e = exp(-|x|) <= 1: no overflow,
    # and full relative accuracy in the tails too.
    e = ops.exp(ops.where(_value(x) >= 0, -x, x))
    sech = 2.0 * e / (1.0 + e * e)
    return (g * (sech * sech),)


@rule("arcsin", "g -> g / sqrt(1 - x**2)")
def arcsin_rule(g, ans, need, ops, x):
    # d arcsin = 1 / sqrt(1 - x**2); infinite at x = +-1, the ends of the domain.
    return (_unless_unused(g, g / ops.sqrt(1.0 - x * x), ops),)


@rule("arccos", "g -> -g / sqrt(1 - x**2)")
def arccos_rule(g, ans, need, ops, x):
    # d arccos = -1 / sqrt(1 - x**2)
    return (_unless_unused(g, -g / ops.sqrt(1.0 - x * x), ops),)


@rule("arctan", "g -> g / (1 + x**2)")
def arctan_rule(g, ans, need, ops, x):
    # d arctan = 1 / (1 + x**2)
    return (_unless_unused(g, g / (1.0 + x * x), ops, x),)


@rule("arcsinh", "g -> g / sqrt(1 + x**2)")
def arcsinh_rule(g, ans, need, ops, x):
    # d arcsinh = 1 / sqrt(1 + x**2)
    return (_unless_unused(g, g / ops.sqrt(1.0 + x * x), ops, x),)


@rule("sinh", "g -> g * cosh(x)")
def sinh_rule(g, ans, need, ops, x):
    # d sinh = cosh = (e^x + e^-x) / 2
    return (_unless_unused(g, g * (0.5 * (ops.exp(x) + ops.exp(-x))), ops),)


@rule("cosh", "g -> g * sinh(x)")
def cosh_rule(g, ans, need, ops, x):
    # d cosh = sinh = (e^x - e^-x) / 2
    return (_unless_unused(g, g * (0.5 * (ops.exp(x) - ops.exp(-x))), ops),)


@rule("sqrt", "g -> g / (2 sqrt(x))")
def sqrt_rule(g, ans, need, ops, x):
    # d sqrt(x) = dx / (2 sqrt(x)); infinite at x = 0 (a vertical tangent), and so is the result.
    return (_unless_unused(g, g * 0.5 / ans, ops, ans),)


@rule("sigmoid", "g -> g * s * (1 - s), s = sigmoid(x)")
def sigmoid_rule(g, ans, need, ops, x):
    # d sigmoid = sigmoid * (1 - sigmoid) = sigmoid(x) * sigmoid(-x): 1 - sigmoid(x) would
    # lose its digits once sigmoid(x) is close to 1 (x > ~2), so it is computed as sigmoid(-x).
    return (g * (ans * ops.sigmoid(-x)),)


@rule("softplus", "g -> g * sigmoid(x)")
def softplus_rule(g, ans, need, ops, x):
    # d softplus = d log(1 + e^x) = e^x / (1 + e^x) = sigmoid(x)
    return (g * ops.sigmoid(x),)


@rule("log_sigmoid", "g -> g * sigmoid(-x)")
def log_sigmoid_rule(g, ans, need, ops, x):
    # d log sigmoid(x) = sigmoid'(x) / sigmoid(x) = 1 - sigmoid(x) = sigmoid(-x): no 0/0 in either tail
    return (g * ops.sigmoid(-x),)


@rule("log1p", "g -> g / (1 + x)")
def log1p_rule(g, ans, need, ops, x):
    # d log(1 + x) = dx / (1 + x); infinite at x = -1, the end of the domain.
    return (_unless_unused(g, g / (1.0 + x), ops, x),)


@rule("expm1", "g -> g * exp(x)")
def expm1_rule(g, ans, need, ops, x):
    # d (e^x - 1) = e^x (not expm1(x) + 1, which loses the digits of e^x for x < -1)
    return (_unless_unused(g, g * ops.exp(x), ops),)


@rule("abs", "g -> g * sign(x)")
def abs_rule(g, ans, need, ops, x):
    # d |x| = sign(x) dx. At x = 0 |x| has a kink; we use sign(0) = 0, the average of
    # the one-sided slopes -1 and +1 (a valid subgradient, and NumPy's sign).
    return (g * np.sign(_value(x)),)


@rule("relu", "g -> g * [x > 0]")
def relu_rule(g, ans, need, ops, x):
    # d relu(x) = [x > 0] dx. At x = 0 we use relu'(0) = 0 (as PyTorch and JAX do).
    return (ops.where(_value(x) > 0, g, 0.0),)


@rule("maximum", "g -> (g * [x > y], g * [x < y]), ties split 0.5 / 0.5")
def maximum_rule(g, ans, need, ops, x, y):
    # d max(x, y) = [x > y] dx + [x < y] dy. At a tie x == y the maximum has a kink:
    # we split the slope evenly, 0.5 dx + 0.5 dy (the average of the two one-sided
    # choices; autograd does the same). The two parts still add up to g.
    xv, yv = _value(x), _value(y)
    w = _split_weights(xv > yv, xv == yv, g)
    return (unbroadcast(g * w, x.shape) if need[0] else None,
            unbroadcast(g * (1.0 - w), y.shape) if need[1] else None)


def _split_weights(wins, ties, g):
    """1 where the argument wins, 0.5 at a tie, 0 elsewhere, in the gradient's float type (float32 stays)."""
    dtype = np.result_type(_value(g), np.float16)  # a float type: float64 only if g is
    return wins.astype(dtype) + dtype.type(0.5) * ties


@rule("minimum", "g -> (g * [x < y], g * [x > y]), ties split 0.5 / 0.5")
def minimum_rule(g, ans, need, ops, x, y):
    # d min(x, y) = [x < y] dx + [x > y] dy; ties split 0.5 / 0.5 as for maximum.
    xv, yv = _value(x), _value(y)
    w = _split_weights(xv < yv, xv == yv, g)
    return (unbroadcast(g * w, x.shape) if need[0] else None,
            unbroadcast(g * (1.0 - w), y.shape) if need[1] else None)


@rule("where", "g -> (g where condition, g where not condition)")
def where_rule(g, ans, need, ops, x, y, *, condition):
    # where(c, x, y) passes x's elements where c holds and y's elsewhere, so the
    # gradient is routed the same way. (The condition itself has no derivative.)
    return (unbroadcast(ops.where(condition, g, 0.0), x.shape) if need[0] else None,
            unbroadcast(ops.where(condition, 0.0, g), y.shape) if need[1] else None)


# ----- reductions and shape ---------------------------------------------------

@rule("logsumexp", "g -> g * softmax(x), the softmax along the reduced axes")
def logsumexp_rule(g, ans, need, ops, x, *, axis, keepdims):
    # d log(sum(e^x)) = sum(e^x dx) / sum(e^x) = softmax(x) . dx, with the softmax
    # computed as e^(x - m) / sum(e^(x - m)), m the maximum: no exponential overflows, and
    # no digits are lost to x - logsumexp(x) when the logsumexp is large.
    kshape = _keepdims_shape(x.shape, axis)
    m = np.max(_value(x), axis=axis, keepdims=True)
    e = ops.exp(x - np.where(np.isfinite(m), m, 0))
    return (g.reshape(kshape) * (e / e.sum(axis=axis, keepdims=True)),)


@rule("log_softmax", "g -> g - softmax(x) * sum(g), sums along the axis")
def log_softmax_rule(g, ans, need, ops, x, *, axis):
    # y = x - logsumexp(x), so dy_i = dx_i - sum_j softmax_j dx_j, and the
    # vector-Jacobian product is g - softmax * sum(g), with softmax = e^y.
    return (g - ops.exp(ans) * g.sum(axis=axis, keepdims=True),)


def _keepdims_shape(shape, axis):
    axes = range(len(shape)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    axes = {a % len(shape) for a in axes} if shape else set()
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


@rule("sum", "g -> g copied to every summed element")
def sum_rule(g, ans, need, ops, x, *, axis, keepdims):
    # d sum(x) = sum(dx): each element of x contributes with slope 1, so each gets g.
    shape = x.shape
    if axis is not None and not keepdims:
        g = g.reshape(_keepdims_shape(shape, axis))  # put the summed axes back, as length 1
    return (ops.broadcast_to(g, shape),)


@rule("mean", "g -> g / n copied to every averaged element")
def mean_rule(g, ans, need, ops, x, *, axis, keepdims):
    # d mean(x) = sum(dx) / n, with n the number of elements averaged.
    shape = x.shape
    kshape = _keepdims_shape(shape, axis)
    n = int(np.prod(shape)) // max(int(np.prod(kshape)), 1)
    if not keepdims:
        g = g.reshape(kshape)
    return (ops.broadcast_to(g * (1.0 / n), shape),)


@rule("broadcast_to", "g -> g summed back to the input's shape")
def broadcast_to_rule(g, ans, need, ops, x, *, shape):
    # Broadcasting copies elements; the gradient of a copy adds up (see unbroadcast).
    return (unbroadcast(g, x.shape),)


@rule("getitem", "g -> zeros with g scattered back to the indexed positions")
def getitem_rule(g, ans, need, ops, x, *, index, unique):
    # x[index] selects elements; their gradients go back where they came from, zero
    # elsewhere; a position selected twice gets the sum (np.add.at).
    return (ops.scatter(g, index, x.shape, unique),)


@rule("scatter", "g -> g[index]")
def scatter_rule(g, ans, need, ops, v, *, index, shape, unique):
    # scatter is linear and the adjoint of indexing, so its adjoint is indexing again.
    # (It only appears in traced passes, as the backward of getitem.)
    return (g[index],)


@rule("reshape", "g -> g reshaped to the input's shape")
def reshape_rule(g, ans, need, ops, x):
    # Reshaping moves no numbers, so neither does its gradient.
    return (g.reshape(x.shape),)


@rule("transpose", "g -> g with the axes permuted back")
def transpose_rule(g, ans, need, ops, x, *, axes):
    # Undo the permutation: the inverse of `axes` is its argsort.
    return (g.transpose(tuple(int(i) for i in np.argsort(axes))),)


@rule("stack", "g -> g[i] to the i-th input")
def stack_rule(g, ans, need, ops, *xs, axis):
    # stack puts input i at position i along `axis`; its gradient is that slice.
    lead = (slice(None),) * axis
    return tuple(g[lead + (i,)] if need[i] else None for i in range(len(xs)))


@rule("identity", "g -> g")
def identity_rule(g, ans, need, ops, x):
    # d x = dx. (The transforms start every differentiation at a fresh identity node.)
    return (g,)
