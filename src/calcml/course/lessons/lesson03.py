"""Lesson 3: the gradient of a function of several variables, and the direction of steepest ascent."""

from __future__ import annotations

from ..content import errata_for, sections
from ..model import Code, Formula, LessonRun, Result, Text
from ._common import figure, num

NUMBER = 3
TITLE = "Gradient of a vector function"
SUMMARY = "Partial derivatives, the gradient field, three lenses that agree, and the steepest-ascent sweep done right."

F = "x^2 + y^3"
TASK = "x^2 + y^2"


def _vec(v) -> str:
    return "(" + ", ".join(num(c, 12) for c in v) + ")"


def _lens_results(r) -> list:
    out = []
    for name, ans in r.lenses.items():
        detail = f"{_vec(ans.value)}" if ans.value is not None else ans.message
        if ans.method:
            detail += f"  [{ans.method}]"
        out.append(Result(f"{name} lens", detail, ok=ans.ok))
    out.append(Result("the three lenses agree", "yes" if r.agree else "NO", ok=bool(r.agree)))
    return out


def build(run: LessonRun) -> None:
    from ... import gradient, steepest_ascent, to_function
    from ...plots.figures import gradient_field_figure
    from ...plots.gradient import plot_direction_sweep, plot_surface
    from ...symbolic import to_latex

    text = sections("lesson03")
    run.add(Text(text["intro"]), Text(text["surface"]))
    sym = gradient(F)
    f = to_function(F, ["x", "y"])
    ax = plot_surface(f, title=f"f(x, y) = {F}")
    run.add(figure(run, "surface.png", ax.figure, f"The surface z = {F}"))
    at = (2.0, 3.0)
    # the same figure as `calcml grad TEXT --at 2,3 --plot`, drawn by the same function
    ax = gradient_field_figure(F, sym.expressions, ["x", "y"], point=at, half_width=8.0,
                               title=f"\u2207f for f = {F}")
    run.add(figure(run, "gradient-field.png", ax.figure,
                   "Contours of f and its gradient field (direction as arrows, norm as colour); in red the "
                   "gradient at (2, 3). The y-component is 3y\u00b2: compare the erratum below"))

    run.add(Text(text["three-lenses"]))
    r = gradient(F, at=at)
    run.add(Formula("\\nabla f(x, y) = (" + ",\\; ".join(to_latex(e) for e in sym.expressions) + ")",
                    label="by the rules"))
    run.add(*_lens_results(r))

    run.add(Text(text["sweep"]))
    s = steepest_ascent(F, at)
    ax = plot_direction_sweep(s, title=f"Rate of change of {F} around (2, 3)")
    run.add(figure(run, "direction-sweep.png", ax.figure,
                   "Rate of change in each direction around (2, 3): its peak is the gradient's direction and norm"))
    run.add(
        Result("best direction (counter-clockwise from +x)", f"{s.angle_deg:g}\u00b0 with rate {num(s.rate, 10)}"),
        Result("gradient direction and norm", f"{s.gradient_angle_deg:.4f}\u00b0, |\u2207f| = {num(s.gradient_norm, 10)}",
               ok=s.agree),
        Result("the course's '8.4 degrees'", f"is the same direction measured clockwise from +y: "
                                             f"90\u00b0 - {s.angle_deg:g}\u00b0 = {90 - s.angle_deg:.1f}\u00b0"),
    )

    run.add(Text(text["task"]))
    t = gradient(TASK, at=(1.0, 1.0))
    ts = steepest_ascent(TASK, (1.0, 1.0))
    run.add(*_lens_results(t))
    run.add(Result("steepest direction at (1, 1)", f"{ts.angle_deg:g}\u00b0, rate {num(ts.rate, 10)} "
                                                   f"(|\u2207f| = {num(ts.gradient_norm, 10)} = 2\u221a2)", ok=ts.agree))
    run.add(*(Code(source, language="python") for source in EXAMPLES))
    run.add(Code('calcml grad "x^2 + y^3" --at 2,3\ncalcml steepest "x^2+y^2" --at 1,1', language="shell"))
    run.add(*errata_for(NUMBER))


# Worked examples as self-contained Python (each runs on its own in a fresh kernel):
# the lesson's notebook runs them as code cells; the report and the terminal show them.
EXAMPLES = (
"""\
import calcml
from calcml.plots.figures import gradient_field_figure
from calcml.plots.gradient import plot_surface

f_text = "x^2 + y^3"
rules = calcml.gradient(f_text)  # the partial derivatives, symbolically
f = calcml.to_function(f_text, ["x", "y"])
ax = plot_surface(f, title=f"f(x, y) = {f_text}")
at = (2.0, 3.0)
r = calcml.gradient(f_text, at=at)  # symbolic, numeric, automatic
for name, lens in r.lenses.items():
    print(f"{name:>9} lens: {lens.value}")
print("the three lenses agree:", r.agree)
# the figure `calcml grad TEXT --at 2,3 --plot` draws
ax = gradient_field_figure(f_text, rules.expressions, ["x", "y"], point=at,
                           half_width=8.0, title=f"gradient of f = {f_text}")
""",
"""\
import calcml
from calcml.plots.gradient import plot_direction_sweep

# The rate of change in every direction around (2, 3).
s = calcml.steepest_ascent("x^2 + y^3", (2.0, 3.0))
print(f"steepest: {s.angle_deg:g} degrees from +x (counter-clockwise),",
      f"rate {s.rate:.10g}")
print(f"gradient: {s.gradient_angle_deg:.4f} degrees,",
      f"norm {s.gradient_norm:.10g}")
ax = plot_direction_sweep(s, title="Rate of change of x^2 + y^3 at (2, 3)")
""",
)
