"""LinearSVM: the maximum-margin line as a constrained optimisation problem, with its multipliers."""

from __future__ import annotations

import math

import numpy as np

from ..errors import ComputationError, DomainError, NotSeparableError
from . import solvers
from .kkt import KKTResiduals, KKTTable, kkt_residuals, kkt_table

__all__ = ["LinearSVM"]

_SOLVERS = ("auto", "slsqp", "qp")
# hard margin with more points than this: solve on a working set (exact, see solvers.working_set)
_WORKING_SET_FROM = 64
# SLSQP on the soft-margin primal has n + d + 1 variables and dense O(n^3) steps (about 10 s at n = 200)
_SLSQP_SOFT_MAX = 200
# a fit whose KKT residuals exceed this (each relative to what it measures, see _relative_kkt) is an error
_KKT_TOL = 1e-6


class LinearSVM:
    """A linear support vector machine, hard margin by default, with its Lagrange multipliers.

    Finds the line (hyperplane) ``f(x) = w . x + b = 0`` that separates two classes with the
    widest margin: minimise 1/2 |w|^2 subject to y_i f(x_i) >= 1 (hard margin, ``C=inf``),
    or 1/2 |w|^2 + C sum xi_i subject to y_i f(x_i) >= 1 - xi_i, xi_i >= 0 (soft margin,
    finite C). The Lagrange multipliers alpha_i of the constraints are the dual variables:
    w = sum alpha_i y_i x_i, and only the points with alpha_i > 0, the support vectors, matter.

    Parameters
    ----------
    C : float, default math.inf
        Penalty on the slacks; ``math.inf`` means a hard margin (every point on or beyond its
        margin line). Must be > 0.
    solver : {"auto", "slsqp", "qp"}, default "auto"
        ``"slsqp"``: the primal by SciPy's SLSQP (the lesson's route), multipliers from
        SciPy rescaled to the 1/2 |w|^2 convention; with a soft margin it has n + d + 1
        variables, so it is limited to 200 points and meant for small teaching sets. ``"qp"``: the dual by the Clarabel QP
        solver. ``"auto"``: ``"qp"`` (faster and more robust at every size), or ``"slsqp"``
        when Clarabel is not installed. A hard margin with more than 64 points is solved on
        a working set (solve on a subset, add the points that violate the margin, repeat),
        which is exact; the answer is then polished by one linear solve of the KKT equations
        on the support vectors.

    Attributes
    ----------
    classes_ : numpy.ndarray, shape (2,)
        The two labels, sorted; ``classes_[1]`` is the +1 class (f(x) > 0), as in scikit-learn.
    coef_ : numpy.ndarray, shape (1, n_features)
        w.
    intercept_ : numpy.ndarray, shape (1,)
        b.
    alpha_ : numpy.ndarray, shape (n_samples,)
        The multipliers alpha_i >= 0 (<= C), in the 1/2 |w|^2 convention; 0 off the support.
    support_ : numpy.ndarray of int, shape (n_SV,)
        Indices of the support vectors (alpha_i > 0), ascending.
    support_vectors_ : numpy.ndarray, shape (n_SV, n_features)
    n_support_ : numpy.ndarray of int, shape (2,)
        Support vectors per class, in the order of ``classes_``.
    dual_coef_ : numpy.ndarray, shape (1, n_SV)
        y_i alpha_i for the support vectors, as scikit-learn's SVC stores it.
    margin_ : float
        The width 2 / |w| of the band between the margin lines f = -1 and f = +1.
    slack_ : numpy.ndarray, shape (n_samples,)
        xi_i = max(0, 1 - y_i f(x_i)); all 0 for a hard margin.
    objective_ : float
        1/2 |w|^2 + C sum xi_i at the solution.
    kkt_ : KKTTable
        Per point: functional margin y_i f(x_i), alpha_i, slack, complementary slackness, label.
    kkt_residuals_ : KKTResiduals
        Primal feasibility, |sum alpha_i y_i|, ||w - sum alpha_i y_i x_i||, complementary slackness.
    solver_ : str
        The solver that ran (``"slsqp"`` or ``"qp"``).
    n_iter_ : int
        Rounds of the working set (1 when the whole data set was solved at once).

    Raises
    ------
    calcml.errors.DomainError
        (a ValueError) from ``fit`` for bad arguments: X not 2-D or not finite, y of the wrong
        length or with other than two classes, C <= 0, an unknown solver; from ``predict`` and
        friends when the model is not fitted or the number of features differs.
    calcml.errors.NotSeparableError
        (a DomainError) when ``C=inf`` and no hyperplane separates the classes.
    calcml.errors.ComputationError
        When a solver fails on a problem that has a solution.

    Notes
    -----
    Every solver works on z = (x - center) / s (center: the middle of each feature's range; s:
    ONE common scale, so the Euclidean margin being maximised is unchanged), where the data has
    size 1 and the solvers' absolute tolerances mean the same thing at any scale of X. The
    answer maps back exactly: w = w_z / s, b = b_z - w . center, alpha = alpha_z / s^2 (the
    scaled problem uses C s^2). The KKT check is relative (margins against 1, alpha-sized
    residuals against max alpha, stationarity against |w|); ``kkt_residuals_`` is in the units
    of X, so its alpha-sized entries scale like 1/s^2.

    Vapnik's hard margin and Cortes & Vapnik's soft margin (Machine Learning 20, 1995); the
    KKT conditions as in Boyd & Vandenberghe, *Convex Optimization*, 5.5.3 and 8.6.1. The
    lesson minimises |w|^2 = a^2 + b^2 instead of 1/2 |w|^2: same line, multipliers 2 alpha.

    Examples
    --------
    The lesson's three points; the exact answer is w = (2/3, 2/3), b = -1,
    alpha = (4/9, 2/9, 2/9) and the margin 2/|w| = 3/sqrt(2):

    >>> import math
    >>> from calcml.svm import LinearSVM
    >>> svm = LinearSVM().fit([[0, 0], [1, 2], [2, 1]], [-1, 1, 1])
    >>> [round(v, 12) for v in svm.coef_[0].tolist()], round(float(svm.intercept_[0]), 12), 2/3
    ([0.666666666667, 0.666666666667], -1.0, 0.6666666666666666)
    >>> [round(v, 12) for v in svm.alpha_.tolist()], 4/9, 2/9
    ([0.444444444444, 0.222222222222, 0.222222222222], 0.4444444444444444, 0.2222222222222222)
    >>> round(svm.margin_, 12), 3 / math.sqrt(2)
    (2.12132034356, 2.1213203435596424)
    >>> svm.predict([[3, 3], [-1, -1]])
    array([ 1, -1])
    """

    def __init__(self, C: float = math.inf, solver: str = "auto"):
        self.C = C
        self.solver = solver

    # --- scikit-learn's parameter protocol (so clone() and GridSearchCV work) ---------------------
    def get_params(self, deep: bool = True) -> dict:
        return {"C": self.C, "solver": self.solver}

    def set_params(self, **params) -> "LinearSVM":
        for key, value in params.items():
            if key not in ("C", "solver"):
                raise DomainError(f"LinearSVM has no parameter {key!r}; its parameters are C and solver")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = [] if self.C == math.inf else [f"C={self.C!r}"]  # any C, even an invalid one, has a repr
        if self.solver != "auto":
            args.append(f"solver={self.solver!r}")
        return f"LinearSVM({', '.join(args)})"

    # --- fitting -----------------------------------------------------------------------------------
    def fit(self, X, y) -> "LinearSVM":
        """Fit the maximum-margin hyperplane to X (n_samples, n_features) and labels y (n_samples,).

        Returns
        -------
        self
        """
        C = self._check_C()
        solver = self._pick_solver()
        X = _as_matrix(X, "X")
        n, d = X.shape
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n:
            raise DomainError(f"y must be a 1-D array of {n} labels (one per row of X), got shape {y.shape}")
        _check_finite_labels(y, "y")
        classes, ys = np.unique(y, return_inverse=True)
        if len(classes) != 2:
            what = f"only one class ({classes.tolist()[0]!r})" if len(classes) == 1 else f"{len(classes)} classes"
            raise DomainError(f"y has {what}; LinearSVM separates exactly two classes "
                              "(give labels such as -1 and +1)")
        if solver == "slsqp" and math.isfinite(C) and n > _SLSQP_SOFT_MAX:
            raise DomainError(f"solver='slsqp' with a soft margin is limited to {_SLSQP_SOFT_MAX} points "
                              f"(it has n + d + 1 variables); got {n}: use solver='qp'")
        ys = np.where(ys == 1, 1.0, -1.0)
        # Solve in centred, scaled coordinates z = (x - center) / s (see _scaling): interior-point
        # and SLSQP tolerances are absolute, so data of size 1e8 or 1e-8 must be brought to size 1.
        center, s = _scaling(X)
        Z = (X - center) / s
        Cz = C if math.isinf(C) else C * s * s
        if math.isfinite(C) and not (0 < Cz < math.inf):
            raise DomainError(f"C={self.C!r} times the squared size of the data ({s:.3g}^2) is {Cz:g}, outside the "
                              "floating-point range; rescale X or choose a C nearer 1 / size^2")
        G = ys[:, None] * Z
        solve = solvers.SOLVERS[solver]

        def polished(Gs, yv):
            return solvers.polish(Gs, yv, Cz, *solve(Gs, yv, Cz))

        def rescaled(Gs, yv):
            # a subset solved in ITS OWN centred, scaled coordinates (a narrow gap between two
            # support vectors far from the other points becomes size 1), mapped back to z exactly
            Zs = Gs * yv[:, None]
            cs, ss = _scaling(Zs)
            Gss = yv[:, None] * ((Zs - cs) / ss)
            w, b, a = solvers.polish(Gss, yv, Cz, *solve(Gss, yv, Cz))
            w = np.asarray(w, float) / ss
            return w, float(b) - float(w @ cs), np.asarray(a, float) / ss / ss

        rounds = 1
        try:
            if math.isinf(C) and n > _WORKING_SET_FROM:
                wz, c, az, rounds = solvers.working_set(G, ys, polished)
            else:
                wz, c, az = polished(G, ys)
        except NotSeparableError:
            raise solvers._not_separable(n) from None
        except ComputationError as failed:
            # Separable data the solver could not resolve (the gap is tiny next to the spread):
            # grow a working set from one point per class, each subset in its own scale. The
            # subsets' problems are relaxations, so the first without violators is exact.
            if not math.isinf(C):
                raise
            try:
                wz, c, az, rounds = solvers.working_set(G, ys, rescaled, per_class=1,
                                                        add=1 if n <= _WORKING_SET_FROM else 50)
            except (ComputationError, NotSeparableError):
                raise failed from None

        wz, c = np.asarray(wz, float), float(c)
        # alpha_i counts as nonzero above a tiny fraction of the largest multiplier
        az = np.asarray(az, float)
        az = np.where(az > solvers.SUPPORT_TOL * 1e-3 * az.max(initial=0.0), az, 0.0)
        res_z = kkt_residuals(G, ys, wz, c, az, Cz)
        worst = _relative_kkt(res_z, wz, az)
        if worst > _KKT_TOL:  # checked before anything is stored: no half-fitted model
            residuals = _unscaled_residuals(res_z, s, worst)
            raise ComputationError(
                f"the {solver} solution does not satisfy the KKT conditions to {_KKT_TOL:g} (relative): "
                + ", ".join(f"{k} {v:.1e}" for k, v in residuals.to_dict().items())
                + ("; try solver='qp'" if solver == "slsqp" else "; try solver='slsqp'"))
        # back to the units of X, exactly: f(x) = wz . (x - center) / s + c = w . x + b with
        # w = wz / s and b = c - w . center; the Lagrangian of the scaled problem is s^2 times
        # the original one, so alpha = alpha_z / s^2 (and C_z = C s^2).
        w = wz / s
        b = c - float(wz @ (center / s))
        alpha = az / s / s
        if math.isfinite(C):  # alpha_z = C_z maps to alpha = C exactly, not to C one rounding off
            alpha = np.where(az >= Cz, C, np.minimum(alpha, C))
        margins = G @ wz + ys * c  # y_i f(x_i) is the same number in both coordinates
        self.classes_ = classes
        self.n_features_in_ = d
        # f(x) = w . (x - center) + (b + w . center): far from the origin (x ~ 1e8, spread ~ 1)
        # this avoids the cancellation in w . x + b, where both terms are ~1e8 |w|
        self._center = center
        self._centered_intercept = float(c)
        self.solver_ = solver
        self.n_iter_ = rounds
        self._set_learned(X, margins, ys, w, b, alpha, C, _unscaled_residuals(res_z, s, worst))
        return self

    def _set_learned(self, X, margins, ys, w, b, alpha, C, residuals) -> None:
        support = np.flatnonzero(alpha)
        norm = float(np.linalg.norm(w))
        self.coef_ = w[None, :].copy()
        self.intercept_ = np.array([b])
        self.alpha_ = alpha
        self.support_ = support
        self.support_vectors_ = X[support]
        self.n_support_ = np.array([np.sum(ys[support] < 0), np.sum(ys[support] > 0)], dtype=np.int32)
        self.dual_coef_ = (ys[support] * alpha[support])[None, :]
        self.margin_ = 2.0 / norm if norm > 0 else math.inf
        self.slack_ = np.zeros(len(ys)) if math.isinf(C) else np.maximum(0.0, 1.0 - margins)
        self.objective_ = 0.5 * norm ** 2 + (0.0 if math.isinf(C) else C * float(self.slack_.sum()))
        self.kkt_: KKTTable = kkt_table(margins, alpha, C, alpha > 0)
        self.kkt_residuals_: KKTResiduals = residuals

    def _check_C(self) -> float:
        try:
            C = float(self.C)
        except (TypeError, ValueError):
            raise DomainError(f"C must be a positive number or math.inf, got {self.C!r}") from None
        if not C > 0:
            raise DomainError(f"C must be > 0 (math.inf for a hard margin), got {self.C!r}")
        return C

    def _pick_solver(self) -> str:
        if self.solver not in _SOLVERS:
            raise DomainError(f"solver must be one of {', '.join(map(repr, _SOLVERS))}, got {self.solver!r}")
        if self.solver != "auto":
            return self.solver
        try:
            import clarabel  # noqa: F401
        except ImportError:  # pragma: no cover - clarabel is a core dependency
            return "slsqp"
        return "qp"

    # --- using the fitted model ------------------------------------------------------------------
    def decision_function(self, X) -> np.ndarray:
        """f(x) = w . x + b for each row of X: shape (n_samples,). Positive means ``classes_[1]``;
        f(x) / |w| is the signed distance to the line."""
        if not hasattr(self, "coef_"):
            raise DomainError("this LinearSVM is not fitted yet; call fit(X, y) first")
        X = _as_matrix(X, "X")
        if X.shape[1] != self.n_features_in_:
            raise DomainError(f"X has {X.shape[1]} features but the model was fitted with "
                              f"{self.n_features_in_}")
        if getattr(self, "_center", None) is not None and len(self._center) == X.shape[1]:
            return (X - self._center) @ self.coef_[0] + self._centered_intercept
        return X @ self.coef_[0] + self.intercept_[0]

    def predict(self, X) -> np.ndarray:
        """The class of each row of X: ``classes_[1]`` where f(x) > 0, else ``classes_[0]``."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def score(self, X, y) -> float:
        """Accuracy: the fraction of rows of X whose predicted class equals y."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


def _as_matrix(X, name: str) -> np.ndarray:
    try:
        A = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise DomainError(f"{name} must be a 2-D array of numbers (n_samples, n_features)") from None
    if A.ndim != 2 or A.shape[0] == 0 or A.shape[1] == 0:
        raise DomainError(f"{name} must be a 2-D array (n_samples, n_features) with at least one row and "
                          f"column, got shape {A.shape}; for one point write [[x1, x2]]")
    if not np.all(np.isfinite(A)):
        raise DomainError(f"{name} contains NaN or infinite values; remove or replace them")
    return A


def _check_finite_labels(y: np.ndarray, name: str) -> None:
    """Labels may be numbers or strings, but a number must be finite: NaN is not a class."""
    if y.dtype.kind in "fc":
        bad = np.flatnonzero(~np.isfinite(y))
    elif y.dtype.kind == "O":
        bad = [i for i, v in enumerate(y.tolist())
               if isinstance(v, (float, complex, np.floating, np.complexfloating)) and not np.isfinite(v)]
    else:
        return
    if len(bad):
        i = int(bad[0])
        raise DomainError(f"{name} has a non-finite value ({y[i]!r}) at index {i}; labels must be finite "
                          "numbers (such as -1 and +1) or strings")


def _scaling(X: np.ndarray) -> tuple[np.ndarray, float]:
    """The centre (per feature, the middle of its range) and ONE common scale of X.

    The fit is solved for z = (x - center) / s, whose entries lie in [-1, 1]. The shift is per
    feature and only moves b. The scale is one number for all features on purpose: the SVM
    maximises the Euclidean margin, which a different scale per feature would change (the
    answer would be another line); one common scale maps back exactly (see ``fit``).
    """
    center = (X.max(axis=0) + X.min(axis=0)) / 2
    s = float(np.abs(X - center).max())
    return center, (s if s > 0 else 1.0)


def _relative_kkt(res: KKTResiduals, w: np.ndarray, alpha: np.ndarray) -> float:
    """The worst KKT residual, each measured against the size of what it compares (scaled problem).

    Margins y_i f(x_i) are pure numbers of size 1, so primal feasibility is taken as is; the
    residuals in units of alpha are divided by max alpha, stationarity by max(|w|, max alpha)
    (the columns of G are at most 1 in the scaled coordinates).
    """
    amax = float(alpha.max(initial=0.0)) or 1.0
    return max(res.primal_feasibility, res.dual_feasibility / amax, res.sum_alpha_y / amax,
               res.complementary_slackness / amax,
               res.stationarity / max(float(np.linalg.norm(w)), amax))


def _unscaled_residuals(res: KKTResiduals, s: float, relative: float) -> KKTResiduals:
    """Residuals of the scaled problem in the units of X: margins are the same numbers, alpha
    (and C) carry 1/s^2, w carries 1/s; `relative` is scale-free (see _relative_kkt)."""
    return KKTResiduals(relative=relative,
                        primal_feasibility=res.primal_feasibility,
                        dual_feasibility=res.dual_feasibility / s / s,
                        sum_alpha_y=res.sum_alpha_y / s / s,
                        stationarity=res.stationarity / s,
                        complementary_slackness=res.complementary_slackness / s / s)
