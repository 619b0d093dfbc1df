"""The Karush-Kuhn-Tucker conditions of a fitted linear SVM, point by point and overall.

For the soft-margin problem (the hard margin is C = inf, slacks 0) the KKT conditions are
(Boyd & Vandenberghe, *Convex Optimization*, 5.5.3; Cortes & Vapnik 1995):

- primal feasibility:  y_i f(x_i) >= 1 - xi_i,  xi_i >= 0, with f(x) = w . x + b;
- dual feasibility:    0 <= alpha_i <= C;
- stationarity:        w = sum alpha_i y_i x_i  and  sum alpha_i y_i = 0;
- complementary slackness:  alpha_i (y_i f(x_i) - 1 + xi_i) = 0  and  (C - alpha_i) xi_i = 0.

So a point with alpha_i > 0 sits on its margin line (or, at alpha_i = C, inside it), and a point
strictly outside its margin line has alpha_i = 0: it does not enter w at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["KKTTable", "KKTResiduals", "kkt_table", "kkt_residuals", "MARGIN_TOL"]

#: |y_i f(x_i) - 1| below this counts as "on the margin line".
MARGIN_TOL = 1e-7

_POSITIONS = ("on the margin", "outside the margin", "inside the margin", "misclassified")


@dataclass(frozen=True, eq=False)
class KKTTable:
    """Per point: the functional margin, the multiplier, complementary slackness and a label.

    Attributes
    ----------
    functional_margin : numpy.ndarray, shape (n_samples,)
        y_i f(x_i) = y_i (w . x_i + b); 1 on the margin lines, > 1 beyond them.
    alpha : numpy.ndarray, shape (n_samples,)
        The Lagrange multipliers alpha_i >= 0 (1/2 |w|^2 convention).
    slack : numpy.ndarray, shape (n_samples,)
        xi_i = max(0, 1 - y_i f(x_i)); all 0 for a hard margin.
    complementary_slackness : numpy.ndarray, shape (n_samples,)
        alpha_i (y_i f(x_i) - 1 + xi_i): 0 at the optimum.
    support : numpy.ndarray of bool, shape (n_samples,)
        alpha_i > 0: the point is a support vector.
    position_code : numpy.ndarray of int8, shape (n_samples,)
        Index into ``POSITIONS`` (kept as codes so a million rows stay small).
    """

    functional_margin: np.ndarray
    alpha: np.ndarray
    slack: np.ndarray
    complementary_slackness: np.ndarray
    support: np.ndarray
    position_code: np.ndarray

    POSITIONS = _POSITIONS

    def __len__(self) -> int:
        return len(self.alpha)

    def label(self, i: int) -> str:
        """``"support vector"`` (on its margin line), ``"support vector, inside the margin"``,
        ``"support vector, misclassified"``, ``"on the margin"`` (alpha = 0 but on the line),
        ``"outside the margin"``."""
        pos = _POSITIONS[int(self.position_code[i])]
        if self.support[i]:
            return "support vector" if pos == "on the margin" else f"support vector, {pos}"
        return pos

    @property
    def labels(self) -> list[str]:
        return [self.label(i) for i in range(len(self))]

    def to_records(self, limit: int | None = None) -> list[dict]:
        """One dict per point (the first `limit` points): the columns and the label."""
        m = len(self) if limit is None else min(limit, len(self))
        return [{"index": i,
                 "functional_margin": float(self.functional_margin[i]),
                 "alpha": float(self.alpha[i]),
                 "slack": float(self.slack[i]),
                 "complementary_slackness": float(self.complementary_slackness[i]),
                 "support_vector": bool(self.support[i]),
                 "label": self.label(i)} for i in range(m)]


@dataclass(frozen=True)
class KKTResiduals:
    """How far a solution is from satisfying each KKT condition (all 0 at the exact optimum).

    Attributes
    ----------
    primal_feasibility : float
        max(0, max_i (1 - xi_i - y_i f(x_i))): the worst violated margin constraint.
    dual_feasibility : float
        How far the worst alpha_i lies outside [0, C].
    sum_alpha_y : float
        |sum_i alpha_i y_i| (stationarity in b).
    stationarity : float
        ||w - sum_i alpha_i y_i x_i|| (stationarity in w), Euclidean norm.
    complementary_slackness : float
        max_i |alpha_i (y_i f(x_i) - 1 + xi_i)|, and max_i |(C - alpha_i) xi_i| for a soft margin.
    relative : float
        The largest residual measured against the size of what it compares (margins against 1,
        the alpha-sized residuals against max alpha, stationarity against max(|w|, max alpha),
        in the fit's centred and scaled coordinates): the same at every scale of the data, and
        what ``LinearSVM.fit`` accepts up to 1e-6. The absolute residuals above carry the units
        (alpha ~ 1/size^2, so coordinates of 1e-8 make an exact answer's complementary
        slackness ~ 1e16 * 1e-16 = 1). NaN when not computed. Not part of ``max``.
    """

    primal_feasibility: float
    dual_feasibility: float
    sum_alpha_y: float
    stationarity: float
    complementary_slackness: float
    relative: float = math.nan

    @property
    def max(self) -> float:
        return max(self.primal_feasibility, self.dual_feasibility, self.sum_alpha_y,
                   self.stationarity, self.complementary_slackness)

    def to_dict(self) -> dict:
        return {"primal_feasibility": self.primal_feasibility, "dual_feasibility": self.dual_feasibility,
                "sum_alpha_y": self.sum_alpha_y, "stationarity": self.stationarity,
                "complementary_slackness": self.complementary_slackness, "relative": self.relative}


def kkt_table(margins: np.ndarray, alpha: np.ndarray, C: float, support: np.ndarray) -> KKTTable:
    slack = np.zeros_like(margins) if math.isinf(C) else np.maximum(0.0, 1.0 - margins)
    cs = alpha * (margins - 1.0 + slack)
    code = np.where(np.abs(margins - 1.0) <= MARGIN_TOL, 0,
                    np.where(margins > 1.0, 1, np.where(margins >= 0.0, 2, 3))).astype(np.int8)
    return KKTTable(margins, alpha, slack, cs, support, code)


def kkt_residuals(G: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, alpha: np.ndarray,
                  C: float) -> KKTResiduals:
    margins = G @ w + y * b
    hard = math.isinf(C)
    slack = np.zeros_like(margins) if hard else np.maximum(0.0, 1.0 - margins)
    s = np.flatnonzero(alpha)
    primal = max(0.0, float(np.max(1.0 - slack - margins)))
    dual = max(0.0, float(-alpha.min()), 0.0 if hard else float((alpha - C).max()))
    cs = float(np.abs(alpha[s] * (margins[s] - 1.0 + slack[s])).max(initial=0.0))
    if not hard:
        cs = max(cs, float(np.abs((C - alpha) * slack).max()))
    return KKTResiduals(
        primal_feasibility=primal,
        dual_feasibility=dual,
        sum_alpha_y=float(abs(alpha[s] @ y[s])),
        stationarity=float(np.linalg.norm(w - G[s].T @ alpha[s])),
        complementary_slackness=cs,
    )
