"""The Rosetta stone between :class:`LinearSVM` and scikit-learn's ``SVC(kernel="linear")``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import DomainError
from .estimator import _scaling

__all__ = ["SklearnComparison", "compare_sklearn"]

# SVC needs a finite C. A soft margin with C above every hard-margin multiplier has the
# hard-margin solution (no alpha reaches the ceiling), so SVC gets this many times our largest alpha.
HARD_MARGIN_FACTOR = 10.0


@dataclass(frozen=True)
class SklearnComparison:
    """Side by side: each scikit-learn attribute, our name for it, and how far apart they are.

    Attributes
    ----------
    rows : tuple of tuple
        ``(their attribute, our attribute, meaning, difference)``. The difference is relative,
        so it reads the same at every scale of X: max |difference| over the size of the quantity
        (the larger max |value| of the two; max(1, |b|) for b); 0 or inf for ``support_`` and
        ``classes_`` (same or not); a count for ``n_support_``; NaN when not comparable.
    only_ours : dict
        What SVC does not report: ``margin_``, ``alpha_`` sum, the KKT residuals.
    sklearn_C : float
        The C given to SVC: for a hard margin, 10 times our largest alpha_i (any C above every
        alpha_i gives the hard-margin solution, since no alpha_i then reaches C).
    """

    rows: tuple
    only_ours: dict
    sklearn_C: float

    @property
    def max_difference(self) -> float:
        return max(r[3] for r in self.rows if not math.isnan(r[3]))

    def __str__(self) -> str:
        lines = [f"scikit-learn SVC(kernel='linear', C={self.sklearn_C:g})  <->  calcml LinearSVM",
                 f"{'SVC':<18} {'LinearSVM':<26} {'rel. diff':>10}  meaning"]
        for theirs, ours, meaning, diff in self.rows:
            shown = "-" if math.isnan(diff) else f"{diff:.1e}"
            lines.append(f"{theirs:<18} {ours:<26} {shown:>10}  {meaning}")
        lines.append("not reported by SVC:")
        for key, value in self.only_ours.items():
            lines.append(f"  {key} = {value:.6g}")
        return "\n".join(lines)


def compare_sklearn(model, X, y) -> SklearnComparison:
    """Fit ``SVC(kernel="linear")`` on the same data and line its attributes up with ours.

    Parameters
    ----------
    model : LinearSVM
        Fitted on X, y (it is fitted here if it is not yet).
    X : array_like, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)

    Returns
    -------
    SklearnComparison
        ``print()`` it for the table. scikit-learn's ``dual_coef_`` is y_i alpha_i, its
        ``support_`` is grouped by class (ours is ascending), so they are compared point by point.
        SVC is fitted in the same centred, scaled coordinates as LinearSVM (its tolerance is
        absolute) and its answer mapped back exactly, so the two agree at any scale of X.

    Examples
    --------
    >>> from calcml.svm import LinearSVM, compare_sklearn
    >>> X, y = [[0, 0], [1, 2], [2, 1]], [-1, 1, 1]
    >>> c = compare_sklearn(LinearSVM(), X, y)
    >>> c.max_difference < 1e-5
    True
    >>> [r[:2] for r in c.rows][:3]
    [('coef_', 'coef_'), ('intercept_', 'intercept_'), ('dual_coef_', 'dual_coef_ = y_i alpha_i')]
    """
    from sklearn.svm import SVC

    if not hasattr(model, "fit"):
        raise DomainError(f"model must be a LinearSVM, got {type(model).__name__}")
    X = np.asarray(X, dtype=float)
    if not hasattr(model, "coef_"):
        model.fit(X, y)
    C = float(model.C)
    sk_C = HARD_MARGIN_FACTOR * float(model.alpha_.max()) if math.isinf(C) else C
    # libsvm's stopping tolerance is absolute, so SVC too gets data of size 1: the same centred,
    # scaled coordinates z = (x - center) / s that LinearSVM solves in, with C s^2. Its answer
    # maps back exactly: w = w_z / s, b = b_z - w . center, alpha = alpha_z / s^2.
    center, s = _scaling(X)
    svc = SVC(kernel="linear", C=sk_C * s * s, tol=1e-10).fit((X - center) / s, y)
    their_w = svc.coef_ / s
    their_b = svc.intercept_ - their_w @ center
    their_dual = np.zeros(len(X))
    their_dual[svc.support_] = svc.dual_coef_[0] / s / s

    # alpha per point, from each side
    theirs = np.abs(their_dual)
    ours = model.alpha_
    sign = np.where(np.asarray(y) == model.classes_[1], 1.0, -1.0)
    a_size = max(float(ours.max()), float(theirs.max()))
    rows = (
        ("coef_", "coef_", "w, the normal of the line",
         _relative(their_w, model.coef_)),
        ("intercept_", "intercept_", "b (relative to max(1, |b|))",
         float(np.abs(their_b - model.intercept_).max()) / max(1.0, float(np.abs(model.intercept_).max()))),
        ("dual_coef_", "dual_coef_ = y_i alpha_i", "signed multipliers of the support vectors",
         float(np.abs(their_dual - sign * ours).max()) / a_size),
        ("|dual_coef_|", "alpha_", "alpha_i >= 0 for every point (0 off the support)",
         float(np.abs(theirs - ours).max()) / a_size),
        ("support_", "support_", "indices of the points with alpha_i > 0",
         0.0 if set(svc.support_.tolist()) == set(model.support_.tolist()) else math.inf),
        ("n_support_", "n_support_", "support vectors per class",
         float(np.abs(svc.n_support_ - model.n_support_).max())),
        ("classes_", "classes_", "labels; classes_[1] is the side f(x) > 0",
         0.0 if np.array_equal(svc.classes_, model.classes_) else math.inf),
    )
    r = model.kkt_residuals_
    only = {"margin_ = 2/|w|": model.margin_, "sum alpha_i": float(ours.sum()),
            "objective_": model.objective_, **{f"kkt {k}": v for k, v in r.to_dict().items()}}
    return SklearnComparison(rows, only, sk_C)


def _relative(theirs: np.ndarray, ours: np.ndarray) -> float:
    """max |theirs - ours| over the size of the larger of the two (0 when both are 0)."""
    size = max(float(np.abs(theirs).max()), float(np.abs(ours).max()))
    return float(np.abs(theirs - ours).max()) / size if size > 0 else 0.0
