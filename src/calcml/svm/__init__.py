"""Support vector machines as constrained optimisation (lesson 7).

:class:`LinearSVM` finds the widest-margin hyperplane, hard or soft margin, by the primal
(SciPy's SLSQP, the lesson's route) or the dual (the Clarabel QP solver), and reports the
Lagrange multipliers alpha_i, the support vectors and the KKT conditions point by point.
:func:`compare_sklearn` lines its attributes up with scikit-learn's ``SVC(kernel="linear")``.
"""

from .compare import SklearnComparison, compare_sklearn
from .estimator import LinearSVM
from .kkt import KKTResiduals, KKTTable

__all__ = ["LinearSVM", "compare_sklearn", "SklearnComparison", "KKTTable", "KKTResiduals"]
