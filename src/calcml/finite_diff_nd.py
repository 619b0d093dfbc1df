"""Numeric gradients, Jacobians and Hessians of functions of several variables.

The numeric lens for lessons 3 and 4. A function of a vector is differentiated
one coordinate at a time, with a step scaled to that coordinate:

- **complex step** when the function accepts complex input: one evaluation per
  coordinate, ``Im f(x + i h e_j) / h``, with no subtraction and hence no
  cancellation (accurate to rounding). Because a function can be analytic in
  some coordinates and not in others (``abs(x[2])`` silently drops the
  imaginary part), the result is cross-checked against a central difference
  along one random direction; a mismatch falls back to the next method.
- otherwise **Richardson-extrapolated central differences** per coordinate
  (:func:`calcml.numeric.numeric_derivative`), each with its own
  :class:`~calcml.results.Estimate`.

Hessians are central differences (with one Richardson step) of the numeric
gradient, symmetrised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .autodiff.tensor import Tensor
from .errors import DomainError
from .numeric.schemes import difference_quotient
from .numeric.tolerance import Tolerance, tolerance
from .results import Status

__all__ = ["NumericArray", "numeric_gradient", "numeric_jacobian", "numeric_hessian"]

_EPS = np.finfo(float).eps
_COMPLEX_H = 1e-20  # complex-step size relative to max(1, |x_j|): far below any truncation error


@dataclass(frozen=True)
class NumericArray:
    """A numeric gradient, Jacobian or Hessian with per-entry error estimates.

    Attributes
    ----------
    value : numpy.ndarray
        The estimate: shape ``(n,)`` for a gradient, ``(m, n)`` for a Jacobian
        (rows are outputs, columns inputs), ``(n, n)`` for a Hessian.
    error : numpy.ndarray
        Per-entry error *estimates* (not bounds), the shape of `value`.
    method : str
        ``"complex"``, ``"richardson"`` or ``"central"``.
    status : Status
        ``SUCCESS`` when every entry met its tolerance; otherwise the first failure.
    evaluations : int
        Function evaluations in all.
    message : str
    estimates : tuple of Estimate
        One per coordinate (per column for a Jacobian) when the per-coordinate
        route was taken; empty for the complex-step route, whose entries share
        one method and one kind of error.
    """

    value: np.ndarray
    error: np.ndarray
    method: str
    status: Status
    evaluations: int
    message: str = ""
    estimates: tuple = ()

    @property
    def ok(self) -> bool:
        return self.status is Status.SUCCESS


def _point(x) -> np.ndarray:
    try:
        x = np.array(x, dtype=float)
    except (TypeError, ValueError):
        raise DomainError(f"the point must be numbers; got {x!r}") from None
    if x.ndim == 0:
        x = x.reshape(1)
    if x.ndim != 1:
        raise DomainError(f"the point must be a 1-D array of coordinates; got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise DomainError(f"the point must be finite; got {x.tolist()}")
    return x


def _numbers(y):
    """The array behind a result: a function written with calcml.autodiff returns a Tensor."""
    return np.asarray(y.value if isinstance(y, Tensor) else y)


def _call(f, x, vector_out: bool):
    with np.errstate(all="ignore"):
        y = f(x)
    y = _numbers(y)
    if not vector_out and y.size != 1:
        raise DomainError(f"the function must return a scalar; got shape {y.shape}. "
                          "For vector outputs use jacobian")
    return y.reshape(-1) if vector_out else y.reshape(())


def _complex_columns(f, x, f0, vector_out):
    """Columns d f / d x_j by the complex step, or None when f is not complex-analytic here."""
    n = x.size
    h = _COMPLEX_H * np.maximum(1.0, np.abs(x))
    # The real part of f(x + i h e_j) is f(x) - h_j^2 f''/2 + ...: f(x) to rounding unless f'' is
    # astronomically large. If it moved by more (here: more than h_j, i.e. |f''| > 2 / h_j), f is
    # not the analytic continuation we assumed. (A zero tolerance at f(x) = 0 would reject x^2 y
    # at the origin.) The random-direction check below is the real safeguard.
    tol = 1e-12 * np.abs(f0)
    D = np.empty((f0.size, n) if vector_out else n)
    # Speed matters here (n evaluations in a Python loop; see benchmarks/bench_gradient.py): one
    # complex work array, perturbed at j and restored, instead of a copy per column; and a plain
    # comparison for the real part, not np.allclose, which cost more than f itself at n = 1000.
    z = x.astype(complex)
    with np.errstate(all="ignore"):
        for j in range(n):
            z[j] = complex(x[j], h[j])
            try:
                y = _numbers(f(z))
            except Exception:  # noqa: BLE001 - not complex-capable: use the real route
                return None
            finally:
                z[j] = x[j]
            if not np.iscomplexobj(y) or y.size != f0.size:
                return None
            if vector_out:
                y = y.reshape(-1)
                if not np.all(np.abs(y.real - f0) <= tol + h[j]):
                    return None
                D[:, j] = y.imag / h[j]
            else:
                y = complex(y.reshape(()))
                if not abs(y.real - f0) <= tol + h[j]:  # also catches NaN
                    return None
                D[j] = y.imag / h[j]
    if not np.array_equal(z, x):
        return None  # f wrote into its argument: the columns were not all taken at x
    return D


def _direction_check(f, x, f0, D, vector_out, rng) -> tuple[bool, int]:
    """Compare the complex-step derivative along a random unit direction with a central difference.

    Also look for a kink along that direction, which the central difference and
    the complex step can both miss when it is symmetric (``abs(x[j])`` at
    ``x[j] = 0`` gives 0 both ways, though no derivative exists): the gap between
    the one-sided slopes, ``s(h) = (f(x + hu) - 2 f(x) + f(x - hu)) / h``, shrinks
    like h for a smooth f but tends to the jump in slope at a kink.
    """
    u = rng.standard_normal(x.size)
    u /= np.linalg.norm(u)
    h = _EPS ** (1 / 3) * max(1.0, float(np.max(np.abs(x))))
    fp = _call(f, x + h * u, vector_out)
    fm = _call(f, x - h * u, vector_out)
    # the plain central quotient of t -> f(x + t u) at t = 0, over the two values just computed
    fd = difference_quotient({h: fp, -h: fm}.__getitem__, 0.0, h, "central")
    pred = D @ u
    # central-difference error ~ h^2 |f'''| + eps |f| / h; allow generous room, a real mismatch is O(1)
    tol = 1e-5 * (np.abs(pred) + np.abs(fd)) + 1e-6 * (1 + np.abs(f0))
    if not np.all(np.abs(fd - pred) <= tol):
        return False, 2
    fp2 = _call(f, x + h / 2 * u, vector_out)
    fm2 = _call(f, x - h / 2 * u, vector_out)
    with np.errstate(all="ignore"):
        s_big = (fp - 2 * f0 + fm) / h
        s_small = (fp2 - 2 * f0 + fm2) / (h / 2)
    if not (np.all(np.isfinite(s_big)) and np.all(np.isfinite(s_small))):
        return False, 4
    noise = 4 * _EPS * (np.abs(fp) + 2 * np.abs(f0) + np.abs(fm)) / h
    # Halving h should halve s; at a kink s stays near the jump in slope, well above round-off.
    kink = (np.abs(s_small) > np.abs(s_big) / np.sqrt(2)) & (np.abs(s_small) > np.maximum(100 * noise, tol))
    return not bool(np.any(kink)), 4


def _bad_value(f0) -> Status | None:
    if np.any(np.isnan(f0)):
        return Status.OUT_OF_DOMAIN
    if np.any(np.isinf(f0)):
        return Status.INFINITE
    return None


def _jacobian_like(f, x, method, vector_out: bool, tol: Tolerance) -> NumericArray:
    from .numeric import numeric_derivative

    x = _point(x)
    try:
        f0 = _call(f, x, vector_out)
    except DomainError:
        raise
    except Exception as err:  # noqa: BLE001 - the user's function failed at the point itself
        shape = (x.size,)
        # Python arithmetic raises where NumPy gives inf: a pole or an overflow is INFINITE either way
        status, what = ((Status.INFINITE, "divides by zero at the point (a pole)")
                        if isinstance(err, ZeroDivisionError) else
                        (Status.INFINITE, "overflows at the point (beyond the largest float)")
                        if isinstance(err, OverflowError) else (Status.ERROR, "raised at the point"))
        return NumericArray(np.full(shape, np.nan), np.full(shape, np.inf), method or "auto", status, 1,
                            f"the function {what}: {type(err).__name__}: {err}")
    shape = (f0.size, x.size) if vector_out else (x.size,)
    bad = _bad_value(f0)
    if bad is not None:
        return NumericArray(np.full(shape, np.nan), np.full(shape, np.inf), method or "auto", bad, 1,
                            "the function is not finite at the point (NaN means outside its domain)")
    evaluations = 1
    if method in (None, "complex"):
        D = _complex_columns(f, x, f0, vector_out)
        if D is not None:
            evaluations += x.size
            ok, extra = _direction_check(f, x, f0, D, vector_out, np.random.default_rng(12345))
            evaluations += extra
            if ok and np.all(np.isfinite(D)):
                err = 4 * _EPS * np.abs(D) + 1e-300
                # Rounding-level errors meet any tolerance (the floor of _array_status).
                return NumericArray(D, err, "complex", _array_status(err, D, tol, floor=float(err.max())),
                                    evaluations)
        if method == "complex":
            return NumericArray(np.full(shape, np.nan), np.full(shape, np.inf), "complex", Status.ERROR,
                                evaluations, "the complex step does not apply: the function does not accept "
                                             "complex input, or is not analytic in every coordinate")
    # Per coordinate (and, for a Jacobian, per output): the robust one-variable routine.
    fd_method = None if method in (None, "complex") else method
    if fd_method is None:
        fd_method = "richardson"
    value = np.empty(shape)
    error = np.empty(shape)
    ests = []
    status, message, first_miss = Status.SUCCESS, "", None
    m = f0.size if vector_out else 1
    for j in range(x.size):
        for i in range(m):
            def g(t, j=j, i=i):
                z = x.copy()
                z[j] = t
                y = _call(f, z, vector_out)
                return float(y[i]) if vector_out else float(y)

            est = numeric_derivative(g, float(x[j]), method=fd_method, rtol=tol.rtol, atol=tol.atol)
            ests.append(est)
            evaluations += est.evaluations
            idx = (i, j) if vector_out else j
            value[idx], error[idx] = est.value, est.error
            # An entry that misses the tolerance on its own may still meet it on the
            # scale of the whole array (a zero entry next to large ones); other statuses stand.
            if not est.ok and status is Status.SUCCESS and (est.status is not Status.NOT_CONVERGED
                                                            or first_miss is None):
                where = f"d f{i}/d x{j}" if vector_out else f"coordinate {j}"
                if est.status is Status.NOT_CONVERGED:
                    first_miss = f"{where}: {est.message or est.status.value}"
                else:
                    status, message = est.status, f"{where}: {est.message or est.status.value}"
    if status is Status.SUCCESS and first_miss is not None:
        status = _array_status(error, value, tol)
        message = "" if status is Status.SUCCESS else first_miss
    return NumericArray(value, error, ests[0].method if ests else fd_method, status, evaluations, message,
                        tuple(ests))


def _array_status(error, value, tol: Tolerance, floor: float = 0.0) -> Status:
    """SUCCESS when every entry's error estimate is within atol + rtol * (the largest |entry|).

    For arrays the scale is the array's, not each entry's: a zero entry of a gradient
    is judged against the gradient's size (as check_grad judges a gradient).
    """
    scale = float(np.max(np.abs(value))) if np.size(value) else 0.0
    ok = np.all(np.isfinite(value)) and tol.met(float(np.max(error, initial=0.0)), scale, floor)
    return Status.SUCCESS if ok else Status.NOT_CONVERGED


def numeric_gradient(f, x, method: str | None = None, *, rtol: float | None = None,
                     atol: float | None = None) -> NumericArray:
    """The gradient of a scalar function of a vector, by finite differences.

    Parameters
    ----------
    f : callable
        ``f(x)`` with `x` a 1-D float array, returning a scalar.
    x : array_like
        The point.
    method : {None, "complex", "richardson", "central", "forward", "backward"}
        None: the complex step when `f` is analytic at `x` (checked), else
        Richardson-extrapolated central differences per coordinate.
    rtol, atol : float, optional
        The tolerance of SUCCESS (defaults in :mod:`calcml.testing`): every
        entry's error estimate at most ``atol + rtol * max|value|``, the scale
        of the whole gradient. The same for :func:`numeric_jacobian` and
        :func:`numeric_hessian`.

    Returns
    -------
    NumericArray
        ``value`` of shape ``(n,)`` with per-coordinate error estimates.

    Examples
    --------
    >>> import numpy as np
    >>> g = numeric_gradient(lambda v: v[0]**2 * v[1] + v[1]**3, [2.0, 3.0])
    >>> g.value, g.method          # exact: (2xy, x^2 + 3y^2) = (12, 31)
    (array([12., 31.]), 'complex')
    """
    return _jacobian_like(f, x, method, False, tolerance(rtol, atol))


def numeric_jacobian(f, x, method: str | None = None, *, rtol: float | None = None,
                     atol: float | None = None) -> NumericArray:
    """The Jacobian of a vector function of a vector: rows are outputs, columns inputs.

    Examples
    --------
    >>> import numpy as np
    >>> J = numeric_jacobian(lambda v: np.array([2*v[0]*v[1], v[0]**2 * v[1]]), [1.0, 2.0])
    >>> J.value                     # exact: [[2y, 2x], [2xy, x^2]]
    array([[4., 2.],
           [4., 1.]])
    """
    return _jacobian_like(f, x, method, True, tolerance(rtol, atol))


def numeric_hessian(f, x, *, rtol: float | None = None, atol: float | None = None) -> NumericArray:
    """The Hessian of a scalar function: central differences of the numeric gradient.

    Each column is ``(g(x + h e_j) - g(x - h e_j)) / 2h`` with one Richardson
    step (h and h/2), `g` the numeric gradient; the result is symmetrised and
    its error estimate is the Richardson correction plus the asymmetry.

    Examples
    --------
    >>> import numpy as np
    >>> H = numeric_hessian(lambda v: v[0]**2 * v[1] + v[1]**3, [2.0, 3.0])
    >>> np.round(H.value, 8)         # exact: [[2y, 2x], [2x, 6y]]
    array([[ 6.,  4.],
           [ 4., 18.]])
    """
    tol = tolerance(rtol, atol)
    x = _point(x)
    n = x.size
    g0 = numeric_gradient(f, x)
    if not g0.ok:
        return NumericArray(np.full((n, n), np.nan), np.full((n, n), np.inf), g0.method, g0.status,
                            g0.evaluations, g0.message)
    evaluations = g0.evaluations
    H = np.empty((n, n))
    E = np.empty((n, n))
    for j in range(n):
        h = _EPS ** (1 / 3) * max(1.0, abs(x[j])) * 4
        cols = []
        for step in (h, h / 2):
            e = np.zeros(n)
            e[j] = step
            gp, gm = numeric_gradient(f, x + e), numeric_gradient(f, x - e)
            evaluations += gp.evaluations + gm.evaluations
            if not (gp.ok and gm.ok):
                bad = gp if not gp.ok else gm
                return NumericArray(np.full((n, n), np.nan), np.full((n, n), np.inf), g0.method, bad.status,
                                    evaluations, f"near the point: {bad.message or bad.status.value}")
            cols.append((gp.value - gm.value) / (2 * step))
        # Richardson: the central difference's error is c h^2, so (4 D(h/2) - D(h)) / 3 cancels it
        H[:, j] = (4 * cols[1] - cols[0]) / 3
        E[:, j] = np.abs(cols[1] - cols[0]) / 3
    asym = np.abs(H - H.T) / 2
    H = (H + H.T) / 2
    E = np.maximum(E, E.T) + asym + 8 * _EPS * np.abs(H)
    status = _array_status(E, H, tol)
    message = "" if status.ok else (f"the Hessian's error estimate {float(E.max()):.2g} is above the tolerance "
                                    f"({tol.describe()}) on the scale of its largest entry")
    return NumericArray(H, E, f"{g0.method}+central", status, evaluations, message)
