"""The optimisation behind :class:`calcml.svm.LinearSVM`: primal by SLSQP, dual by Clarabel.

Notation used throughout (n points, d features, labels y in {-1, +1}):

- ``G = y[:, None] * X`` (n, d), so the functional margin of point i is
  ``m_i = y_i (w . x_i + b) = G_i . w + y_i b``;
- hard margin (Vapnik; Boyd & Vandenberghe, *Convex Optimization*, section 8.6.1)::

      minimise  1/2 |w|^2   subject to  m_i >= 1 for every i

- soft margin (Cortes & Vapnik 1995)::

      minimise  1/2 |w|^2 + C sum xi_i   subject to  m_i >= 1 - xi_i,  xi_i >= 0

- its dual: maximise ``sum a - 1/2 |G^T a|^2`` subject to ``y . a = 0``, ``0 <= a <= C``,
  and ``w = G^T a`` (stationarity of the Lagrangian in w).

Every solver returns ``(w, b, alpha)``; the Lagrange multipliers ``alpha`` are in the
1/2 |w|^2 convention (the lesson's objective |w|^2 = a^2 + b^2 has multipliers 2 alpha).
No optimisation algorithm is written here: SciPy's SLSQP, Clarabel's interior-point
method and HiGHS (the separability LP) do the work; this module sets the problems up,
polishes the answer on the support vectors with one linear solve, and says what went wrong.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ComputationError
from ..errors import NotSeparableError

__all__ = ["solve_slsqp", "solve_qp", "working_set", "polish", "check_separable"]

# a point joins the working set when its functional margin is below 1 - VIOLATION
VIOLATION = 1e-10
# alpha_i counts as nonzero above SUPPORT_TOL * max(alpha) (solvers leave ~1e-9 crumbs)
SUPPORT_TOL = 1e-6


def _not_separable(n: int) -> NotSeparableError:
    return NotSeparableError(
        f"no line (hyperplane) separates the two classes of these {n} points, so the hard-margin "
        "SVM (C=inf) has no solution; use a soft margin with a finite C, e.g. LinearSVM(C=1.0) "
        "or --C 1")


_SEPARABLE_BUT = (" although a line separates the two classes (checked by a linear program); the gap between "
                  "them may be too narrow next to the spread of the data for double precision")


def check_separable(G: np.ndarray, y: np.ndarray) -> bool:
    """Is there (w, b) with y_i (w . x_i + b) > 0 for all i? A scale-invariant LP (HiGHS).

    With ``G = y[:, None] * X`` normalised to max |G| = 1, maximise t subject to
    ``G w + y b >= t``, ``|w_j| <= 1``, ``|b| <= d + 1`` (a larger |b| puts every point on one
    side) and ``t <= 1``. The classes are separable exactly when the optimal t is > 0, however
    large or small the coordinates are (asking for margins >= 1 instead needs |w| ~ 1/gap and
    fails inside the solver's tolerances when the gap is tiny). The answer is decided by the
    LP's own (w, b): if its margins, recomputed here, are all above rounding level, that
    (w, b) is a witness that a separating line exists. Limit: HiGHS ignores matrix entries
    below 1e-12 (relative to the largest), so a gap below about 1e-12 of the data's spread
    counts as no gap.
    """
    import warnings

    from scipy.optimize import OptimizeWarning, linprog

    n, d = G.shape
    size = float(np.abs(G).max())
    Gn = G / size if size > 0 else G
    A = np.column_stack([-Gn, -y, np.ones(n)])  # t - (G w + y b) <= 0
    bounds = [(-1.0, 1.0)] * d + [(-(d + 1.0), d + 1.0), (None, 1.0)]
    c = np.zeros(d + 2)
    c[-1] = -1.0  # maximise t
    # HiGHS drops matrix entries below small_matrix_value (default 1e-9): a gap of 1e-10 of the
    # data's size would vanish, so it is lowered to HiGHS's minimum, 1e-12 (SciPy passes it on
    # verbatim, with a warning that it does not know the option)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        res = linprog(c, A_ub=A, b_ub=np.zeros(n), bounds=bounds, method="highs",
                      options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10,
                               "small_matrix_value": 1e-12})
    if res.status != 0:
        raise ComputationError(f"the separability check (HiGHS linear program) failed: {res.message}")
    w, b = res.x[:d], res.x[d]
    margins = Gn @ w + y * b
    # rounding in G w + y b with |G| <= 1, |w_j| <= 1, |b| <= d + 1 is below ~ 4 (d + 1) eps
    return bool(margins.min() > 64 * (d + 1) * np.finfo(float).eps)


# --- the lesson's route: the primal by SLSQP ---------------------------------------------------

def solve_slsqp(G: np.ndarray, y: np.ndarray, C: float):
    """Primal by SciPy's SLSQP with ONE vectorised constraint and its Jacobian.

    Hard margin: minimise |w|^2 (the lesson's a^2 + b^2) subject to ``A z - 1 >= 0`` with
    ``z = (w, b)`` and ``A = [G, y]``; SciPy (>= 1.16) returns the multipliers of that
    constraint in ``res.multipliers``; they belong to |w|^2, so alpha = multipliers / 2.
    Soft margin: z = (w, b, xi), minimise 1/2 |w|^2 + C sum xi with ``A z + xi - 1 >= 0`` and
    ``xi >= 0`` (a second constraint, not bounds, so its multipliers come back too).
    """
    from scipy.optimize import minimize

    n, d = G.shape
    A = np.column_stack([G, y])
    hard = math.isinf(C)
    if hard:
        def fun(z):
            return float(z[:d] @ z[:d])

        def jac(z):
            return np.concatenate([2.0 * z[:d], [0.0]])

        cons = [{"type": "ineq", "fun": lambda z: A @ z - 1.0, "jac": lambda z: A}]
        z0 = np.zeros(d + 1)
    else:
        J = np.hstack([A, np.eye(n)])
        Jxi = np.hstack([np.zeros((n, d + 1)), np.eye(n)])

        def fun(z):
            return float(0.5 * z[:d] @ z[:d] + C * z[d + 1:].sum())

        def jac(z):
            return np.concatenate([z[:d], [0.0], np.full(n, C)])

        cons = [{"type": "ineq", "fun": lambda z: A @ z[:d + 1] + z[d + 1:] - 1.0, "jac": lambda z: J},
                {"type": "ineq", "fun": lambda z: z[d + 1:], "jac": lambda z: Jxi}]
        z0 = np.concatenate([np.zeros(d + 1), np.ones(n)])
    res = minimize(fun, z0, jac=jac, method="SLSQP", constraints=cons,
                   options={"ftol": 1e-15, "maxiter": 1000})
    multipliers = getattr(res, "multipliers", None)
    if multipliers is None:
        raise ComputationError("this SciPy's SLSQP does not return Lagrange multipliers "
                               "(needs SciPy >= 1.16); use solver='qp'")
    w, b = res.x[:d], float(res.x[d])
    margins = G @ w + y * b
    if hard:
        alpha = np.asarray(multipliers[:n], dtype=float) / 2.0  # |w|^2 -> 1/2 |w|^2
        feasible = margins.min() >= 1 - 1e-7
    else:
        alpha = np.asarray(multipliers[:n], dtype=float)  # objective already 1/2 |w|^2 + C sum xi
        feasible = (margins + res.x[d + 1:]).min() >= 1 - 1e-7
    # status 8 ("positive directional derivative for linesearch") is how SLSQP often stops AT
    # the optimum with a tight ftol; the KKT check after polishing decides whether to trust it.
    if not (res.success or res.status == 8) or not feasible:
        if hard and not check_separable(G, y):
            raise _not_separable(n)
        raise ComputationError(f"SLSQP did not converge ({res.message})"
                               + (_SEPARABLE_BUT if hard else "") + "; try solver='qp'")
    return w, b, np.clip(alpha, 0.0, C)


# --- the dual by Clarabel ------------------------------------------------------------------------

def solve_qp(G: np.ndarray, y: np.ndarray, C: float):
    """The dual QP through Clarabel, lifted so that it stays sparse for large n.

    Variables ``(alpha, w)``: minimise ``1/2 |w|^2 - sum alpha`` subject to ``w - G^T alpha = 0``,
    ``y . alpha = 0`` and ``0 <= alpha (<= C)``. Eliminating w gives the textbook dual with the
    dense n x n matrix ``G G^T``; keeping w avoids forming it. The multiplier Clarabel returns
    for ``y . alpha = 0`` is the intercept b (stationarity of the dual's Lagrangian).
    """
    import clarabel
    import scipy.sparse as sp

    n, d = G.shape
    hard = math.isinf(C)
    P = sp.block_diag([sp.csc_matrix((n, n)), sp.identity(d)], format="csc")
    q = np.concatenate([-np.ones(n), np.zeros(d)])
    rows = [sp.hstack([sp.csr_matrix(-G.T), sp.identity(d)]),
            sp.hstack([sp.csr_matrix(y[None, :]), sp.csr_matrix((1, d))]),
            sp.hstack([-sp.identity(n), sp.csr_matrix((n, d))])]
    rhs = [np.zeros(d + 1 + n)]
    if not hard:
        rows.append(sp.hstack([sp.identity(n), sp.csr_matrix((n, d))]))
        rhs.append(np.full(n, float(C)))
    A = sp.vstack(rows, format="csc")
    cones = [clarabel.ZeroConeT(d + 1), clarabel.NonnegativeConeT(n if hard else 2 * n)]
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-10
    settings.max_iter = 200
    sol = clarabel.DefaultSolver(sp.triu(P, format="csc"), q, A, np.concatenate(rhs), cones, settings).solve()
    status = str(sol.status)
    if sol.status not in (clarabel.SolverStatus.Solved, clarabel.SolverStatus.AlmostSolved):
        # for a hard margin the usual cause is data no line separates (the dual is unbounded):
        # the LP decides, so the message is about the data, not about the solver's status
        if hard and not check_separable(G, y):
            raise _not_separable(n)
        raise ComputationError(f"the QP solver (Clarabel) stopped with status {status}"
                               + (_SEPARABLE_BUT if hard else ""))
    x = np.asarray(sol.x)
    alpha = np.clip(x[:n], 0.0, C)
    return x[n:], float(sol.z[d]), alpha


SOLVERS = {"slsqp": solve_slsqp, "qp": solve_qp}


# --- exactness: one linear solve on the support vectors --------------------------------------------

def polish(G: np.ndarray, y: np.ndarray, C: float, w, b, alpha):
    """Re-solve the KKT equations on the support set found by a solver; keep it if it is valid.

    With F the free support vectors (0 < alpha < C, on their margin line) and B those at the
    bound (alpha = C), the KKT conditions are linear in (w, b, alpha_F)::

        w - G_F^T alpha_F = C G_B^T 1          (stationarity in w)
        G_F w + y_F b     = 1                  (F on the margin: complementary slackness)
        y_F . alpha_F     = -C sum_B y         (stationarity in b)

    Solving them (least squares, for degenerate sets) removes the solver's last ~1e-9 and sets
    the other alphas to exactly 0. The result is kept only if it still satisfies every KKT
    condition (alpha in [0, C], margins >= 1 off the support, <= 1 at the bound), so polishing
    can never make an answer worse than the solver's.
    """
    n, d = G.shape
    scale = alpha.max(initial=0.0)
    if scale <= 0:
        return w, b, alpha
    support = alpha > SUPPORT_TOL * scale
    margins = G @ w + y * b
    # First the support as the solver's alphas say; then, if that fails, without the points
    # whose alpha is a crumb but which sit visibly off their margin line (interior-point
    # solvers leave alpha ~ 1e-6 relative on near-degenerate points).
    bound = support & (alpha >= C * (1 - 1e-7)) if math.isfinite(C) else np.zeros(n, bool)
    for candidate in (support, support & (bound | (np.abs(margins - 1.0) <= 1e-6))):
        out = _polish_on(G, y, C, candidate, bound & candidate, scale)
        if out is not None:
            return out
    return w, b, alpha


def _polish_on(G, y, C, support, bound, scale):
    """One linear solve of the KKT equations for this support set; None if the result breaks a condition."""
    n, d = G.shape
    free = np.flatnonzero(support & ~bound)
    k = len(free)
    if k == 0 or k > 2000:
        return None
    GF, yF = G[free], y[free]
    cb = C * G[bound].sum(axis=0) if bound.any() else np.zeros(d)
    cy = -C * y[bound].sum() if bound.any() else 0.0
    M = np.zeros((d + k + 1, d + 1 + k))
    M[:d, :d] = np.eye(d)
    M[:d, d + 1:] = -GF.T
    M[d:d + k, :d] = GF
    M[d:d + k, d] = yF
    M[d + k, d + 1:] = yF
    r = np.concatenate([cb, np.ones(k), [cy]])
    sol = np.linalg.lstsq(M, r, rcond=None)[0]
    w2, b2, aF = sol[:d], float(sol[d]), sol[d + 1:]
    a2 = np.zeros(n)
    a2[bound] = C
    a2[free] = aF
    m2 = G @ w2 + y * b2
    tol = 1e-9 * max(1.0, scale)
    ok = (np.all(aF >= -tol) and (math.isinf(C) or np.all(aF <= C + tol))
          and np.all(m2[~support] >= 1 - 1e-9) and np.all(m2[bound] <= 1 + 1e-9)
          and np.abs(M @ sol - r).max() <= 1e-9 * max(1.0, np.abs(r).max()))
    if not ok:
        return None
    return w2, b2, np.clip(a2, 0.0, C)


# --- scale: the hard-margin answer depends only on the support vectors -------------------------------

def _initial_set(G: np.ndarray, y: np.ndarray, per_class: int) -> np.ndarray:
    # The points of each class that lie furthest towards the other class along the line
    # between the class means: a cheap guess at the support vectors.
    X = G * y[:, None]
    pos, neg = y > 0, y < 0
    u = X[pos].mean(axis=0) - X[neg].mean(axis=0)
    s = X @ u
    picks = []
    for mask, sign in ((pos, 1.0), (neg, -1.0)):
        idx = np.flatnonzero(mask)
        k = min(per_class, len(idx))
        key = sign * s[idx]
        picks.append(idx[np.argpartition(key, k - 1)[:k]] if k < len(idx) else idx)
    return np.concatenate(picks)


def working_set(G: np.ndarray, y: np.ndarray, subsolve, per_class: int = 10, add: int = 50,
                max_rounds: int = 200):
    """Hard margin on a working set: solve on a subset, add the violators, repeat until none.

    The subset problem is a relaxation of the full one (fewer constraints), so its optimum is
    the full optimum as soon as it violates no constraint of the full problem: exact, and each
    round costs one pass over the data (``G @ w``) plus a small QP.
    Returns ``(w, b, alpha, rounds)`` with alpha over all n points.
    """
    n = len(y)
    members = np.zeros(n, dtype=bool)
    members[_initial_set(G, y, per_class)] = True
    for rounds in range(1, max_rounds + 1):
        idx = np.flatnonzero(members)
        w, b, a = subsolve(G[idx], y[idx])
        margins = G @ w + y * b
        bad = np.flatnonzero((margins < 1 - VIOLATION) & ~members)
        if bad.size == 0:
            alpha = np.zeros(n)
            alpha[idx] = a
            return w, b, alpha, rounds
        if bad.size > add:
            bad = bad[np.argpartition(margins[bad], add - 1)[:add]]
        members[bad] = True
    raise ComputationError(f"the working set did not settle in {max_rounds} rounds; try fewer points")
