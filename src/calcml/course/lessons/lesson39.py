"""Day 39 practice set: symbolic differentiation, a numerical gradient, the chain rule."""

from __future__ import annotations

from ..content import sections
from ..model import Code, Formula, LessonRun, Result, Text
from ._common import num, sci

NUMBER = 39
TITLE = "Day 39 practice set: calculus"
SUMMARY = "A polynomial's derivative, the gradient of x^2 y + y^3 at (2, 3), and the chain rule on (2x+1)^2."


def build(run: LessonRun) -> None:
    from ... import derivative
    from .. import day39
    from ...symbolic import to_latex
    from ...testing import agree

    text = sections("lesson39")
    run.add(Text(text["intro"]), Text(text["symbolic"]))
    poly, deriv = day39.symbolic_derivative()
    run.add(Formula(f"\\frac{{d}}{{dx}}\\left({to_latex(poly)}\\right) = {to_latex(deriv)}", expr=deriv))

    run.add(Text(text["gradient"]))
    grad = day39.numerical_gradient()
    seed_style = day39.forward_difference_gradient()
    exact = (12.0, 31.0)
    run.add(
        Formula("\\nabla f(x, y) = (2xy,\\; x^2 + 3y^2)", label="by the rules"),
        Result("calcml's numeric gradient at (2, 3)", f"({num(grad[0])}, {num(grad[1])})", ok=agree(grad, exact)),
        Result("its largest error", sci(max(abs(grad[0] - 12.0), abs(grad[1] - 31.0)))),
        Result("the practice set's forward difference (step 1e-6)",
               f"({num(seed_style[0])}, {num(seed_style[1])}), largest error "
               f"{sci(max(abs(seed_style[0] - 12.0), abs(seed_style[1] - 31.0)))}"),
    )

    run.add(Text(text["chain"]))
    comp, dcomp = day39.chain_rule_derivative()
    run.add(
        Formula(f"y = (2x + 1)^2 = {to_latex(comp)}", expr=comp),
        Formula(f"\\frac{{dy}}{{dx}} = {to_latex(dcomp)}", expr=dcomp),
        Result("calcml.derivative('(2x+1)^2'), by the chain rule", str(derivative("(2x+1)^2").derivative)),
        Code("from calcml.course import day39\nday39.numerical_gradient()   # array([12., 31.])", language="python"),
    )
    run.add(*(Code(source, language="python") for source in EXAMPLES))


# Worked examples as self-contained Python (each runs on its own in a fresh kernel):
# the lesson's notebook runs them as code cells; the report and the terminal show them.
EXAMPLES = (
"""\
import calcml
from calcml.course import day39

polynomial, derivative = day39.symbolic_derivative()
print("d/dx", polynomial, "=", derivative)
# Exact: (12, 31); three lenses.
r = calcml.gradient("x^2*y + y^3", at=(2.0, 3.0))
print("gradient at (2, 3):", r.lenses["numeric"].value, " agree:", r.agree)
composite, chain = day39.chain_rule_derivative()
print("y =", composite, "  dy/dx =", chain)
""",
)
