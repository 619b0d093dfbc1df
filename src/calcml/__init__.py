"""calcml: the calculus behind machine learning, runnable, checkable and visible.

Every question (a derivative, a gradient, a Jacobian, an integral) can be
answered three ways that check each other: symbolically with the steps,
numerically with an error estimate and a status, and automatically with
calcml's own reverse-mode autodiff (:mod:`calcml.autodiff`).

The names below are imported on first use, so ``import calcml`` stays light
(SymPy, SciPy and matplotlib load only when a function needs them).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_PUBLIC = {
    # input
    "parse": "expressions",
    "to_function": "expressions",
    # results and errors
    "Estimate": "results",
    "Status": "results",
    "Step": "results",
    "CalcmlError": "errors",
    "ExpressionError": "errors",
    "ArgumentError": "errors",
    "DomainError": "errors",
    "ComputationError": "errors",
    "TimeLimitError": "errors",
    "NotSeparableError": "errors",
    # lesson 1: differentiation
    "derivative": "derivatives",
    "DerivativeResult": "derivatives",
    "equivalent": "equivalence",
    "step_size_study": "stepsize",
    "difference_quotient": "numeric",
    # lesson 2: integration
    "integral": "derivatives",
    "convergence_table": "derivatives",
    "cumulative_integral": "integrate",
    "compare_with_antiderivative": "integrate",
    "check_with_antiderivative": "fundamental",
    "antiderivative": "derivatives",
    # lessons 3 and 4: gradients, Jacobians, Hessians
    "gradient": "multivariate",
    "jacobian": "multivariate",
    "hessian": "multivariate",
    "directional_derivative": "multivariate",
    "steepest_ascent": "multivariate",
    # lesson 6: optimization
    "critical_points": "critical",
    "minimize": "optimize",
    "OptimizeResult": "optimize",
    # checking your own code
    "check_grad": "testing",
}

__all__ = sorted(_PUBLIC) + ["autodiff", "functions", "nn", "svm", "__version__"]


def __getattr__(name: str):
    if name in ("autodiff", "functions", "nn", "svm"):  # submodules, imported on first use
        return importlib.import_module(f".{name}", __name__)
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'calcml' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
