"""Lesson 6: critical points that explain themselves, an optimizer lab, and a Lagrange multiplier."""

from __future__ import annotations

import re

import numpy as np

from ..content import errata_for, sections
from ..model import Code, Formula, LessonRun, Result, Table, Text
from ._common import figure, num, sci

NUMBER = 6
TITLE = "Optimization"
SUMMARY = ("Critical points found, classified and explained (x^3 - 2x^2 + 1, log x, a saddle); gradient descent, "
           "momentum, Adam and Newton on Rosenbrock; the 2/L step bound; a Lagrange multiplier checked by SLSQP.")

CUBIC = "x^3 - 2x^2 + 1"
SADDLE = "x^3 - 3x + y^2"
ROSENBROCK = "(1 - x)^2 + 100(y - x^2)^2"
BOWL = "x^2 + 10y^2"
#: The optimizer lab's runs: label -> keyword arguments of calcml.minimize.
LAB = {
    "gd + Armijo": dict(method="gd"),
    "momentum": dict(method="momentum", learning_rate=1e-3, momentum=0.9),
    "Adam": dict(method="adam", learning_rate=0.05),
    "Newton": dict(method="newton"),
}

CODE_CUBIC = '''\
import calcml

r = calcml.critical_points("x^3 - 2x^2 + 1")
for p in r.points:
    print(p.point, p.kind, "|", p.reason)
print(r.message)
print(r.numeric_check)

# the figure: f and f' with the critical points marked
from calcml import to_function
from calcml.plots.optimize import plot_critical_points_1d
ax = plot_critical_points_1d(to_function("x^3 - 2x^2 + 1"), to_function("3x^2 - 4x"),
                             [(float(p.point["x"]), float(p.value), p.kind) for p in r.points],
                             xlim=(-1.2, 2.4))
'''

CODE_LOG = '''\
import calcml

r = calcml.critical_points("log(x)")
print(r.points)     # ()
print(r.message)

from calcml import to_function
from calcml.plots.optimize import plot_critical_points_1d
ax = plot_critical_points_1d(to_function("log(x)"), to_function("1/x"), [], xlim=(0.02, 6),
                             title="log x and its derivative 1/x")
'''

CODE_SADDLE = '''\
import numpy as np
import calcml

r = calcml.critical_points("x^3 - 3x + y^2")
for p in r.points:
    print(p.point, p.kind, "|", p.reason)
H = calcml.hessian("x^3 - 3x + y^2", at=(-1.0, 0.0))      # the three lenses agree on H
print(np.linalg.eigvalsh(H.value))                          # [-6.  2.]: both signs, a saddle

from calcml import to_function
from calcml.plots.optimize import plot_critical_points_2d
marks = [(tuple(float(v) for v in p.point.values()), p.kind, p.kind) for p in r.points]
ax = plot_critical_points_2d(to_function("x^3 - 3x + y^2"), marks, xlim=(-2.2, 2.2), ylim=(-2, 2))
'''

CODE_LAB = '''\
import numpy as np
import calcml

rosen = "(1 - x)^2 + 100(y - x^2)^2"
runs = {
    "gd + Armijo": dict(method="gd"),
    "momentum": dict(method="momentum", learning_rate=1e-3, momentum=0.9),
    "Adam": dict(method="adam", learning_rate=0.05),
    "Newton": dict(method="newton"),
}
results = {name: calcml.minimize(rosen, [-1.2, 1.0], max_iter=20000, **kw) for name, kw in runs.items()}
for name, r in results.items():
    print(f"{name:12s} {r.label:14s} steps={r.nit:6d}  |x - (1,1)| = {np.linalg.norm(r.x - 1):.1e}")

from calcml import to_function
from calcml.plots.optimize import plot_paths
ax = plot_paths(to_function(rosen), {k: r.path for k, r in results.items()}, xlim=(-1.5, 1.5),
                ylim=(-0.5, 1.5), minimum=(1, 1))

# f and the gradient norm against the step
from calcml.plots.optimize import plot_histories
ax = plot_histories({k: r.values for k, r in results.items()}, ylabel="f(x_k)", log=True)
ax = plot_histories({k: r.grad_norms for k, r in results.items()}, ylabel="|grad f(x_k)|", log=True)
'''

CODE_RATES = '''\
import calcml

# f = x^2 + 10 y^2: Hessian diag(2, 20), L = 20, so 2/L = 0.1
for lr in (0.05, 0.095, 0.105):
    r = calcml.minimize("x^2 + 10y^2", [1.0, 1.0], method="gd", learning_rate=lr, max_iter=2000)
    print(lr, r.label, r.nit, r.message)
# keep going after the flag to watch f grow: |1 - 0.105 * 20| = 1.1 per step along y
r = calcml.minimize("x^2 + 10y^2", [1.0, 1.0], method="gd", learning_rate=0.105, max_iter=40,
                    stop_on_divergence=False)
print(r.values[::10])

from calcml.plots.optimize import plot_histories
runs = {f"lr = {lr}": calcml.minimize("x^2 + 10y^2", [1.0, 1.0], method="gd", learning_rate=lr,
                                      max_iter=2000 if lr < 0.1 else 40, stop_on_divergence=False).values
        for lr in (0.025, 0.05, 0.095, 0.105)}
ax = plot_histories(runs, ylabel="f(x_k)", title="below 2/L it converges, above it it diverges")
'''

CODE_LAGRANGE = '''\
import numpy as np
import sympy as sp
from scipy.optimize import minimize

x, y, lam = sp.symbols("x y lambda", real=True)
L = x**2 + 2*y**2 - lam * (x + y - 3)                   # the Lagrangian
print(sp.solve([sp.diff(L, v) for v in (x, y, lam)], [x, y, lam], dict=True))   # x=2, y=1, lambda=4

res = minimize(lambda v: v[0]**2 + 2*v[1]**2, [0.0, 0.0], method="SLSQP",
               constraints=[{"type": "eq", "fun": lambda v: v[0] + v[1] - 3}], options={"ftol": 1e-12})
print(res.x, getattr(res, "multipliers", "this SciPy does not report multipliers"))
'''


def _cubic(run: LessonRun, text: dict) -> None:
    from ...critical import critical_points
    from ...expressions import to_function
    from ...plots.optimize import plot_critical_points_1d

    run.add(Text(text["example"]))
    r = critical_points(CUBIC)
    run.add(Table(("x", "f(x)", "kind", "why"),
                  tuple((str(p.point["x"]), str(p.value), p.kind, p.reason) for p in r.points),
                  caption="critical points of x^3 - 2x^2 + 1"))
    run.add(Result("numeric cross-check", r.numeric_check, ok=r.numeric_check.startswith("agree")))
    ax = plot_critical_points_1d(to_function(CUBIC), to_function("3x^2 - 4x"),
                                 [(float(p.point["x"]), float(p.value), p.kind) for p in r.points],
                                 xlim=(-1.2, 2.4), title="f(x) = x^3 - 2x^2 + 1 and f'(x)")
    run.add(figure(run, "cubic.png", ax.figure,
                   "f (solid) and f' (dashed). Where f' crosses 0, f has a peak (x = 0) and a valley (x = 4/3)."))
    run.add(Code(CODE_CUBIC), Text(text["example-after"]))


def _log(run: LessonRun, text: dict) -> None:
    from ...critical import critical_points
    from ...expressions import to_function
    from ...plots.optimize import plot_critical_points_1d

    run.add(Text(text["log"]))
    r = critical_points("log(x)")
    run.add(Result("calcml.critical_points('log(x)')", r.message, ok=not r.points and r.complete))
    ax = plot_critical_points_1d(to_function("log(x)"), to_function("1/x"), [], xlim=(0.02, 6),
                                 title="log x and its derivative 1/x")
    run.add(figure(run, "log.png", ax.figure,
                   "log x keeps rising; its slope 1/x (dashed) shrinks towards 0 but never reaches it."))
    run.add(Code(CODE_LOG))


def _saddle(run: LessonRun, text: dict) -> None:
    from ...critical import critical_points
    from ...expressions import to_function
    from ...multivariate import hessian
    from ...plots.optimize import plot_critical_points_2d

    run.add(Text(text["two-vars"]))
    r = critical_points(SADDLE)
    rows, marks = [], []
    for p in r.points:
        at = tuple(float(v) for v in p.point.values())
        H = hessian(SADDLE, at=at)
        eig = np.linalg.eigvalsh(np.asarray(H.value, dtype=float))
        rows.append((f"({p.point['x']}, {p.point['y']})", str(p.value), ", ".join(num(e, 6) for e in eig),
                     p.kind, "yes" if H.agree else "NO"))
        marks.append((at, p.kind, "eigenvalues " + ", ".join(num(e, 3) for e in eig)))
    run.add(Table(("point", "f", "Hessian eigenvalues (numeric)", "kind", "3 lenses agree on H"), tuple(rows),
                  caption="critical points of x^3 - 3x + y^2"))
    for p in r.points:
        run.add(Result(f"why ({p.point['x']}, {p.point['y']}) is a {p.kind}", p.reason))
    ax = plot_critical_points_2d(to_function(SADDLE), marks, xlim=(-2.2, 2.2), ylim=(-2, 2),
                                 title="x^3 - 3x + y^2: a minimum and a saddle")
    run.add(figure(run, "saddle.png", ax.figure,
                   "Contours of x^3 - 3x + y^2. Around (1, 0) they close into rings (a minimum); through "
                   "(-1, 0) they cross (a saddle)."))
    run.add(Code(CODE_SADDLE))


def _lab(run: LessonRun, text: dict) -> None:
    from ...expressions import to_function
    from ...optimize import minimize
    from ...plots import new_axes
    from ...plots.optimize import plot_histories, plot_paths

    run.add(Text(text["lab"]))
    results = {name: minimize(ROSENBROCK, [-1.2, 1.0], max_iter=20000, **kw) for name, kw in LAB.items()}
    run.add(Table(("method", "end state", "steps", "f evaluations", "|x - (1, 1)|", "success"),
                  tuple((name, r.label, str(r.nit), str(r.nfev), sci(np.linalg.norm(r.x - 1)), str(r.success))
                        for name, r in results.items()),
                  caption="Rosenbrock from (-1.2, 1), tol = 1e-6 on the gradient norm"))
    run.add(Result("settings", "gd: Armijo line search; momentum: lr 1e-3, beta 0.9 (PyTorch's convention); "
                               "Adam: lr 0.05, betas (0.9, 0.999); Newton: Armijo line search"))
    f = to_function(ROSENBROCK)
    ax = plot_paths(f, {k: r.path for k, r in results.items()}, xlim=(-1.5, 1.5), ylim=(-0.5, 1.5),
                    minimum=(1, 1), title="four optimizers on Rosenbrock's valley")
    run.add(figure(run, "paths.png", ax.figure,
                   "Paths from (-1.2, 1) to the minimum (star); contours of log10(f). Newton needs a few dozen "
                   "steps, the first-order methods thousands."))
    ax1, ax2 = new_axes(2, figsize=(11, 4.2))
    plot_histories({k: r.values for k, r in results.items()}, ax=ax1, ylabel="f(x_k) - f*  (f* = 0)")
    plot_histories({k: r.grad_norms for k, r in results.items()}, ax=ax2, ylabel="|grad f(x_k)|")
    for a in (ax1, ax2):
        a.set_xscale("symlog", linthresh=10)
        a.set_xlim(left=0)
    run.add(figure(run, "histories.png", ax1.figure,
                   "f and the gradient norm against the step (log scales)."))
    run.add(Code(CODE_LAB), Text(text["lab-after"]))
    bad = minimize("x^2 - y^2", [1.0, 0.0], method="gd", learning_rate=0.1)
    run.add(Result("gd on x^2 - y^2 from (1, 0)", f"label {bad.label!r}, success={bad.success}: {bad.message}",
                   ok=not bad.success and bad.label == "saddle"))
    # SciPy's verdict at a maximum, measured now: sin x started at its peak pi/2
    from scipy.optimize import minimize as scipy_minimize

    ref = scipy_minimize(lambda v: np.sin(v[0]), [np.pi / 2], method="SLSQP")
    ours = minimize("sin(x)", [np.pi / 2], method="bfgs")
    run.add(Result("SciPy SLSQP on sin x from pi/2", f"success={bool(ref.success)} at x = {num(ref.x[0], 8)} "
                   f"(a maximum: sin'' = -1 there)"),
            Result("calcml.minimize on sin x from pi/2", f"label {ours.label!r}, success={ours.success}",
                   ok=ours.label == "maximum" and not ours.success))


def _rates(run: LessonRun, text: dict) -> None:
    from ...optimize import minimize
    from ...plots.optimize import plot_histories

    run.add(Text(text["rates"]))
    L = 20.0
    rows, series = [], {}
    for lr in (0.5 / L, 1 / L, 1.9 / L, 2.1 / L):
        # keep going after the flag (at most 40 steps then) so the figure shows the blow-up
        r = minimize(BOWL, [1.0, 1.0], method="gd", learning_rate=lr, max_iter=2000 if lr < 2 / L else 40,
                     stop_on_divergence=False)
        flag = re.search(r"flagged at step (\d+)", r.message)
        rows.append((num(lr, 4), num(lr * L, 3), num(abs(1 - lr * L), 3),
                     r.label + (f" (flagged at step {flag.group(1)})" if flag else ""), str(r.nit)))
        series[f"lr = {lr * L:g}/L"] = r.values
    run.add(Table(("learning rate", "lr * L", "|1 - lr L|", "end state", "steps run"), tuple(rows),
                  caption="gradient descent on x^2 + 10y^2 from (1, 1); L = 20"))
    ax = plot_histories(series, ylabel="f(x_k)", title="below 2/L it converges, above it it diverges")
    run.add(figure(run, "learning_rates.png", ax.figure,
                   "f against the step for four learning rates on x^2 + 10y^2. At 2.1/L the steepest "
                   "direction overshoots further at every step; calcml flags the run as diverged at step 2 "
                   "and, asked to (stop_on_divergence=False), keeps going to show the growth."))
    run.add(Code(CODE_RATES))


def _lagrange(run: LessonRun, text: dict) -> None:
    import sympy as sp
    from scipy.optimize import minimize as scipy_minimize

    run.add(Text(text["lagrange"]))
    x, y, lam = sp.symbols("x y lambda", real=True)
    lagrangian = x**2 + 2 * y**2 - lam * (x + y - 3)
    (sol,) = sp.solve([sp.diff(lagrangian, v) for v in (x, y, lam)], [x, y, lam], dict=True)
    run.add(Formula(r"\mathcal{L} = x^2 + 2y^2 - \lambda (x + y - 3)", label="the Lagrangian"))
    run.add(Result("solved by SymPy", f"x = {sol[x]}, y = {sol[y]}, lambda = {sol[lam]}"))
    res = scipy_minimize(lambda v: v[0] ** 2 + 2 * v[1] ** 2, [0.0, 0.0], method="SLSQP",
                         constraints=[{"type": "eq", "fun": lambda v: v[0] + v[1] - 3}],
                         options={"ftol": 1e-12})
    mult = getattr(res, "multipliers", None)
    x_ok = bool(np.allclose(res.x, [float(sol[x]), float(sol[y])], atol=1e-6))
    run.add(Result("SciPy SLSQP", f"x = ({num(res.x[0], 8)}, {num(res.x[1], 8)})", ok=x_ok))
    if mult is None:
        run.add(Result("SLSQP multiplier", "this SciPy version does not report multipliers (SciPy >= 1.15 does)"))
    else:
        m = float(np.ravel(mult)[0])
        run.add(Result("SLSQP multiplier", f"{num(m, 8)} (SymPy: {sol[lam]})",
                       ok=bool(abs(m - float(sol[lam])) < 1e-6)))
    run.add(Code(CODE_LAGRANGE))


def build(run: LessonRun) -> None:
    text = sections("lesson06")
    run.add(Text(text["intro"]))
    _cubic(run, text)
    _log(run, text)
    _saddle(run, text)
    _lab(run, text)
    _rates(run, text)
    _lagrange(run, text)
    run.add(Text(text["exercises"]))
    run.add(Code('calcml critical "x^3 - 2x^2 + 1"\ncalcml critical "log(x)"\n'
                 'calcml minimize "(1 - x)^2 + 100(y - x^2)^2" --from -1.2,1 --method newton --plot newton.png',
                 language="shell"))
    run.add(*errata_for(NUMBER))
