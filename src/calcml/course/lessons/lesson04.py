"""Lesson 4: the Jacobian of a vector function, the Hessian, and the three-sigmoid task."""

from __future__ import annotations

import numpy as np

from ..content import errata_for, sections
from ..model import Code, Formula, LessonRun, Result, Text
from ._common import num

NUMBER = 4
TITLE = "Jacobian"
SUMMARY = "The Jacobian matrix of a vector function three ways, the Hessian, and the Jacobian of three sigmoid units."

SIGMOIDS = ("sigmoid(p*x + q*y)", "sigmoid(r*x + s*y)", "sigmoid(t*x + u*y)")


def _matrix_latex(rows) -> str:
    from ...symbolic import to_latex

    body = " \\\\ ".join(" & ".join(to_latex(e) for e in row) for row in rows)
    return f"\\begin{{bmatrix}} {body} \\end{{bmatrix}}"


def _numbers(a) -> str:
    a = np.asarray(a)
    return "[" + "; ".join(", ".join(num(v, 10) for v in row) for row in a) + "]"


def _lenses(r, where: str) -> list:
    """Each lens's matrix at the point `where` (e.g. "(x, y) = (2, 3)"), and whether they agree."""
    out = [Result(f"{name} lens at {where}", _numbers(a.value) if a.value is not None else a.message, ok=a.ok)
           for name, a in r.lenses.items()]
    out.append(Result("the three lenses agree", "yes" if r.agree else "NO", ok=bool(r.agree)))
    return out


def build(run: LessonRun) -> None:
    from ... import hessian, jacobian
    from ...symbolic import evaluate
    from ...testing import agree

    text = sections("lesson04")
    run.add(Text(text["intro"]), Text(text["example"]))
    J = jacobian(["2*x*y", "x^2*y"])
    run.add(Formula(f"J = {_matrix_latex(J.expressions)}", label="by the rules"))
    run.add(*_lenses(jacobian(["2*x*y", "x^2*y"], at=(1.0, 2.0)), "(x, y) = (1, 2)"))

    run.add(Text(text["hessian"]))
    H = hessian("x^2*y + y^3")
    run.add(Formula(f"H = {_matrix_latex(H.expressions)}", label="Hessian of x^2 y + y^3"))
    run.add(*_lenses(hessian("x^2*y + y^3", at=(2.0, 3.0)), "(x, y) = (2, 3)"))

    run.add(Text(text["task"]))
    S = jacobian(list(SIGMOIDS), vars=["x", "y"])
    run.add(Formula(f"J = {_matrix_latex(S.expressions)}", label="by the chain rule"))
    # Verify at random constants and a random point: the symbolic matrix (evaluated) against the
    # numeric and automatic lenses on the same function with the constants filled in.
    rng = np.random.default_rng(4)
    consts = dict(zip("pqrstu", (float(c) for c in np.round(rng.uniform(-2, 2, 6), 3))))
    point = tuple(float(c) for c in np.round(rng.uniform(-1, 1, 2), 3))
    # The constants are bound by substitution into the parsed expressions (exact decimals),
    # never by editing the text.
    import sympy as sp

    from ...expressions import parse

    parsed = [parse(s) for s in SIGMOIDS]
    binding = {sym: sp.Rational(repr(consts[sym.name])) for e in parsed for sym in e.free_symbols
               if sym.name in consts}
    R = jacobian([e.subs(binding) for e in parsed], at=point, vars=["x", "y"])
    syms = {sym.name: sym for row in S.expressions for e in row for sym in e.free_symbols}
    order = [syms[n] for n in ("x", "y", *consts) if n in syms]
    exact = evaluate(S.expressions, order, [point[0], point[1], *[consts[s.name] for s in order[2:]]])
    run.add(Result("random constants", ", ".join(f"{k} = {v:g}" for k, v in consts.items())
                   + f"; point (x, y) = ({point[0]:g}, {point[1]:g})"))
    run.add(Result(f"symbolic matrix, evaluated at (x, y) = ({point[0]:g}, {point[1]:g})", _numbers(exact)))
    run.add(*_lenses(R, f"(x, y) = ({point[0]:g}, {point[1]:g})"))
    run.add(Result("symbolic matrix agrees with the numeric lens",
                   "yes" if agree(R.lenses["numeric"].value, exact) else "NO",
                   ok=bool(agree(R.lenses["numeric"].value, exact))))
    run.add(*(Code(source, language="python") for source in EXAMPLES))
    run.add(Code('calcml jacobian "2*x*y" "x^2*y"\ncalcml hessian "x^2*y + y^3" --at 2,3', language="shell"))
    run.add(*errata_for(NUMBER))


# Worked examples as self-contained Python (each runs on its own in a fresh kernel):
# the lesson's notebook runs them as code cells; the report and the terminal show them.
EXAMPLES = (
"""\
import calcml

J = calcml.jacobian(["2*x*y", "x^2*y"])  # by the rules
print("J =", J.expressions)
# Three lenses at (x, y) = (1, 2).
at_point = calcml.jacobian(["2*x*y", "x^2*y"], at=(1.0, 2.0))
for name, lens in at_point.lenses.items():
    print(f"{name:>9} lens at (1, 2): {lens.value.tolist()}")
# The Hessian, the Jacobian of the gradient, at (x, y) = (2, 3).
H = calcml.hessian("x^2*y + y^3", at=(2.0, 3.0))
print("Hessian at (2, 3):", H.lenses["symbolic"].value.tolist())
print("the three lenses agree:", H.agree)
""",
)
