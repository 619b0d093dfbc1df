"""Lesson 1: differential calculus. The rate of change against the rules, the step size, the steps."""

from __future__ import annotations

import math

import numpy as np

from ..content import errata_for, sections
from ..model import Code, Formula, LessonRun, Result, Text
from ._common import figure, num, sci

NUMBER = 1
TITLE = "Differential calculus"
SUMMARY = "Derivatives by the rate of change and by the rules; why the step size matters; the derivation step by step."

TASK = "x^3 - 2x^2 + 1"


def _rate_vs_rule(run: LessonRun, text: str, name: str):
    """The lesson-1 figure for `text`, and numeric-vs-symbolic checks at a few points."""
    from ... import derivative
    from ...plots.figures import rate_vs_rule_figure
    from ...symbolic import to_latex

    sd = derivative(text)
    # the same figure as `calcml diff TEXT --plot`, drawn by the same function
    axes = rate_vs_rule_figure(sd.expression, sd.derivative, "x", np.linspace(-10, 10, 401), label=f"f(x) = {text}")
    blocks = [
        Formula(f"\\frac{{d}}{{dx}}\\left({to_latex(sd.expression)}\\right) = {sd.latex}",
                label="by the rules", expr=sd.derivative),
        figure(run, f"rate-vs-rule-{name}.png", axes[0].figure,
               f"f(x) = {text} (left) and f'(x) by the rate of change next to f'(x) by the rules (right)"),
    ]
    for x0 in (-3.0, 0.5, 2.0):
        # calcml's own comparison of the lenses at the point; the lesson only presents it
        r = derivative(text, at=x0)
        est, exact = r.estimate, r.lenses["symbolic"]
        blocks.append(Result(f"f'({x0:g}): numeric ({est.method}) vs rule",
                             f"{num(est.value)} vs {num(exact.value)} (error estimate {sci(est.error)})",
                             ok=bool(r.ok and r.agree)))
    return sd, blocks


def build(run: LessonRun) -> None:
    from ... import derivative, step_size_study
    from ...plots import new_axes
    from ...plots.derivative import plot_step_size_study
    from ...steps import format_steps

    text = sections("lesson01")
    run.add(Text(text["intro"]), Text(text["example-x2"]))
    _, blocks = _rate_vs_rule(run, "x^2", "x2")
    run.add(*blocks)

    run.add(Text(text["task"]))
    sd, blocks = _rate_vs_rule(run, TASK, "task")
    run.add(*blocks)
    run.add(Result("calcml's answer", f"f'(x) = {sd.derivative}  (check yours: calcml check 1.1 \"...\")"))

    # Why a fixed step fails at large x, and what calcml does instead.
    run.add(Text(text["stepsize"]))
    x0 = 30.0
    study = step_size_study(math.exp, x0, exact=math.exp(x0))
    ax = plot_step_size_study(study, ax=new_axes())
    run.add(figure(run, "step-size-exp30.png", ax.figure,
                   "Error of forward and central differences of e^x at x = 30 against the step h: "
                   "truncation error falls with h, round-off error rises as h shrinks"))
    fixed = derivative(math.exp, at=x0, method="forward")  # calcml's forward difference, step scaled to x
    course = derivative(math.exp, at=x0, method="forward", h=1e-4)
    best = derivative(math.exp, at=x0)
    rel = lambda v: abs(v - math.exp(x0)) / math.exp(x0)  # noqa: E731 - presentation of a relative error
    run.add(
        Result("forward difference, fixed h = 1e-4 (the course)", f"relative error {sci(rel(course.value))}"),
        Result(f"forward difference, h scaled to x ({fixed.method})", f"relative error {sci(rel(fixed.value))}"),
        Result(f"calcml's default ({best.method}, {best.evaluations} evaluations)",
               f"relative error {sci(rel(best.value))}, status {best.status.value}", ok=best.ok),
    )
    # The theory for e^x, whose derivatives all equal e^x: relative truncation h/2 (forward) and
    # h^2/6 (central); relative round-off about eps (1 + |x|)/h (rounding f, and rounding x + h).
    eps = float(np.finfo(float).eps)
    theory_f = 2 * math.sqrt(eps * (1 + abs(x0)))
    theory_c = (3 * eps * (1 + abs(x0))) ** (1 / 3)
    run.add(
        Result("best h for the forward difference (bottom of the fitted V)",
               f"{sci(study.best_h_forward)}; theory 2\u221a(\u03b5(1 + |x|)) = {sci(theory_f)}"),
        Result("best h for the central difference (bottom of the fitted V)",
               f"{sci(study.best_h_central)}; theory (3\u03b5(1 + |x|))^(1/3) = {sci(theory_c)}"),
    )
    if study.lowest_h_forward < study.best_h_forward / 3:  # below the V's bottom: noise, say so
        run.add(Result("smallest measured forward error", f"at h = {sci(study.lowest_h_forward)}: a lucky "
                                                          "cancellation on the noisy round-off side, not a better step"))

    run.add(Text(text["steps"]))
    for expr in (TASK, "sin(x^2)*exp(x)"):
        d = derivative(expr)
        run.add(Code(format_steps(d.steps[0]), language="text"))
    run.add(*(Code(source, language="python") for source in EXAMPLES))
    run.add(Code('calcml diff "x^3 - 2x^2 + 1" --steps\ncalcml diff "exp(x)" --at 30 --json', language="shell"))
    run.add(*errata_for(NUMBER))


# Worked examples as self-contained Python (each runs on its own in a fresh kernel):
# the lesson's notebook runs them as code cells; the report and the terminal show them.
EXAMPLES = (
"""\
import numpy as np

import calcml
from calcml.plots.figures import rate_vs_rule_figure

for text in ("x^2", "x^3 - 2x^2 + 1"):  # the worked example, then the task
    # By the rules (SymPy); the rule-by-rule steps are in d.steps.
    d = calcml.derivative(text)
    print(f"f(x) = {text}:  f'(x) =", d.derivative)
    for x0 in (-3.0, 0.5, 2.0):
        # At a point every lens answers; calcml compares them (r.agree).
        r = calcml.derivative(text, at=x0)
        est, rule = r.estimate, r.lenses["symbolic"].value
        print(f"  f'({x0:g}): numeric {est.value:.12g} ({est.method}, "
              f"error estimate {est.error:.1e}), rule {rule:.12g}, agree: {r.agree}")
    xs = np.linspace(-10, 10, 401)
    # the figure `calcml diff TEXT --plot` draws
    axes = rate_vs_rule_figure(d.expression, d.derivative, "x", xs, label=f"f(x) = {text}")
""",
"""\
import math

import calcml
from calcml.plots import new_axes
from calcml.plots.derivative import plot_step_size_study

x0, exact = 30.0, math.exp(30.0)
# The course's fixed step, then calcml's default (steps scaled to x).
course = calcml.derivative(math.exp, at=x0, method="forward", h=1e-4)
best = calcml.derivative(math.exp, at=x0)
for name, est in (("forward, h = 1e-4", course), (best.method, best)):
    print(f"{name}: relative error {abs(est.value - exact) / exact:.1e}")
study = calcml.step_size_study(math.exp, x0, exact=exact)
ax = plot_step_size_study(study, ax=new_axes())
""",
)
