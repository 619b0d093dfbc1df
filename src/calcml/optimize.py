"""The optimizer lab: plain minimizers that record every step and say honestly how they ended.

:func:`minimize` runs one of ``"gd"``, ``"momentum"``, ``"nesterov"``,
``"adam"``, ``"newton"`` or ``"bfgs"`` on a function given as text, a SymPy
expression or a Python callable. The gradient comes from calcml's own lenses
(symbolic for text, :mod:`calcml.autodiff` for callables) or from ``jac``.
The result keeps the whole history for plots, and a ``label`` for the end
state, decided from the gradient norm and the Hessian's smallest eigenvalue:
``success`` is True only at a minimum (never at a saddle, a maximum or NaN).

The (critical point) analysis that explains *what* the end point is lives in
:mod:`calcml.critical`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .errors import DomainError

__all__ = ["OptimizeResult", "minimize", "METHODS", "LABELS"]

METHODS = ("gd", "momentum", "nesterov", "adam", "newton", "bfgs")
LABELS = ("minimum", "saddle", "maximum", "not confirmed", "not converged", "diverged", "nan")
_CONVENTIONS = {"momentum": ("pytorch", "heavy_ball"), "nesterov": ("pytorch", "sutskever")}
_DEFAULT_ITER = {"gd": 10_000, "momentum": 10_000, "nesterov": 10_000, "adam": 10_000, "newton": 100, "bfgs": 500}
_STATUS = {0: "the gradient norm fell below tol", 1: "max_iter reached before the gradient norm fell below tol",
           2: "the iterates diverged", 3: "the function or its gradient returned NaN",
           4: "the line search found no decrease"}


@dataclass(frozen=True)
class OptimizeResult:
    """How a minimizer ended, with its whole history (scipy.optimize.OptimizeResult's fields, frozen).

    Attributes
    ----------
    x : ndarray, shape (n,)
        The last iterate.
    fun : float
        f(x).
    jac : ndarray, shape (n,)
        The gradient at x.
    nit : int
        Iterations (steps) taken.
    nfev, njev, nhev : int
        Evaluations of f, of its gradient and of its Hessian.
    success : bool
        True only when the gradient norm is below ``tol`` *and* a minimum is
        confirmed there (``label == "minimum"``): a positive-definite Hessian whose
        curvature holds up around x, or, when the Hessian is singular, f higher
        on a whole sphere around x (sampled).
    status : int
        0 converged, 1 max_iter reached, 2 diverged, 3 NaN, 4 line search failed.
    message : str
        Says what happened, in words.
    label : str
        ``"minimum"``, ``"saddle"``, ``"maximum"``, ``"not confirmed"`` (a small gradient
        without evidence of a minimum, e.g. exp(x) far to the left), ``"not converged"``,
        ``"diverged"`` or ``"nan"``.
    method : str
        The method and, for momentum/nesterov, the convention (``"momentum (pytorch)"``).
    path : ndarray, shape (nit + 1, n)
        Every iterate, starting with x0.
    values : ndarray, shape (nit + 1,)
        f along the path.
    grad_norms : ndarray, shape (nit + 1,)
        Euclidean norm of the gradient along the path.
    step_sizes : ndarray, shape (nit,)
        The step size (learning rate, or the line search's alpha) of each step.
    hessian_eigenvalues : ndarray or None
        The Hessian's eigenvalues at x (ascending), used for the label.
    """

    x: np.ndarray
    fun: float
    jac: np.ndarray
    nit: int
    nfev: int
    njev: int
    nhev: int
    success: bool
    status: int
    message: str
    label: str
    method: str
    path: np.ndarray
    values: np.ndarray
    grad_norms: np.ndarray
    step_sizes: np.ndarray
    hessian_eigenvalues: Any = None

    def to_dict(self) -> dict:
        from .results import _jsonable

        return {k: _jsonable(getattr(self, k)) for k in (
            "x", "fun", "jac", "nit", "nfev", "njev", "nhev", "success", "status", "message", "label",
            "method", "path", "values", "grad_norms", "step_sizes", "hessian_eigenvalues")}

    def __repr__(self) -> str:
        return (f"OptimizeResult(label={self.label!r}, x={np.array2string(self.x, precision=6)}, "
                f"fun={self.fun:.6g}, nit={self.nit}, success={self.success}, method={self.method!r})")


# --------------------------------------------------------------------------------------
# the problem: f, its gradient and Hessian, with evaluation counts
# --------------------------------------------------------------------------------------

class _Problem:
    """f, its gradient and its Hessian as functions of a float vector, counting evaluations."""

    def __init__(self, f, jac, hess, vars):
        self.nfev = self.njev = self.nhev = 0
        self.variables = None
        if isinstance(f, str) or _is_sympy(f):
            self._symbolic(f, vars)
        elif callable(f):
            self._f = f
            if jac is None:
                from .autodiff import grad as ad_grad

                self._g = ad_grad(f)
                self.gradient_source = "automatic (calcml.autodiff)"
            else:
                self.gradient_source = "user jac"
            self._h = None
        else:
            raise DomainError(f"f must be text such as 'x^2 + 3y^2', a SymPy expression or a callable "
                              f"f(x) -> float; got {type(f).__name__}")
        if jac is not None:
            if not callable(jac):
                raise DomainError(f"jac must be a callable returning the gradient, or None; got {jac!r}")
            self._g = jac
            self.gradient_source = "user jac"
        if hess is not None:
            if not callable(hess):
                raise DomainError(f"hess must be a callable returning the Hessian, or None; got {hess!r}")
            self._h = hess

    def _symbolic(self, f, vars):
        import sympy as sp

        from .critical import _prepare

        expr, syms = _prepare(f, vars)
        self.variables = tuple(s.name for s in syms)
        grad = [sp.diff(expr, s) for s in syms]
        raw_f = sp.lambdify(syms, expr, "numpy")
        raw_g = sp.lambdify(syms, grad, "numpy")
        raw_h = sp.lambdify(syms, sp.hessian(expr, syms), "numpy")
        self._f = lambda x: raw_f(*x)
        self._g = lambda x: raw_g(*x)
        self._h = lambda x: raw_h(*x)
        self.gradient_source = "symbolic (SymPy)"

    def f(self, x) -> float:
        self.nfev += 1
        with np.errstate(all="ignore"):
            try:
                v = self._f(x)
            except (OverflowError, ZeroDivisionError, FloatingPointError):
                return float("nan")
        v = getattr(v, "value", v)  # a Tensor from an autodiff-written f
        return float(np.asarray(v, dtype=float).reshape(()))

    def g(self, x) -> np.ndarray:
        self.njev += 1
        with np.errstate(all="ignore"):
            try:
                out = self._g(x)
            except (OverflowError, ZeroDivisionError, FloatingPointError):
                return np.full(x.shape, np.nan)
        return np.asarray(out, dtype=float).reshape(x.shape)

    def h(self, x) -> np.ndarray:
        self.nhev += 1
        n = x.size
        with np.errstate(all="ignore"):
            if self._h is None:
                try:
                    from .autodiff import hessian as ad_hessian

                    self._h = ad_hessian(self._f) if self.gradient_source.startswith("automatic") else None
                except Exception:  # noqa: BLE001 - fall back to differencing the gradient below
                    self._h = None
            if self._h is not None:
                try:
                    return np.asarray(self._h(x), dtype=float).reshape(n, n)
                except Exception:  # noqa: BLE001 - e.g. a primitive with no second-order rule
                    self._h = None
            # central differences of the gradient (error O(h^2)), symmetrised
            h = 1e-5 * (1 + np.abs(x))
            cols = [(self.g(x + h[i] * e) - self.g(x - h[i] * e)) / (2 * h[i]) for i, e in enumerate(np.eye(n))]
            H = np.column_stack(cols)
            return (H + H.T) / 2


def _is_sympy(f) -> bool:
    try:
        import sympy as sp
    except ImportError:  # pragma: no cover
        return False
    return isinstance(f, sp.Basic)


# --------------------------------------------------------------------------------------
# the front door
# --------------------------------------------------------------------------------------

def minimize(f, x0, method: str = "bfgs", *, learning_rate: float | None = None, max_iter: int | None = None,
             tol: float = 1e-6, jac: Callable | None = None, hess: Callable | None = None,
             callback: Callable | None = None, line_search: str | None = None, momentum: float = 0.9,
             convention: str = "pytorch", betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
             vars=None, stop_on_divergence: bool = True) -> OptimizeResult:
    """Minimize `f` from `x0`, recording every step.

    Parameters
    ----------
    f : str, sympy.Expr or callable
        Text (``"(1-x)^2 + 100(y-x^2)^2"``; variables in alphabetical order
        unless `vars` says otherwise), a SymPy expression, or ``f(x) -> float``
        taking a float array of shape (n,). A callable must be written with
        :mod:`calcml.autodiff` operations unless `jac` is given.
    x0 : float or array_like, shape (n,)
        Starting point.
    method : {"gd", "momentum", "nesterov", "adam", "newton", "bfgs"}
        ``gd``: x <- x - lr g. ``momentum``: Polyak's heavy ball, in the
        `convention` ``"heavy_ball"`` of the papers (v <- beta v - lr g; x <- x + v)
        or ``"pytorch"`` (b <- beta b + g; x <- x - lr b; the same iterates for a
        constant lr). ``nesterov``: ``"pytorch"`` (b <- beta b + g; x <- x - lr (g + beta b))
        or ``"sutskever"`` (v <- beta v - lr g(x + beta v); x <- x + v). ``adam``:
        Kingma & Ba (2015), Algorithm 1, written as PyTorch computes it.
        ``newton``: solve H d = -g (eigenvalues of H replaced by their absolute
        value, floored, when H is not positive definite) with Armijo backtracking.
        ``bfgs``: Nocedal & Wright (2006) Algorithm 6.1, inverse-Hessian update,
        strong Wolfe line search (SciPy's ``line_search``), H0 = I.
    learning_rate : float, optional
        The step size of gd, momentum, nesterov and adam. Default: for gd an
        Armijo line search; for momentum/nesterov 1/L with L the largest
        Hessian eigenvalue at x0 (the safe step of a quadratic); for adam 0.01.
    max_iter : int, optional
        Default 10,000 for the first-order methods, 100 for newton, 500 for bfgs.
    tol : float
        Stop when the gradient's Euclidean norm is <= tol.
    jac, hess : callable, optional
        ``jac(x) -> (n,)`` and ``hess(x) -> (n, n)``, replacing calcml's.
    callback : callable, optional
        ``callback(k, x)`` after each step (x is a copy); return True to stop.
    line_search : {None, "armijo"}
        Armijo backtracking (c = 1e-4, halving from the proposed step) for gd,
        momentum and nesterov; when the proposed step is not a descent direction
        the momentum is reset.
    momentum : float
        beta of momentum and nesterov, in [0, 1).
    convention : str
        See `method`.
    betas, eps : Adam's (beta1, beta2) and epsilon.
    vars : str or sequence of str, optional
        Variable order for text.
    stop_on_divergence : bool
        Stop as soon as divergence is detected (default). False keeps going
        (until `max_iter`, NaN or overflow) to show the blow-up; the label is
        still ``"diverged"`` and the message says at which step it was flagged.

    Returns
    -------
    OptimizeResult
        With ``label`` and ``success`` decided from the gradient norm (<= tol)
        and the Hessian's eigenvalues at the end point (relative tolerance
        1e-6): a negative one means a saddle or a maximum, never success; a
        positive-definite Hessian means a minimum only when the curvature holds
        on the ball where the minimizer must lie; a singular one is settled by
        sampling f around x (see Notes).
        Divergence is declared when x or f overflow; for gd when f and the
        gradient norm both grew for 3 steps in a row above their starting
        values; for momentum, nesterov and adam (which climb for a while by
        design) when they grew for 4 steps in a row and f rose 1e4 times
        (|f0 - min f| + |f0| + 1) above its lowest value; for gd and momentum with a fixed
        learning rate above the quadratic model's stability limit at x0
        (2/L, and 2(1 + beta)/L for momentum; L the largest Hessian eigenvalue
        there), two rises in a row suffice, and the message names the limit.

    Raises
    ------
    DomainError
        For a bad argument (also a ValueError), including an f that calcml
        cannot differentiate (pass ``jac``).

    Notes
    -----
    The label describes the end point locally. A gradient below `tol` proves
    nothing by itself: exp(x) has gradient 7.6e-7 at x = -14.09, and -x^4 has
    gradient and Hessian 0 at its maximum. So a positive-definite Hessian H
    (smallest eigenvalue lambda) gives "minimum" only when H >= lambda/2 at
    sample points of the ball of radius 4|g|/lambda around x, which must hold
    the minimizer if the curvature holds (strong convexity). A singular
    Hessian is settled by sampling: f below its linear model in every sampled
    direction is a maximum, in some a saddle; f above f(x) on a whole sphere
    of radius 0.1(1 + |x|) encloses a (degenerate) minimum; otherwise the label
    is "not confirmed". These samples are evidence, not proofs, and use extra
    evaluations of f and of the Hessian (counted in nfev and nhev).

    Examples
    --------
    >>> r = minimize("(1 - x)^2 + 100(y - x^2)^2", [-1.2, 1.0], method="newton")
    >>> r.label, r.success, np.round(r.x, 8)          # the true minimum is (1, 1)
    ('minimum', True, array([1., 1.]))
    >>> r = minimize("x^2 - y^2", [1.0, 0.0], method="gd")       # starts on the saddle's stable line
    >>> r.label, r.success, r.hessian_eigenvalues
    ('saddle', False, array([-2.,  2.]))
    """
    method = _check_choice(method, METHODS, "method")
    if method in _CONVENTIONS:
        convention = _check_choice(convention, _CONVENTIONS[method], "convention")
    if line_search is not None:
        line_search = _check_choice(line_search, ("armijo",), "line_search")
        if method not in ("gd", "momentum", "nesterov"):
            raise DomainError(f"line_search='armijo' applies to gd, momentum and nesterov; {method} has its own "
                              "(newton: Armijo, bfgs: Wolfe) or none (adam); leave line_search=None")
    tol = _positive(tol, "tol")
    if learning_rate is not None:
        learning_rate = _positive(learning_rate, "learning_rate")
    if max_iter is None:
        max_iter = _DEFAULT_ITER[method]
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise DomainError(f"max_iter must be a whole number >= 0; got {max_iter!r}")
    if not (isinstance(momentum, (int, float)) and 0 <= momentum < 1):
        raise DomainError(f"momentum must be in [0, 1); got {momentum!r}")
    if not (len(betas) == 2 and all(0 <= b < 1 for b in betas)):
        raise DomainError(f"betas must be two numbers in [0, 1), e.g. (0.9, 0.999); got {betas!r}")
    if callback is not None and not callable(callback):
        raise DomainError(f"callback must be callable as callback(k, x); got {callback!r}")
    try:
        x = np.array(x0, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise DomainError(f"x0 must be a number or a list of numbers; got {x0!r}") from None
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise DomainError(f"x0 must be finite numbers, one per variable; got {x0!r}")
    prob = _Problem(f, jac, hess, vars)
    if prob.variables is not None and len(prob.variables) != x.size:
        raise DomainError(f"x0 has {x.size} coordinate(s) but f has {len(prob.variables)} variable(s) "
                          f"({', '.join(prob.variables)}); give one starting value per variable")
    try:
        prob.g(x)
        prob.njev -= 1
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001 - say what to do instead
        raise DomainError(f"calcml could not differentiate f at x0 ({type(exc).__name__}: {exc}); write f "
                          "with calcml.autodiff functions (ad.sin, ad.sum, ...) or pass jac=...") from exc
    label = method if method not in _CONVENTIONS else f"{method} ({convention})"
    run = _Run(prob, x, tol, max_iter, callback)
    run.stop_on_divergence = bool(stop_on_divergence)
    steppers = {"gd": _gd, "momentum": _momentum, "nesterov": _nesterov, "adam": _adam,
                "newton": _newton, "bfgs": _bfgs}
    options = dict(lr=learning_rate, line_search=line_search, beta=float(momentum), convention=convention,
                   betas=tuple(float(b) for b in betas), eps=float(eps))
    steppers[method](run, options)
    return run.result(label)


def _check_choice(value, choices, name):
    if value not in choices:
        raise DomainError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def _positive(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0 < value < np.inf:
        raise DomainError(f"{name} must be a positive number; got {value!r}")
    return float(value)


# --------------------------------------------------------------------------------------
# the run: history, stopping rules, the end-state label
# --------------------------------------------------------------------------------------

class _Run:
    def __init__(self, prob: _Problem, x, tol, max_iter, callback):
        self.prob, self.tol, self.max_iter, self.callback = prob, tol, int(max_iter), callback
        self.x = x
        self.fx = prob.f(x)
        self.gx = prob.g(x)
        self.path, self.values, self.gnorms, self.steps = [x.copy()], [self.fx], [_norm(self.gx)], []
        self.status = None
        self.patience = 3
        self.unstable = ""
        self.diverged_at = None
        self.stop_on_divergence = True

    def done(self) -> bool:
        """Check the stopping rules for the current iterate; True to stop."""
        if self.status is not None:
            return True
        if not (np.isfinite(self.fx) and np.all(np.isfinite(self.gx))):
            inf = np.isinf(self.fx) or np.any(np.isinf(self.gx)) or np.max(np.abs(self.x)) > 1e150
            self.status = 2 if inf else 3
        elif np.max(np.abs(self.x)) > 1e150 or abs(self.fx) > 1e300:
            self.status = 2
        elif self.gnorms[-1] <= self.tol:
            self.status = 0
        elif self.diverged_at is None and self._diverging():
            self.diverged_at = len(self.steps)
            if self.stop_on_divergence:
                self.status = 2
        if self.status is None and len(self.steps) >= self.max_iter:
            self.status = 1
        return self.status is not None

    def _diverging(self) -> bool:
        # Known unstable (the step is above the quadratic model's limit at x0): two rises in a row
        # confirm it. Otherwise: `patience` rises in a row, above the starting values.
        k = 2 if self.unstable else self.patience
        if len(self.values) <= k:
            return False
        v, g = self.values[-k - 1:], self.gnorms[-k - 1:]
        growing = all(b > a for a, b in zip(v, v[1:])) and all(b > a for a, b in zip(g, g[1:]))
        if not growing:
            return False
        if self.unstable:
            return True
        f0, fmin = self.values[0], min(self.values)
        if self.patience == 3:   # gd: on a stable quadratic f only decreases, so rising above f0 is telling
            return v[-1] > f0 and g[-1] > self.gnorms[0]
        # momentum, nesterov, adam overshoot and climb for a while by design (Adam moves about lr per
        # step whatever the slope): only growth far beyond the start counts
        return v[-1] - fmin > 1e4 * (abs(f0 - fmin) + abs(f0) + 1.0)

    def check_step(self, lr: float, limit_times_L: float, what: str) -> None:
        """Compare a fixed step with the stability limit of the quadratic model at x0.

        On f = x'Ax/2 gradient descent converges iff lr < 2/L, heavy-ball momentum iff
        lr < 2(1 + beta)/L, with L the largest eigenvalue of A (Polyak 1964).
        """
        eig = np.linalg.eigvalsh(self.prob.h(self.x))
        if not np.all(np.isfinite(eig)) or eig[-1] <= 0:
            return
        L = float(eig[-1])
        if lr > limit_times_L / L:
            self.unstable = (f"learning_rate = {lr:.4g} is above {what} = {limit_times_L / L:.4g} "
                             f"(L = {L:.4g}, the largest Hessian eigenvalue at x0)")

    def accept(self, x_new, alpha, f_new=None, g_new=None) -> bool:
        """Record a step; True to stop."""
        self.x = x_new
        self.fx = self.prob.f(x_new) if f_new is None else f_new
        self.gx = self.prob.g(x_new) if g_new is None else g_new
        self.path.append(x_new.copy())
        self.values.append(self.fx)
        self.gnorms.append(_norm(self.gx))
        self.steps.append(float(alpha))
        if self.callback is not None and self.callback(len(self.steps), x_new.copy()) is True and \
                self.status is None:
            if self.done():
                return True
            self.status = 1
            return True
        return self.done()

    def result(self, method: str) -> OptimizeResult:
        if self.status is None:
            self.done()
            if self.status is None:
                self.status = 1
        if self.status == 1 and self.diverged_at is not None:
            self.status = 2   # kept running on request (stop_on_divergence=False), still diverged
        eig = None
        label = {1: "not converged", 2: "diverged", 3: "nan", 4: "not converged"}.get(self.status)
        why = ""
        if self.status == 0:
            H = self.prob.h(self.x)
            if not np.all(np.isfinite(H)):   # no curvature, no verdict
                self.status, label = 3, "nan"
            else:
                eig = np.linalg.eigvalsh((H + H.T) / 2)
                label, why = _verdict(self, eig)
        message = _STATUS[self.status]
        if self.status == 3 and eig is None and self.gnorms[-1] <= self.tol:
            message = "the gradient norm fell below tol, but the Hessian there is NaN: no verdict on the kind"
        if self.status == 0:
            message += "; " + why
        elif self.status == 2:
            message += " (f and the gradient norm kept growing; try a smaller learning_rate or a line search)"
            if self.diverged_at is not None:
                message += f"; flagged at step {self.diverged_at}"
        if self.unstable:
            message += f"; {self.unstable}"
        return OptimizeResult(
            x=self.x.copy(), fun=float(self.fx), jac=self.gx.copy(), nit=len(self.steps),
            nfev=self.prob.nfev, njev=self.prob.njev, nhev=self.prob.nhev,
            success=label == "minimum", status=self.status, message=message, label=label, method=method,
            path=np.array(self.path), values=np.array(self.values), grad_norms=np.array(self.gnorms),
            step_sizes=np.array(self.steps), hessian_eigenvalues=eig)


def _norm(g) -> float:
    with np.errstate(all="ignore"):
        return float(np.sqrt(np.sum(g * g))) if np.all(np.isfinite(g)) else float("nan")


def _verdict(run: _Run, eig) -> tuple[str, str]:
    """(label, reason) for a point where the gradient norm fell below tol, with Hessian eigenvalues `eig`.

    - A negative eigenvalue (below -1e-6 times the curvature scale): a saddle or a maximum.
    - Positive definite (smallest eigenvalue above 1e-6 times the scale): a minimum only if the
      curvature holds up around x. If H >= mu I on the ball of radius R = 2|g|/mu around x, f has
      a minimizer in that ball (strong convexity); calcml checks H at points of the ball with
      mu = lambda_min / 2 (evidence, not a proof). On exp(x) at x = -14 the gradient is small only
      because f flattens out: the ball has radius 4, the curvature dies off in it, and the verdict
      is "not confirmed".
    - Singular (positive semidefinite): the second-order test does not decide. f is sampled on
      small spheres around x (:func:`_sample_around`).

    The scale is the largest |eigenvalue| of the Hessian at x and at the start (at least 1).
    """
    g = run.gx
    gnorm = _norm(g)
    H0 = run.prob.h(run.path[0])
    scale = max([1.0, float(np.max(np.abs(eig)))] +
                ([float(np.max(np.abs(np.linalg.eigvalsh((H0 + H0.T) / 2))))] if np.all(np.isfinite(H0)) else []))
    thr = 1e-6 * scale
    low = eig[0]
    if low < -thr:
        if eig[-1] > thr:
            return "saddle", "the Hessian has eigenvalues of both signs: a saddle point, not a minimum"
        return "maximum", "the Hessian is negative definite: a maximum, not a minimum"
    shown = f"{low:.3g}"
    if low > thr:
        mu = low / 2
        radius = 2 * gnorm / mu
        if radius == 0 or _curvature_holds(run, mu, radius):
            return "minimum", (f"the Hessian is positive definite (smallest eigenvalue {shown}) and stays above "
                               f"half of that within {radius:.2g} of x, where the minimizer must lie: a minimum")
        kind, detail = _sample_around(run, singular=False)
        return kind, (f"the Hessian is positive definite at x (smallest eigenvalue {shown}), but the curvature "
                      f"falls below half of that within {radius:.2g} = 4|grad f|/lambda_min of x; " + detail)
    kind, detail = _sample_around(run, singular=True)
    head = f"the Hessian is singular (smallest eigenvalue {shown}), so the second-order test does not decide; "
    return kind, head + detail


def _curvature_holds(run: _Run, mu: float, radius: float) -> bool:
    """Whether the Hessian's smallest eigenvalue is >= mu at sample points of the ball B(x, radius)."""
    x, n = run.x, run.x.size
    g = run.gx / max(_norm(run.gx), 1e-300)
    rng = np.random.default_rng(0)
    dirs = [-g, g] + [s * e for e in np.eye(n) for s in (1, -1)] + list(rng.standard_normal((4 * n, n)))
    for d in dirs:
        d = d / max(np.linalg.norm(d), 1e-300)
        for t in (0.5, 1.0):
            H = run.prob.h(x + t * radius * d)
            if not np.all(np.isfinite(H)) or np.linalg.eigvalsh((H + H.T) / 2)[0] < mu:
                return False
    return True


def _sample_around(run: _Run, singular: bool) -> tuple[str, str]:
    """Sampling tests around a point where the second-order test did not settle the kind.

    1. (singular Hessian) Higher-order descent: on spheres of radius r = 1e-1, 1e-2, 1e-3
       (times 1 + |x|), f(x + r u) - f(x) - r g.u below zero beyond rounding means f falls faster
       than its linear model in the direction u: "maximum" when that happens in every sampled
       direction, else "saddle" (the monkey saddle x^3 - 3xy^2, or x^3 in one variable).
    2. The enclosing sphere: if f(x + R u) > f(x) for every sampled u with R = 0.1 (1 + |x|),
       the minimum of f over the closed ball is attained inside it, so a local minimum lies
       within R of x: "minimum" (sampled, not a proof). Otherwise "not confirmed": f is lower
       somewhere on that sphere, so the small gradient does not locate a minimum (exp(x) as
       x -> -inf).
    """
    x, n, fx, g = run.x, run.x.size, run.fx, run.gx
    if n == 1:
        dirs = np.array([[1.0], [-1.0]])
    elif n == 2:
        a = np.linspace(0, 2 * np.pi, 72, endpoint=False)
        dirs = np.column_stack([np.cos(a), np.sin(a)])
    else:
        dirs = np.vstack([np.eye(n), -np.eye(n), np.random.default_rng(0).standard_normal((200, n))])
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    scale = 1.0 + float(np.max(np.abs(x)))
    noise = 1e-12 * (abs(fx) + 1.0)
    if singular:
        for r in (1e-1 * scale, 1e-2 * scale, 1e-3 * scale):
            excess = np.array([run.prob.f(x + r * u) - fx - r * float(g @ u) for u in dirs])
            falls = np.isfinite(excess) & (excess < -noise - 1e-9 * abs(fx))
            if falls.all():
                return "maximum", (f"f falls below its linear model in every sampled direction on the sphere of "
                                   f"radius {r:.2g} around x (sampling test, not a proof): a maximum, not a minimum")
            if falls.any():
                u = dirs[int(np.argmax(falls))]
                return "saddle", (f"f falls below its linear model in some directions (e.g. "
                                  f"{np.array2string(u, precision=3)}) and not in others on the sphere of radius "
                                  f"{r:.2g} around x (sampling test, not a proof): not an extremum")
    R = 0.1 * scale
    ring = np.array([run.prob.f(x + R * u) for u in dirs])
    if np.all(np.isfinite(ring)) and np.all(ring > fx + noise):
        return "minimum", (f"f is above f(x) at every sampled point of the sphere of radius {R:.2g} around x, so "
                           f"a local minimum lies within {R:.2g} of x (sampling test, not a proof; a degenerate "
                           "minimum: x itself may be off by more than tol suggests)")
    lower = dirs[int(np.nanargmin(np.where(np.isfinite(ring), ring, np.inf)))]
    return "not confirmed", (f"f is lower than f(x) at distance {R:.2g} in the direction "
                             f"{np.array2string(lower, precision=3)}: the gradient is small, but no minimum is "
                             "confirmed near x (f may flatten out and keep decreasing, like exp(x) as x -> -inf)")


def _armijo(run: _Run, step, alpha0=1.0, c=1e-4, max_halvings=60):
    """Backtracking: the largest alpha = alpha0 / 2^k with f(x + alpha step) <= f(x) + c alpha g.step."""
    with np.errstate(all="ignore"):
        slope = float(run.gx @ step)
    if not np.isfinite(slope):
        return None, None, None
    alpha = alpha0
    for _ in range(max_halvings):
        x_new = run.x + alpha * step
        f_new = run.prob.f(x_new)
        if np.isfinite(f_new) and f_new <= run.fx + c * alpha * slope:
            return alpha, x_new, f_new
        alpha /= 2
    return None, None, None


def _lipschitz_lr(run: _Run) -> float:
    """1/L with L the largest |eigenvalue| of the Hessian at x0: the step of a quadratic that cannot diverge."""
    eig = np.linalg.eigvalsh(run.prob.h(run.x))
    L = float(np.max(np.abs(eig))) if np.all(np.isfinite(eig)) else 0.0
    return 1.0 / L if L > 1e-12 else 1e-2


# --------------------------------------------------------------------------------------
# the methods
# --------------------------------------------------------------------------------------

def _gd(run: _Run, o):
    lr, search = o["lr"], o["line_search"]
    if lr is None:
        search, lr = "armijo", 1.0
    alpha0 = lr
    if not search:
        run.check_step(lr, 2.0, "2/L")
    while not run.done():
        step = -run.gx
        if search:
            alpha, x_new, f_new = _armijo(run, step, alpha0)
            if alpha is None:
                run.status = 4
                break
            if run.accept(x_new, alpha, f_new):
                break
            # start the next search a little above the last accepted step
            alpha0 = min(lr * 1e6, alpha * 2) if o["lr"] is None else lr
        elif run.accept(run.x + lr * step, lr):
            break


def _momentum(run: _Run, o):
    lr = o["lr"] if o["lr"] is not None else _lipschitz_lr(run)
    beta, heavy = o["beta"], o["convention"] == "heavy_ball"
    run.patience = 4
    if not o["line_search"]:
        run.check_step(lr, 2.0 * (1 + beta), "2(1 + beta)/L")
    buf = np.zeros_like(run.x)
    while not run.done():
        if heavy:                    # v <- beta v - lr g ; x <- x + v   (Polyak 1964)
            proposal = beta * buf - lr * run.gx
            step = proposal
        else:                        # b <- beta b + g ; x <- x - lr b   (torch.optim.SGD)
            proposal = beta * buf + run.gx
            step = -lr * proposal
        alpha = lr
        if o["line_search"]:
            if float(run.gx @ step) >= 0:        # not downhill: drop the momentum
                proposal = -lr * run.gx if heavy else run.gx.copy()
                step = -lr * run.gx
            a, x_new, f_new = _armijo(run, step, 1.0)
            if a is None:
                run.status = 4
                break
            buf = proposal * a if heavy else proposal
            if run.accept(x_new, lr * a, f_new):
                break
            continue
        buf = proposal
        if run.accept(run.x + step, alpha):
            break


def _nesterov(run: _Run, o):
    lr = o["lr"] if o["lr"] is not None else _lipschitz_lr(run)
    beta, sutskever = o["beta"], o["convention"] == "sutskever"
    run.patience = 4
    buf = np.zeros_like(run.x)
    while not run.done():
        if sutskever:                # v <- beta v - lr g(x + beta v) ; x <- x + v   (Sutskever et al. 2013)
            look = run.prob.g(run.x + beta * buf)
            new_buf = beta * buf - lr * look
            step = new_buf
        else:                        # b <- beta b + g ; x <- x - lr (g + beta b)   (torch.optim.SGD, nesterov)
            new_buf = beta * buf + run.gx
            step = -lr * (run.gx + beta * new_buf)
        if o["line_search"]:
            if float(run.gx @ step) >= 0:
                new_buf = -lr * run.gx if sutskever else run.gx.copy()
                step = -lr * run.gx
            a, x_new, f_new = _armijo(run, step, 1.0)
            if a is None:
                run.status = 4
                break
            buf = new_buf
            if run.accept(x_new, lr * a, f_new):
                break
            continue
        buf = new_buf
        if run.accept(run.x + step, lr):
            break


def _adam(run: _Run, o):
    lr = o["lr"] if o["lr"] is not None else 1e-2
    (b1, b2), eps = o["betas"], o["eps"]
    run.patience = 4
    m = np.zeros_like(run.x)
    v = np.zeros_like(run.x)
    t = 0
    while not run.done():
        t += 1
        g = run.gx
        m = b1 * m + (1 - b1) * g                      # first moment
        v = b2 * v + (1 - b2) * g * g                  # second moment
        # bias corrections, in the order torch.optim.Adam computes them
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        denom = np.sqrt(v) / np.sqrt(bc2) + eps
        if run.accept(run.x - (lr / bc1) * (m / denom), lr):
            break


def _newton(run: _Run, o):
    while not run.done():
        H = run.prob.h(run.x)
        if not np.all(np.isfinite(H)):
            run.status = 3
            break
        lam, Q = np.linalg.eigh((H + H.T) / 2)
        # Newton's direction, made a descent direction: |eigenvalues|, floored (Nocedal & Wright, 3.4)
        floor = 1e-8 * max(1.0, float(np.max(np.abs(lam))))
        lam = np.maximum(np.abs(lam), floor)
        step = -(Q @ ((Q.T @ run.gx) / lam))
        alpha, x_new, f_new = _armijo(run, step, 1.0)
        if alpha is None:
            run.status = 4
            break
        if run.accept(x_new, alpha, f_new):
            break


def _bfgs(run: _Run, o):
    import warnings

    from scipy.optimize import line_search as wolfe

    n = run.x.size
    Hinv = np.eye(n)
    f_prev = run.fx + _norm(run.gx) / 2        # SciPy's guess of the first step's size
    while not run.done():
        p = -Hinv @ run.gx
        with warnings.catch_warnings():  # SciPy warns when the Wolfe search fails; we fall back below
            warnings.simplefilter("ignore")
            alpha, _, _, f_new, _, _ = wolfe(run.prob.f, run.prob.g, run.x, p, run.gx, run.fx, f_prev, c2=0.9)
        if alpha is None:                       # no Wolfe step: fall back to backtracking
            alpha, x_new, f_new = _armijo(run, p, 1.0)
            if alpha is None:
                run.status = 4
                break
        else:
            x_new = run.x + alpha * p
        f_prev = run.fx
        x_old, g_old = run.x, run.gx
        if run.accept(x_new, alpha, f_new):
            break
        s, y = run.x - x_old, run.gx - g_old
        sy = float(s @ y)
        if sy <= 1e-12 * _norm(s) * _norm(y):
            continue                             # curvature condition fails: keep H (Nocedal & Wright 6.1)
        rho = 1.0 / sy
        A = np.eye(n) - rho * np.outer(s, y)
        Hinv = A @ Hinv @ A.T + rho * np.outer(s, s)
