"""Lesson 7: the support vector machine as constrained optimisation; the multipliers are the alphas."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..content import errata_for, sections
from ..model import Code, Formula, LessonRun, Result, Table, Text
from ._common import figure, num, sci

NUMBER = 7
TITLE = "Support vector machine"
SUMMARY = ("The widest-margin line as a constrained optimisation problem: its Lagrangian, primal, dual and "
           "SLSQP's multipliers coinciding, the KKT table, soft margins and the answer to the six-point 'why'.")

THREE_X = [[0, 0], [1, 2], [2, 1]]
THREE_Y = [-1, 1, 1]
SIX_X = THREE_X + [[-1, -1], [-3, -1], [3, 3]]
SIX_Y = THREE_Y + [-1, -1, 1]
SWEEP_C = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)


def overlapping_blobs(seed: int = 0, n: int = 40):
    """Two Gaussian clouds that overlap a little: no line separates them (for the soft margin)."""
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal([-1.0, -0.5], 0.9, size=(n // 2, 2)), rng.normal([1.0, 0.8], 0.9, size=(n // 2, 2))])
    y = np.repeat([-1, 1], n // 2)
    return X, y


def _frac(x: float) -> str:
    f = Fraction(float(x)).limit_denominator(1000)
    return f"{f}" if abs(float(f) - x) < 1e-12 else num(x, 12)


def _small(x: float) -> str:
    return "0" if x == 0 else sci(x)


def _vec(a) -> str:
    return "(" + ", ".join(_frac(v) for v in np.ravel(a)) + ")"


def _kkt_rows(model, X, y) -> tuple:
    k = model.kkt_
    return tuple((f"({X[i][0]:g}, {X[i][1]:g})", f"{y[i]:+d}", num(k.functional_margin[i], 10),
                  _frac(k.alpha[i]), sci(k.complementary_slackness[i]), k.label(i)) for i in range(len(y)))


_KKT_COLUMNS = ("point", "y", "y f(x)", "alpha", "alpha (y f(x) - 1)", "label")


def build(run: LessonRun) -> None:
    from ... import gradient
    from ...plots.svm import plot_c_sweep, plot_svm
    from ...svm import LinearSVM, compare_sklearn

    text = sections("lesson07")
    run.add(Text(text["intro"]))
    run.add(Formula(r"\operatorname{dist}\big((x_0, y_0),\ ax + by + c = 0\big) = \frac{|a x_0 + b y_0 + c|}{\sqrt{a^2 + b^2}}",
                    label="distance from a point to a line"))
    run.add(Text(text["problem"]))
    run.add(Formula(r"\min_{w, b}\ \frac{1}{2} \lVert w \rVert^2 \quad \mathrm{subject\ to} \quad y_i\,(w \cdot x_i + b) \ge 1,\ i = 1, \dots, n",
                    label="the hard-margin SVM (primal)"))

    # --- the three points --------------------------------------------------------------------------
    m3 = LinearSVM(solver="slsqp").fit(THREE_X, THREE_Y)
    w, b = m3.coef_[0], float(m3.intercept_[0])
    run.add(Result("line (SLSQP, the lesson's route)", f"{_frac(w[0])} x + {_frac(w[1])} y + ({_frac(b)}) = 0"))
    run.add(Result("alpha (multipliers, 1/2 |w|^2 convention)", _vec(m3.alpha_)))
    run.add(Result("margin 2/|w|", f"{num(m3.margin_, 15)}  (3/sqrt(2) = {num(3 / math.sqrt(2), 15)})",
                   ok=abs(m3.margin_ - 3 / math.sqrt(2)) < 1e-9))
    run.add(Code(
        "from calcml.svm import LinearSVM\n\n"
        "X, y = [[0, 0], [1, 2], [2, 1]], [-1, 1, 1]\n"
        "svm = LinearSVM(solver='slsqp').fit(X, y)   # the lesson's route: the primal by SLSQP\n"
        "print('w =', svm.coef_[0], ' b =', svm.intercept_[0])     # (2/3, 2/3), -1\n"
        "print('alpha =', svm.alpha_)                             # (4/9, 2/9, 2/9)\n"
        "print('margin =', svm.margin_, '= 3/sqrt(2)')", language="python"))
    ax = plot_svm(m3, THREE_X, THREE_Y)
    run.add(figure(run, "three-points.png", ax.figure,
                   "The three points, the line f = 0 and the margin lines f = -1 and f = +1 (contours of "
                   "the fitted f); all three points are support vectors and lie on their margin lines."))
    run.add(Code(
        "from calcml.svm import LinearSVM\nfrom calcml.plots.svm import plot_svm\n\n"
        "X, y = [[0, 0], [1, 2], [2, 1]], [-1, 1, 1]\n"
        "ax = plot_svm(LinearSVM().fit(X, y), X, y)\nax", language="python"))

    # --- the Lagrangian ------------------------------------------------------------------------------
    run.add(Text(text["lagrangian"]))
    L = "a^2 + b^2 - l1*(-c - 1) - l2*(a + 2*b + c - 1) - l3*(2*a + b + c - 1)"
    G = gradient(L, vars=["a", "b", "c", "l1", "l2", "l3"])
    names = ("a", "b", "c", "\\lambda_1", "\\lambda_2", "\\lambda_3")
    run.add(Formula(r"L(a, b, c, \lambda) = a^2 + b^2 - \lambda_1(-c - 1) - \lambda_2(a + 2b + c - 1) - \lambda_3(2a + b + c - 1)",
                    label="the lesson's Lagrangian, constraints g_i >= 0 subtracted"))
    from ...symbolic import to_latex

    run.add(Formula(r" \\ ".join(f"\\partial L/\\partial {v} = {to_latex(e)} = 0"
                                   for v, e in zip(names[:3], G.expressions[:3])),
                    label="stationarity (calcml's symbolic gradient; l_i stands for lambda_i)"))
    lam = 2 * m3.alpha_  # the lesson's objective a^2 + b^2 = |w|^2 has multipliers 2 alpha
    filled = (f"a^2 + b^2 - ({_frac(lam[0])})*(-c - 1) - ({_frac(lam[1])})*(a + 2*b + c - 1)"
              f" - ({_frac(lam[2])})*(2*a + b + c - 1)")
    check = gradient(filled, at=(w[0], w[1], b), vars=["a", "b", "c"])
    worst = max(float(np.abs(a.value).max()) for a in check.lenses.values())
    run.add(Result("lambda = 2 alpha for a^2 + b^2", _vec(lam)))
    run.add(Result("grad_(a,b,c) L at the fitted line, three lenses", f"all within {_small(worst)} of 0",
                   ok=bool(check.agree) and worst < 1e-9))

    run.add(Text(text["dual"]))
    run.add(Formula(r"\max_{\alpha \ge 0}\ \sum_i \alpha_i - \frac{1}{2} \Bigl\| \sum_i \alpha_i y_i x_i \Bigr\|^2 \quad \mathrm{subject\ to} \quad \sum_i \alpha_i y_i = 0",
                    label="the dual"))
    mq = LinearSVM(solver="qp").fit(THREE_X, THREE_Y)
    ms = m3
    rows = tuple((f"({THREE_X[i][0]}, {THREE_X[i][1]})", num(ms.alpha_[i], 15), num(mq.alpha_[i], 15),
                  _frac(ms.alpha_[i])) for i in range(3))
    run.add(Table(("point", "alpha by SLSQP (primal)", "alpha by Clarabel (dual)", "as a fraction"), rows,
                  caption="Primal multipliers and dual variables coincide"))
    gap = float(np.abs(ms.alpha_ - mq.alpha_).max())
    run.add(Result("largest difference, SLSQP vs QP", _small(gap), ok=gap < 1e-9))
    run.add(Result("sum alpha = |w|^2 = 8/9", f"{num(mq.alpha_.sum(), 15)} = {num(float(mq.coef_[0] @ mq.coef_[0]), 15)}",
                   ok=bool(abs(mq.alpha_.sum() - 8 / 9) < 1e-9)))
    run.add(Result("KKT residuals (largest)", _small(mq.kkt_residuals_.max), ok=mq.kkt_residuals_.max < 1e-9))
    run.add(Code(
        "from calcml.svm import LinearSVM\n\n"
        "X, y = [[0, 0], [1, 2], [2, 1]], [-1, 1, 1]\n"
        "primal = LinearSVM(solver='slsqp').fit(X, y)   # multipliers of the primal (SciPy's SLSQP)\n"
        "dual = LinearSVM(solver='qp').fit(X, y)        # the dual QP (Clarabel)\n"
        "print(primal.alpha_, dual.alpha_)\n"
        "print(dual.kkt_residuals_)", language="python"))

    # --- distances -----------------------------------------------------------------------------------
    run.add(Text(text["distance"]))
    X3 = np.asarray(THREE_X, float)
    dist = np.abs(X3 @ w + b) / np.linalg.norm(w)
    run.add(Table(("point", "|a x0 + b y0 + c| / sqrt(a^2 + b^2)", "margin / 2"),
                  tuple((f"({p[0]}, {p[1]})", num(d, 15), num(m3.margin_ / 2, 15)) for p, d in zip(THREE_X, dist)),
                  caption="Every support vector is half a margin away from the line"))
    run.add(Result("distances equal margin/2 = 1/|w|", "yes" if np.allclose(dist, m3.margin_ / 2, atol=1e-12) else "NO",
                   ok=bool(np.allclose(dist, m3.margin_ / 2, atol=1e-12))))

    # --- the six points ------------------------------------------------------------------------------
    run.add(Text(text["six"]))
    m6 = LinearSVM().fit(SIX_X, SIX_Y)
    same = bool(np.allclose(m6.coef_, m3.coef_, atol=1e-9) and abs(m6.intercept_[0] - b) < 1e-9)
    run.add(Result("six points: line", f"{_frac(m6.coef_[0][0])} x + {_frac(m6.coef_[0][1])} y + ({_frac(m6.intercept_[0])}) = 0"
                   + ("  (the same line)" if same else "  (a DIFFERENT line)"), ok=same))
    run.add(Table(_KKT_COLUMNS, _kkt_rows(m6, SIX_X, SIX_Y), caption="The KKT table of the six points"))
    zero = bool(np.all(m6.alpha_[3:] == 0) and np.all(m6.kkt_.functional_margin[3:] > 1))
    run.add(Result("new points: alpha = 0 and y f(x) > 1", "yes" if zero else "NO", ok=zero))
    run.add(Code(
        "from calcml.svm import LinearSVM\n\n"
        "X = [[0, 0], [1, 2], [2, 1], [-1, -1], [-3, -1], [3, 3]]\ny = [-1, 1, 1, -1, -1, 1]\n"
        "svm = LinearSVM().fit(X, y)\n"
        "print(svm.coef_, svm.intercept_)        # the same line as with three points\n"
        "for row in svm.kkt_.to_records():\n"
        "    print(row['index'], round(row['functional_margin'], 6), round(row['alpha'], 6), row['label'])",
        language="python"))
    run.add(Text(text["why"]))

    # --- soft margin ---------------------------------------------------------------------------------
    run.add(Text(text["soft"]))
    run.add(Formula(r"\min_{w, b, \xi}\ \frac{1}{2} \lVert w \rVert^2 + C \sum_i \xi_i \quad \mathrm{subject\ to} \quad y_i\,(w \cdot x_i + b) \ge 1 - \xi_i,\ \ \xi_i \ge 0",
                    label="the soft-margin SVM; in the dual, 0 <= alpha_i <= C"))
    Xb, yb = overlapping_blobs()
    try:
        LinearSVM().fit(Xb, yb)
        hard_msg = "fitted (unexpected: these clouds overlap)"
        hard_ok = False
    except Exception as err:  # NotSeparableError, shown as the learner would see it
        hard_msg = str(err).split(";")[0]
        hard_ok = True
    run.add(Result("hard margin on the overlapping clouds", hard_msg, ok=hard_ok))
    fits = [LinearSVM(C=C).fit(Xb, yb) for C in SWEEP_C]
    rows = []
    for C, f in zip(SWEEP_C, fits):
        rows.append((f"{C:g}", num(f.margin_, 6), str(len(f.support_)), num(f.slack_.sum(), 6),
                     str(int(np.sum(f.kkt_.functional_margin < 0))), num(f.alpha_.max(), 6),
                     _small(f.kkt_residuals_.max)))
    run.add(Table(("C", "margin 2/|w|", "support vectors", "total slack", "misclassified", "max alpha",
                   "KKT residual"), tuple(rows), caption="Soft margin on 40 overlapping points: the sweep over C"))
    bounds_ok = bool(all(f.alpha_.min() >= 0 and f.alpha_.max() <= C for C, f in zip(SWEEP_C, fits)))
    run.add(Result("0 <= alpha_i <= C for every C", "yes" if bounds_ok else "NO", ok=bounds_ok))
    axes = plot_c_sweep(SWEEP_C, [f.margin_ for f in fits], [len(f.support_) for f in fits],
                        [f.slack_.sum() for f in fits])
    run.add(figure(run, "c-sweep.png", axes[0].figure,
                   "Soft margin over C: the margin narrows and the support vectors thin out as C grows; "
                   "the total slack falls."))
    ax = plot_svm(fits[2], Xb, yb, annotate_alpha=False, title=f"C = {SWEEP_C[2]:g}: soft margin")
    run.add(figure(run, "soft-margin.png", ax.figure,
                   "C = 1: points inside the band or on the wrong side are support vectors with slack."))
    run.add(Code(
        "import numpy as np\nfrom calcml.svm import LinearSVM\nfrom calcml.plots.svm import plot_c_sweep\n\n"
        "rng = np.random.default_rng(0)\n"
        "X = np.vstack([rng.normal([-1.0, -0.5], 0.9, size=(20, 2)), rng.normal([1.0, 0.8], 0.9, size=(20, 2))])\n"
        "y = np.repeat([-1, 1], 20)\n"
        "Cs = [0.01, 0.1, 1, 10, 100, 1000, 10000]\n"
        "fits = [LinearSVM(C=C).fit(X, y) for C in Cs]\n"
        "for C, f in zip(Cs, fits):\n"
        "    print(C, round(f.margin_, 4), len(f.support_), round(f.slack_.sum(), 4))\n"
        "axes = plot_c_sweep(Cs, [f.margin_ for f in fits], [len(f.support_) for f in fits],\n"
        "                    [f.slack_.sum() for f in fits])\naxes[0].figure", language="python"))

    # --- scikit-learn --------------------------------------------------------------------------------
    run.add(Text(text["sklearn"]))
    c = compare_sklearn(LinearSVM(), SIX_X, SIX_Y)
    run.add(Table(("scikit-learn SVC", "calcml LinearSVM", "meaning", "relative difference"),
                  tuple((t, o, mng, "-" if math.isnan(d) else sci(d)) for t, o, mng, d in c.rows),
                  caption=f"The Rosetta stone (SVC needs a finite C: C = {c.sklearn_C:.4g}, ten times the largest "
                          "alpha, so no alpha reaches C and its answer is the hard-margin one)"))
    run.add(Result("SVC and LinearSVM agree", f"largest difference {sci(c.max_difference)}",
                   ok=c.max_difference < 1e-5))
    run.add(Code(
        "from calcml.svm import LinearSVM, compare_sklearn\n\n"
        "X = [[0, 0], [1, 2], [2, 1], [-1, -1], [-3, -1], [3, 3]]\ny = [-1, 1, 1, -1, -1, 1]\n"
        "print(compare_sklearn(LinearSVM(), X, y))", language="python"))
    run.add(Code('calcml svm --points "0,0:-1 1,2:+1 2,1:+1"\n'
                 'calcml svm --points "0,0:-1 1,2:+1 2,1:+1 -1,-1:-1 -3,-1:-1 3,3:+1" --json\n'
                 'calcml svm --csv points.csv --C 1 --plot svm.png', language="shell"))
    run.add(Text(text["exercises"]))
    run.add(*errata_for(NUMBER))
