"""Checking derivatives against each other, with tolerances defined once.

These tolerances are used everywhere calcml says two answers *agree*: the
three lenses in the CLI and the lessons, the exercise grader for numeric
answers, the project's own tests, and :func:`check_grad` on your code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import DomainError

__all__ = ["RTOL", "ATOL", "agree", "max_discrepancy", "check_grad", "GradCheck", "GroupCheck"]

#: Relative tolerance for two derivative values to agree. Finite differences
#: with Richardson extrapolation reach ~1e-10 relative on smooth functions, so
#: 1e-7 leaves room for hard cases without letting real mistakes through
#: (a wrong rule is typically off by O(1)).
RTOL = 1e-7
#: Absolute tolerance, for values that should be zero.
ATOL = 1e-9

#: The one meaning of ``Status.SUCCESS`` for every approximation (numeric
#: derivatives, integrals, numeric gradients and Jacobians): the error estimate
#: has been checked (a second step, a second grid or an independent rule) and it
#: is at most ``atol + rtol * |value|``. These are the defaults of the ``rtol``
#: and ``atol`` parameters of those functions; a value that misses them is still
#: returned, with ``NOT_CONVERGED`` and its error estimate. An error below the
#: function's own rounding (a derivative that is 0 to within f's last digits, an
#: integral whose parts cancel to rounding) counts as meeting ``atol``: no
#: floating-point method can do better.
DEFAULT_RTOL = 1e-7
DEFAULT_ATOL = 0.0


def agree(a, b, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """True when `a` and `b` agree elementwise: ``|a - b| <= atol + rtol * |b|``.

    NaN never agrees with anything; shapes must broadcast to each other.

    Examples
    --------
    >>> agree(2.0000000001, 2.0)
    True
    >>> agree([4.0, 27.0], [4.0, 18.0])   # the course's 2y instead of 3y^2
    False
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            return False
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def max_discrepancy(a, b) -> float:
    """The largest elementwise ``|a - b| / max(|b|, 1)``: a scale-aware distance for reports."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1.0))) if a.size else 0.0


@dataclass(frozen=True)
class GroupCheck:
    """The verdict of :func:`check_grad` on one named group of parameters.

    Attributes
    ----------
    name : str
        The parameter's name (``"W1"``), or ``"x"`` for a plain array.
    ok : bool
        Every entry agrees with the numeric derivative.
    ratio : float
        Supplied ÷ numeric: the best-fit constant factor over the entries that are
        not ~0 (least squares); 2.0 means the supplied gradient is twice the true
        one. NaN when every entry is ~0.
    max_rel_error : float
        The largest ``|supplied - numeric| / max(|numeric|, floor)``, where the floor
        is the round-off level of the numeric derivative.
    verdict : str
        ``"ok"``, ``"constant factor"`` (wrong, but exactly `ratio` times the truth)
        or ``"wrong"``.
    finding : str
        One sentence saying so, naming a recognisable cause of a factor.
    kinks : int
        Entries whose difference stencil crossed a kink (ReLU, max, abs) and were
        judged by their one-sided derivatives.
    """

    name: str
    ok: bool
    ratio: float
    max_rel_error: float
    verdict: str
    finding: str
    kinks: int = 0


@dataclass(frozen=True)
class GradCheck:
    """The verdict of :func:`check_grad`.

    Attributes
    ----------
    ok : bool
        True when every entry of your gradient agrees with the numeric one.
    analytic : numpy.ndarray or dict
        What your gradient function returned (a dict of arrays for named parameters).
    numeric : numpy.ndarray or dict
        calcml's numeric estimate (Richardson-extrapolated central differences, or
        the one-sided differences' midpoint at a kink).
    error : numpy.ndarray or dict
        The tolerance each entry was held to (estimated error of the numeric value,
        round-off floor and ``rtol``); for Jacobians the numeric error estimates.
    max_error : float
        The largest scaled disagreement, ``|analytic - numeric| / max(|numeric|, 1)``.
    worst_index : tuple
        Where that disagreement is (``(name, index...)`` for named parameters).
    message : str
        One sentence: which entry is off and by how much, or that all agree.
    groups : dict
        Parameter name -> :class:`GroupCheck` (a single ``"x"`` for an array).
    findings : tuple of str
        The groups' sentences, plus a note on the precision of `f` when it limits the check.
    """

    ok: bool
    analytic: object
    numeric: object
    error: object
    max_error: float
    worst_index: tuple
    message: str
    groups: dict = field(default_factory=dict)
    findings: tuple = ()

    def __bool__(self) -> bool:
        return self.ok


# Default relative step of the central differences, by the precision f computes in:
# Richardson's two extrapolations leave a truncation error of order step^6 while the
# round-off grows like eps / step (Sauer, Numerical Analysis, 5.1).
_STEPS = {8: 1e-3, 4: 3e-2, 2: 1e-1}
_ROUNDOFF = 16.0   # the floor is _ROUNDOFF * noise(f) / (smallest step): rounding of f, differenced
_REFINE = 3        # extra rounds with a step 16x smaller for entries a kink makes ambiguous


def _flatten(x):
    """`x` (array or dict of arrays) as one float64 vector, and how to undo it."""
    if isinstance(x, dict):
        if not x:
            raise DomainError("check_grad: x is an empty dict; give at least one named parameter array")
        names, arrays = [], []
        for k, v in x.items():
            try:
                a = np.asarray(v)
                if a.dtype.kind not in "fiu":
                    raise TypeError
            except (TypeError, ValueError):
                raise DomainError(f"check_grad: x[{k!r}] must be an array of real numbers") from None
            names.append(str(k))
            arrays.append(a)
        shapes = [a.shape for a in arrays]
        dtypes = [a.dtype if a.dtype.kind == "f" else np.dtype(np.float64) for a in arrays]
        sizes = [a.size for a in arrays]
        v = np.concatenate([a.astype(np.float64).ravel() for a in arrays]) if sum(sizes) else np.zeros(0)

        def unflatten(vec):
            out, i = {}, 0
            for k, shp, dt, n in zip(names, shapes, dtypes, sizes):
                out[k] = vec[i:i + n].reshape(shp).astype(dt)
                i += n
            return out

        return v, unflatten, names, shapes, sizes, dtypes
    a = np.atleast_1d(np.asarray(x))
    dt = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)
    shape = a.shape
    return (a.astype(np.float64).ravel(), lambda vec: vec.reshape(shape).astype(dt), ["x"], [shape], [a.size],
            [dt])


def _scalar(y):
    from .finite_diff_nd import _numbers

    arr = _numbers(y)
    if arr.size != 1:
        raise DomainError(f"check_grad: f must return one number for named parameters; got shape {arr.shape}")
    return arr.reshape(()), arr.dtype


def _cause(k: float, n: int | None) -> str:
    """A recognisable cause for a constant factor k = supplied / true, or ''."""
    sign = -1.0 if k < 0 else 1.0
    options = [(1.0, ""), (2.0, "a factor 2"), (0.5, "a factor 1/2")]
    batch = [(1.0, "")]
    if n is not None and n > 1:
        batch += [(1.0 / n, f"1/N with N = {n}: a mean over the batch where the loss sums "
                            f"(or a mean taken twice)"),
                  (float(n), f"N = {n}: a sum over the batch where the loss is a mean")]
    for a, a_text in options:
        for b, b_text in batch:
            c = sign * a * b
            if c == 1.0 or abs(k / c - 1.0) > 1e-3:
                continue
            parts = [t for t in (("a sign: the gradient of -f (ascent for descent)" if sign < 0 else ""),
                                 a_text, b_text) if t]
            return " (" + "; ".join(parts) + ")"
    return ""


def _ratio_text(k: float, n: int | None) -> str:
    if n is not None and n > 1 and abs(k) * n < 100:
        return f"{k:#.4g}\u00d7 (= {k * n:.4g}/N)"
    return f"{k:#.4g}\u00d7" if abs(k) >= 1e-3 else f"{k:.3e}\u00d7"


def check_grad(f, grad_f, x, *, rtol: float = RTOL, atol: float | None = None, step: float | None = None,
               batch_size: int | None = None) -> GradCheck:
    """Check a hand-written gradient (or Jacobian) against calcml's numeric one.

    Parameters
    ----------
    f : callable
        ``f(x)``: a scalar (then `grad_f` is a gradient) or, for an array `x`, a
        1-D array (then `grad_f` returns the Jacobian, rows = outputs). With `x` a
        dict of named parameter arrays, ``f(params)`` returns a scalar.
    grad_f : callable
        Your derivative: ``grad_f(x)``, shaped like `x`; a dict with the same names
        and shapes when `x` is a dict.
    x : array_like or dict of array_like
        The point to check at. Check at a few random points: one point can
        hide a mistake that vanishes there.
    rtol : float
        Relative tolerance per entry (calcml's :data:`RTOL` by default). The
        numeric estimate's own error estimate and a round-off floor are added.
    atol : float, optional
        An absolute tolerance to add. By default there is none: near-zero entries
        get a floor computed from the round-off of `f`, so the check scales with
        the gradient (a gradient of size 1e-10 that is half the truth is caught).
    step : float, optional
        Central-difference step, relative to ``max(1, |x_j|)``; by default 1e-3
        (3e-2 when `f` computes in float32). Any step from 1e-2 to 1e-8 works.
    batch_size : int, optional
        N, the number of samples a loss averages over: lets a factor 1/N or N be
        named as a mean-versus-sum mistake.

    Returns
    -------
    GradCheck
        Truthy when the gradient is right; ``groups`` has one :class:`GroupCheck`
        per named parameter (``"x"`` for an array) and ``findings`` their sentences.

    Raises
    ------
    DomainError
        When `f` is not finite at `x`, or `grad_f` returns other names or shapes.

    Notes
    -----
    Each entry is judged by Richardson-extrapolated central differences at steps
    h, h/2, h/4. Where those disagree, the stencil crossed a kink (a ReLU or max
    switching), and the entry is judged by its one-sided derivatives: the
    supplied value must lie between them. If the differences disagree even at a
    step 16 or 256 times smaller, x sits on the kink. Every entry gets an absolute
    floor of 64 sigma / step, sigma the round-off noise of `f` *measured* near x
    (fourth differences at tiny spacing; at least eps |f| for the dtype `f` returns):
    a loss summed from large terms that cancel rounds far above eps |f|.

    Examples
    --------
    The original lesson 5 wrote the sigmoid's derivative with a factor 2:

    >>> import numpy as np
    >>> sig = lambda z: 1 / (1 + np.exp(-z))
    >>> f = lambda z: np.sum(sig(z))
    >>> check_grad(f, lambda z: sig(z) * (1 - sig(z)), [0.3, -1.2]).ok
    True
    >>> bad = check_grad(f, lambda z: 2 * sig(z) * (1 - sig(z)), [0.3, -1.2])
    >>> bad.ok, bad.worst_index
    (False, (0,))
    >>> print(bad.groups["x"].finding)
    x: the supplied gradient is 2.000× the true one (a factor 2)

    Named parameters, and a bias gradient averaged where the loss sums:

    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> loss = lambda p: np.sum((X @ p["w"] + p["b"]) ** 2)
    >>> def grads(p):
    ...     r = 2 * (X @ p["w"] + p["b"])
    ...     return {"w": X.T @ r, "b": np.mean(r, keepdims=True)}
    >>> res = check_grad(loss, grads, {"w": np.array([0.5]), "b": np.array([0.1])}, batch_size=4)
    >>> [g.verdict for g in res.groups.values()]
    ['ok', 'constant factor']
    >>> print(res.groups["b"].finding)
    b: the supplied gradient is 0.2500× (= 1/N) the true one (1/N with N = 4: a mean over the batch where the loss sums (or a mean taken twice))
    """
    _validate_point(x)
    if isinstance(x, dict):
        return _check_scalar(f, grad_f, x, rtol, atol, step, batch_size)
    from .finite_diff_nd import _numbers

    xa = np.atleast_1d(np.asarray(x, dtype=float))
    with np.errstate(all="ignore"):
        out = _numbers(f(xa))  # _numbers: f and grad_f may be written with calcml.autodiff (Tensors)
    x_own = np.atleast_1d(np.asarray(x))
    if out.size == 1:
        return _check_scalar(f, grad_f, x_own, rtol, atol, step, batch_size)
    return _check_jacobian(f, grad_f, xa, x_own, out, rtol, atol, step)


def _validate_point(x) -> None:
    """`x` must be numbers in a regular array (or a dict of them), with at least one entry."""
    groups = x.items() if isinstance(x, dict) else [("x", x)]
    if isinstance(x, dict) and not x:
        raise DomainError("check_grad: x is an empty dict; pass the parameters as {name: array}")
    for name, value in groups:
        what = "x" if not isinstance(x, dict) else f"x[{name!r}]"
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise DomainError(f"check_grad: {what} must be numbers in a regular (rectangular) array; "
                              f"got {type(value).__name__} that NumPy cannot read as one") from None
        if arr.size == 0:
            raise DomainError(f"check_grad: {what} has no entries (shape {arr.shape}); there is nothing to check")


def _check_jacobian(f, grad_f, x, x_own, out, rtol, atol, step) -> GradCheck:
    from .finite_diff_nd import _numbers, numeric_jacobian

    narrow = np.dtype(out.dtype).kind == "f" and np.dtype(out.dtype).itemsize < 8
    narrow = narrow or (x_own.dtype.kind == "f" and x_own.dtype.itemsize < 8)
    num = None if narrow else numeric_jacobian(f, x)
    analytic = np.asarray(_numbers(grad_f(x_own if narrow else x)), dtype=float)
    shape = (out.size, x.size)
    if analytic.shape != shape:
        raise DomainError(f"grad_f returned shape {analytic.shape}, but the Jacobian at this point has shape "
                          f"{shape}")
    if num is None or not num.ok:
        # low precision, or a kink: row by row with the kink- and precision-aware gradient check
        return _jacobian_by_rows(f, analytic, x_own, rtol, atol, step)
    atol = 0.0 if atol is None else atol
    scaled = np.abs(analytic - num.value) / np.maximum(np.abs(num.value), 1.0)
    worst = tuple(int(i) for i in np.unravel_index(int(np.nanargmax(np.where(np.isnan(scaled), np.inf, scaled))),
                                                   scaled.shape))
    # tolerance relative to the Jacobian's scale, not to 1 (issue 8)
    scale = float(np.max(np.abs(num.value))) if num.value.size else 0.0
    good = np.abs(analytic - num.value) <= atol + rtol * np.maximum(np.abs(num.value), 1e-3 * scale) + 10 * num.error
    ok = bool(np.all(good))
    if ok:
        message = f"all {analytic.size} entries agree (largest scaled difference {float(np.max(scaled)):.1e})"
    else:
        message = (f"entry {worst} is off: yours {analytic[worst]!r}, numeric {num.value[worst]!r} "
                   f"(\u00b1{num.error[worst]:.1e}); {int(np.sum(~good))} of {analytic.size} entries disagree")
    return GradCheck(ok, analytic, num.value, num.error, float(np.nanmax(scaled)), worst, message)


def _jacobian_by_rows(f, analytic, x, rtol, atol, step) -> GradCheck:
    """Check a Jacobian one output at a time, each row as a gradient (see :func:`_check_scalar`)."""
    from .finite_diff_nd import _numbers

    rows = []
    for i in range(analytic.shape[0]):
        def f_i(v, i=i):
            return _numbers(f(v)).reshape(-1)[i]

        rows.append(_check_scalar(f_i, lambda v, i=i: analytic[i], x, rtol, atol, step, None))
    numeric = np.stack([r.numeric for r in rows])
    error = np.stack([r.error for r in rows])
    scaled = np.abs(analytic - numeric) / np.maximum(np.abs(numeric), 1.0)
    bad = [i for i, r in enumerate(rows) if not r.ok]
    i = max(bad, key=lambda k: rows[k].max_error) if bad else int(np.argmax(np.max(scaled, axis=1)))
    worst = (i,) + tuple(rows[i].worst_index)
    groups = {f"row {k}": r.groups["x"] for k, r in enumerate(rows)}
    findings = tuple(f"row {k}: {t[3:] if t.startswith('x: ') else t}" for k, r in enumerate(rows)
                     for t in r.findings if t.startswith("x: ") and not r.ok) + \
        tuple(t for r in rows for t in r.findings if not t.startswith("x: "))[:1]  # one precision note
    if bad:
        message = (f"entry {worst} is off: yours {analytic[worst]!r}, numeric {numeric[worst]!r}; "
                   f"{len(bad)} of {len(rows)} rows disagree")
    else:
        message = f"all {analytic.size} entries agree (largest scaled difference {float(np.max(scaled)):.1e})"
    notes = [t for t in findings if t.startswith("f computes")]
    if notes:
        message += "; " + notes[0]
    return GradCheck(not bad, analytic, numeric, error, float(np.max(scaled)), worst, message, groups, findings)


def _noise_level(F, v, points: int = 9, order: int = 4) -> float:
    """The round-off noise of F near v, measured (Moré and Wild, "Estimating computational noise", 2011).

    A sum of many terms rounds to much more than eps |F| when the terms are large and
    cancel (a well-trained network's loss: softplus(z) - y z with |z| >> the result). Along
    two random directions, F is evaluated at 9 points 1e-8 * max(1, |v|) apart (on one side of v,
    so that a kink through v is not crossed); the 4th
    differences of a smooth function are then ~0, so what is left is noise:
    sigma^2 ~ gamma_4 * mean(diff^2) with gamma_4 = (4!)^2 / 8!. The smaller of the two
    directions is kept (a kink crossed by one of them inflates it).
    """
    import math

    if v.size == 0:
        return 0.0
    rng = np.random.default_rng(20_010)
    delta = 1e-8 * max(1.0, float(np.max(np.abs(v))))
    gamma = math.factorial(order) ** 2 / math.factorial(2 * order)
    levels = []
    for _ in range(2):
        u = rng.standard_normal(v.size)
        u /= np.linalg.norm(u)
        # on one side of v only: a kink through v itself (x on a ReLU's switch) stays outside
        vals = np.array([F(v + k * delta * u) for k in range(1, points + 1)])
        if not np.all(np.isfinite(vals)):
            continue
        d = np.diff(vals, n=order)
        levels.append(float(np.sqrt(gamma * np.mean(d * d))))
    return min(levels) if levels else 0.0


class _Entries:
    """Central and one-sided differences of a scalar function, entry by entry."""

    def __init__(self, F, v, f0, eps):
        self.F, self.v, self.f0, self.eps = F, v, f0, eps
        self.noise = max(eps * abs(f0), _noise_level(F, v))

    def at(self, j, h):
        """For entry j and base step h: the smooth estimate, its error, the kink interval, the floor."""
        v, F, f0 = self.v, self.F, self.f0
        xj = v[j]
        D, Ls, Rs, fs = [], [], [], [abs(f0)]
        for k in range(3):
            hk = h / 2 ** k
            w = v.copy()
            w[j] = xj + hk
            fp = F(w)
            w[j] = xj - hk
            fm = F(w)
            if not (np.isfinite(fp) and np.isfinite(fm)):
                return None
            fs += [abs(fp), abs(fm)]
            D.append((fp - fm) / (2 * hk))
            Ls.append((f0 - fm) / hk)
            Rs.append((fp - f0) / hk)
        R1, R2 = (4 * D[1] - D[0]) / 3, (4 * D[2] - D[1]) / 3
        est = (16 * R2 - R1) / 15
        err = abs(est - R2)
        floor = _ROUNDOFF * max(self.noise, self.eps * max(fs)) / (h / 4)
        # one-sided derivatives with one Richardson step (removes the curvature term h f''/2)
        Lx, Lx2 = 2 * Ls[1] - Ls[0], 2 * Ls[2] - Ls[1]
        Rx, Rx2 = 2 * Rs[1] - Rs[0], 2 * Rs[2] - Rs[1]
        side_err = min(abs(Lx2 - Lx), abs(Rx2 - Rx))
        return est, err, floor, (min(Lx2, Rx2), max(Lx2, Rx2)), side_err


def _check_scalar(f, grad_f, x, rtol, atol, step, batch_size) -> GradCheck:
    v, unflatten, names, shapes, sizes, dtypes = _flatten(x)
    is_dict = isinstance(x, dict)
    if not np.all(np.isfinite(v)):
        raise DomainError("check_grad: the point x must be finite")

    def F(vec):
        with np.errstate(all="ignore"):
            val, _ = _scalar(f(unflatten(vec)))
        return float(val)

    with np.errstate(all="ignore"):
        f0, fdtype = _scalar(f(unflatten(v)))
    f0 = float(f0)
    if not np.isfinite(f0):
        raise DomainError(f"cannot check here: f is {f0} at x (out_of_domain); choose a point where f is smooth "
                          "and defined")
    # the precision f computes in: its result's dtype, or the narrowest parameter dtype
    widths = [np.dtype(fdtype).itemsize if np.dtype(fdtype).kind == "f" else 8] + [d.itemsize for d in dtypes]
    width = min(widths)
    eps = float(np.finfo({2: np.float16, 4: np.float32}.get(width, np.float64)).eps)
    h0 = _STEPS.get(width, 1e-3) if step is None else float(step)
    if not (np.isfinite(h0) and h0 > 0):
        raise DomainError(f"check_grad: step must be a positive number such as 1e-4; got {step!r}")

    # the supplied gradient, flattened in the same order
    g_raw = grad_f(unflatten(v))
    from .finite_diff_nd import _numbers

    if is_dict:
        if not isinstance(g_raw, dict) or set(map(str, g_raw)) != set(names):
            got = sorted(map(str, g_raw)) if isinstance(g_raw, dict) else type(g_raw).__name__
            raise DomainError(f"grad_f must return a dict with the names of x, {names}; got {got}")
        g_raw = {str(k): val for k, val in g_raw.items()}
        parts = []
        for k, shp in zip(names, shapes):
            a = np.asarray(_numbers(g_raw[k]), dtype=float)
            if a.shape != shp:
                raise DomainError(f"grad_f returned shape {a.shape} for {k!r}, but the parameter has shape {shp}")
            parts.append(a.ravel())
        g = np.concatenate(parts)
    else:
        a = np.asarray(_numbers(g_raw), dtype=float)
        if a.shape != shapes[0]:
            raise DomainError(f"grad_f returned shape {a.shape}, but the gradient at this point has shape "
                              f"{shapes[0]}")
        g = a.ravel()

    n = v.size
    est = np.zeros(n)
    tol = np.zeros(n)
    ok = np.zeros(n, dtype=bool)
    kink = np.zeros(n, dtype=bool)
    floors = np.zeros(n)
    records = {}
    E = _Entries(F, v, f0, eps)
    extra = 0.0 if atol is None else float(atol)

    def smooth(rec):
        # the three central differences agree to round-off, and so do the two one-sided ones:
        # a kink inside the stencil shows as a jump between the left and the right slope
        # (beyond their own noise: side_err, the disagreement of a side's two extrapolations)
        return rec[1] <= rec[2] and rec[3][1] - rec[3][0] <= 2 * rec[2] + 4 * rec[4]

    def judge(value, rec):
        """(ok, judged at a kink, tolerance) for one supplied value against one stencil record."""
        e, err, floor, (lo, hi), side_err = rec
        t = rtol * abs(e) + 3 * err + floor + extra
        close = abs(value - e) <= t
        if smooth(rec):
            return close, False, t
        # the stencil crossed a kink (even at the smallest step): x sits on it, and any value
        # between the one-sided derivatives is a valid (sub)gradient there
        margin = rtol * max(abs(lo), abs(hi)) + 3 * side_err + floor + extra
        inside = lo - margin <= value <= hi + margin
        return close or inside, True, t

    for j in range(n):
        h = h0 * max(1.0, abs(v[j]))
        rec = E.at(j, h)
        if rec is None:
            raise DomainError(f"cannot check here: f is not finite within a step {h:.1e} of x along entry {j} "
                              f"(out_of_domain); choose a point where f is smooth and defined")
        # A stencil that crossed a kink is retried with a step 16x smaller (up to _REFINE times):
        # closer in, the function is smooth again unless x sits on the kink itself.
        for _ in range(_REFINE):
            if smooth(rec) or h / 16 < 0.1 * np.sqrt(eps) * max(1.0, abs(v[j])):  # below: round-off only
                break
            r2 = E.at(j, h / 16)
            if r2 is None:
                break
            h, rec = h / 16, r2
        good, at_kink, t = judge(g[j], rec)
        records[j] = rec
        est[j], tol[j], ok[j], kink[j], floors[j] = rec[0], t, good, at_kink, rec[2]
        if at_kink:
            est[j] = 0.5 * (rec[3][0] + rec[3][1]) if not (rec[3][0] <= g[j] <= rec[3][1]) else g[j]

    # group by group
    groups, findings = {}, []
    start = 0
    for name, size in zip(names, sizes):
        sl = slice(start, start + size)
        start += size
        gs, es, ts, fl = g[sl], est[sl], tol[sl], floors[sl]
        rel = np.abs(gs - es) / np.maximum(np.abs(es), np.maximum(fl, 1e-300)) if size else np.zeros(0)
        max_rel = float(np.max(rel)) if size else 0.0
        signif = np.abs(es) > 10 * ts
        k = float(np.dot(gs[signif], es[signif]) / np.dot(es[signif], es[signif])) if np.any(signif) else float("nan")
        group_ok = bool(np.all(ok[sl]))
        kinks = int(np.sum(kink[sl]))
        if group_ok:
            verdict = "ok"
            finding = (f"{name}: all {size} entries agree with the numeric gradient "
                       f"(largest relative difference {max_rel:.1e})")
            if kinks:
                finding += (f"; {kinks} entr{'y' if kinks == 1 else 'ies'} at a kink judged by "
                            f"{'its' if kinks == 1 else 'their'} one-sided derivatives")
        else:
            factor = (np.isfinite(k) and k != 0 and abs(k - 1) > 10 * rtol
                      and all(judge(g[j] / k, records[j])[0] for j in range(sl.start, sl.stop)))
            if factor:
                verdict = "constant factor"
                finding = (f"{name}: the supplied gradient is {_ratio_text(k, batch_size)} the true one"
                           f"{_cause(k, batch_size)}")
            else:
                verdict = "wrong"
                bad = np.flatnonzero(~ok[sl])
                jw = int(bad[np.argmax(rel[bad])])
                idx = tuple(int(i) for i in np.unravel_index(jw, shapes[names.index(name)])) if size else ()
                finding = (f"{name}: {bad.size} of {size} entries disagree; the worst, entry {idx}, is "
                           f"{gs[jw]:.6g} where the numeric gradient is {es[jw]:.6g}")
                if np.isfinite(k):
                    finding += f" (not a constant factor; the best fit would be {k:.4g}\u00d7)"
        groups[name] = GroupCheck(name, group_ok, k, max_rel, verdict, finding, kinks)
        findings.append(finding)

    all_ok = bool(np.all(ok))
    if eps > 1e-10:
        scale = float(np.max(np.abs(est))) if n else 0.0
        worst_floor = float(np.max(floors)) if n else 0.0
        note = (f"f computes in float{8 * width} (eps {eps:.1e}): round-off limits the numeric gradient to about "
                f"\u00b1{worst_floor:.1e} per entry (gradient scale {scale:.1e})")
        if worst_floor > 0.1 * scale:
            all_ok = False
            note += "; that is too coarse to check this gradient. Evaluate f in float64 for a real test"
        else:
            note += "; a mistake smaller than that cannot be seen: evaluate f in float64 for a sharper test"
        findings.append(note)

    scaled = np.abs(g - est) / np.maximum(np.abs(est), 1.0)
    pick = np.where(np.isnan(scaled), np.inf, scaled)
    if not np.all(ok):
        pick = np.where(ok, -np.inf, pick)  # the worst among the entries that disagree
    jw = int(np.argmax(pick)) if n else 0
    # which group and index the worst entry is
    cum = np.cumsum([0] + sizes)
    gi = int(np.searchsorted(cum, jw, side="right") - 1)
    local = tuple(int(i) for i in np.unravel_index(jw - cum[gi], shapes[gi])) if n else ()
    worst = ((names[gi],) + local) if is_dict else local
    n_bad = int(np.sum(~ok))
    if all_ok:
        message = f"all {n} entries agree (largest scaled difference {float(np.max(scaled)) if n else 0.0:.1e})"
        if np.any(kink):
            message += f"; {int(np.sum(kink))} at a kink, judged by one-sided derivatives"
    elif n_bad:
        message = (f"entry {worst} is off: yours {g[jw]!r}, numeric {est[jw]!r} (\u00b1{tol[jw]:.1e}); "
                   f"{n_bad} of {n} entries disagree")
    else:
        message = findings[-1]
    if eps > 1e-10 and message != findings[-1]:
        message += "; " + findings[-1]  # the precision note

    def shaped(vec):
        if not is_dict:
            return vec.reshape(shapes[0])
        out, i = {}, 0
        for k_, shp, sz in zip(names, shapes, sizes):
            out[k_] = vec[i:i + sz].reshape(shp)
            i += sz
        return out

    return GradCheck(all_ok, shaped(g), shaped(est), shaped(tol), float(np.max(scaled)) if n else 0.0, worst,
                     message, groups, tuple(findings))
