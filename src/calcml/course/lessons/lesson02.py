"""Lesson 2: integration. The running sum against the antiderivative; how fast the rules converge."""

from __future__ import annotations

from ..content import errata_for, sections
from ..model import Code, Formula, LessonRun, Result, Table, Text
from ._common import figure, num, sci

NUMBER = 2
TITLE = "Integration"
SUMMARY = "Integration as the area under the curve and as the reverse of differentiation; Riemann, trapezoid and Simpson."

TASK = "3x^2 - 4x"
A, B, DX = -10.0, 10.0, 0.1


def _gap(name: str, x, running, exact) -> Result:
    """The largest absolute gap between a running sum and F(x) - F(a), where it is, and its size
    relative to the largest |F(x) - F(a)| on the interval (the scale of the curve)."""
    import numpy as np

    gap = np.abs(np.asarray(running, dtype=float) - exact)
    k = int(np.argmax(gap))
    scale = float(np.max(np.abs(exact)))
    where = f"x = {x[k]:g}" + (" (the start: the course's sum is one strip ahead, its first value is f(a) dx)"
                              if k == 0 else "")
    return Result(f"largest absolute gap, {name} vs F(x) - F({A:g})",
                  f"{sci(gap[k])} at {where}; {sci(gap[k] / scale)} of the largest |F(x) - F({A:g})|, {num(scale, 6)}")


def _running_sum(run: LessonRun, text: str, name: str):
    """Antiderivative (symbolic, verified) and the running sum next to it, shifted to coincide."""
    from ... import antiderivative, cumulative_integral, to_function
    from ...plots.figures import running_sum_figure
    from ...symbolic import to_latex

    anti = antiderivative(text)
    f = to_function(anti.expression, ["x"])
    F = to_function(anti.antiderivative, ["x"])
    course = cumulative_integral(f, A, B, DX, method="left")
    trap = cumulative_integral(f, A, B, DX)
    # the same figure as `calcml integrate TEXT --plot`, drawn by the same function
    ax = running_sum_figure(anti.expression, anti.antiderivative, "x", A, B, steps=round((B - A) / DX))
    F0 = F(A)
    blocks = [
        Formula(f"\\int \\left({to_latex(anti.expression)}\\right)\\,dx = {anti.latex} + C",
                label="antiderivative", expr=anti.antiderivative),
        Result("verified by differentiating F", "yes" if anti.verified else "no", ok=bool(anti.verified)),
        figure(run, f"running-sum-{name}.png", ax.figure,
               f"The running sum of ({text}) dx from x = {A:g} next to F(x) - F({A:g}), F(x) = {anti.antiderivative}"),
        _gap(f"course's left running sum (dx = {DX:g})", course.x, course.F, F(course.x) - F0),
        _gap(f"cumulative trapezoid (dx = {DX:g})", trap.x, trap.F, F(trap.x) - F0),
    ]
    return anti, blocks


def build(run: LessonRun) -> None:
    from ... import convergence_table
    from ...plots import new_axes
    from ...plots.integral import plot_convergence
    from ...steps import format_steps

    text = sections("lesson02")
    run.add(Text(text["intro"]), Text(text["example-2x"]))
    _, blocks = _running_sum(run, "2x", "2x")
    run.add(*blocks)

    run.add(Text(text["task"]))
    anti, blocks = _running_sum(run, TASK, "task")
    run.add(*blocks)
    if anti.steps is not None:
        run.add(Code(format_steps(anti.steps), language="text"))
    run.add(Result("calcml's answer", f"F(x) = {anti.antiderivative} + C  (check yours: calcml check 2.1 \"...\")"))

    run.add(Text(text["convergence"]))
    table = convergence_table("exp(x)", 0.0, 1.0)
    shown = [r for r in table.rows if r.n in (4, 16, 64, 256, 1024, 4096)]
    run.add(
        Formula("\\int_0^1 e^x\\,dx = e - 1", label=f"exact value {num(table.exact)} ({table.exact_source})"),
        Table(("method", "n", "value", "error", "observed order"),
              tuple((r.method, str(r.n), num(r.value), sci(r.error), "" if r.order is None else f"{r.order:.2f}")
                    for r in shown),
              caption="Each rule on the integral of e^x from 0 to 1; the order is measured between n/2 and n"),
    )
    ax = plot_convergence(table, ax=new_axes())
    run.add(figure(run, "convergence-exp.png", ax.figure,
                   "Error against the number of strips n on log-log axes, with reference lines of slope -1 (Riemann), "
                   "-2 (midpoint, trapezoid) and -4 (Simpson)"))
    run.add(*(Code(source, language="python") for source in EXAMPLES))
    run.add(Code('calcml integrate "3x^2 - 4x"\ncalcml integrate "exp(x)" --from 0 --to 1 --table', language="shell"))
    run.add(*errata_for(NUMBER))


# Worked examples as self-contained Python (each runs on its own in a fresh kernel):
# the lesson's notebook runs them as code cells; the report and the terminal show them.
EXAMPLES = (
"""\
import numpy as np

import calcml
from calcml.plots.figures import running_sum_figure

for text in ("2x", "3x^2 - 4x"):  # the worked example, then the task
    # Symbolic, and verified by differentiating it.
    anti = calcml.antiderivative(text)
    print(f"f(x) = {text}:  F(x) = {anti.antiderivative} + C",
          f"(verified: {anti.verified})")
    f = calcml.to_function(anti.expression, ["x"])
    F = calcml.to_function(anti.antiderivative, ["x"])
    # The running sum by the cumulative trapezoid rule.
    running = calcml.cumulative_integral(f, -10.0, 10.0, 0.1)
    gap = np.max(np.abs(running.F - (F(running.x) - F(-10.0))))
    print(f"  largest absolute gap to F(x) - F(-10): {gap:.1e}")
    # the figure `calcml integrate TEXT --plot` draws
    ax = running_sum_figure(anti.expression, anti.antiderivative, "x", -10.0, 10.0, steps=200)
""",
"""\
import calcml
from calcml.plots import new_axes
from calcml.plots.integral import plot_convergence

# Each rule against the exact value e - 1 (from the symbolic lens).
table = calcml.convergence_table("exp(x)", 0.0, 1.0)
for row in table.rows:
    if row.n in (16, 256, 4096):
        order = "" if row.order is None else f"{row.order:.2f}"
        print(f"{row.method:>9}  n = {row.n:>4}  error {row.error:.1e}"
              f"  order {order}")
ax = plot_convergence(table, ax=new_axes())
""",
)
