"""The linear SVM: calcml's LinearSVM against scikit-learn's SVC and an independent QP solution.

Data: two-dimensional points drawn uniformly from a square, labelled by the side of a fixed
line, with a band around the line left empty (separable); for the soft margin, overlapping
Gaussian clouds. Everything is measured in this one run:

1. n = 1e5 (hard margin): ``LinearSVM().fit`` time against ``SVC(kernel="linear")``, which
   gets C = 10 x the largest hard-margin multiplier (so its problem is the hard-margin problem
   and no alpha reaches C) and its default tol; coef_/intercept_ against a reference solved
   independently: the PRIMAL QP over all n points by Clarabel with tolerances 1e-12 (no working
   set, no polishing); the KKT residuals.
2. n = 1e6 (hard margin): the time of ``LinearSVM().fit``.
3. 50 random separable sets, 10 <= n <= 200: the primal by SLSQP (its multipliers rescaled),
   the dual by Clarabel, and the reference; largest differences in w, b and alpha, both for
   the raw solver output and for the fitted models (after the KKT polish).
4. Soft margin on 300 overlapping points, C from 1e-2 to 1e4: the objective
   1/2 |w|^2 + C sum xi against the reference's, and 0 <= alpha <= C. scikit-learn's SVC
   (tol 1e-10) in the same table for comparison.

Run with ``python -m benchmarks svm``.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np

from calcml.svm import LinearSVM
from calcml.svm import solvers

SEED = 7

TARGET_SPEED_RATIO = 0.25   # LinearSVM time / SVC time at n = 1e5, at most
TARGET_COEF = 1e-6          # |coef_ - reference|, |intercept_ - reference| at n = 1e5
TARGET_KKT = 1e-8           # largest KKT residual at n = 1e5
TARGET_TIME_1M = 2.0        # seconds for n = 1e6
TARGET_AGREE = 1e-8         # primal / dual / multipliers on the 50 small sets
TARGET_OBJECTIVE = 1e-6     # relative objective gap to the reference, soft margin


def separable(rng, n: int, gap: float = 0.05):
    w = np.array([1.0, 2.0]) / math.sqrt(5.0)
    X = rng.uniform(-1, 1, size=(int(n * 1.2) + 10, 2))
    f = X @ w - 0.1
    keep = np.abs(f) > gap
    X, f = X[keep][:n], f[keep][:n]
    return X, np.where(f > 0, 1, -1)


def overlapping(rng, n: int):
    X = np.vstack([rng.normal([-1.0, -0.5], 1.0, size=(n // 2, 2)), rng.normal([1.0, 0.8], 1.0, size=(n - n // 2, 2))])
    return X, np.repeat([-1, 1], [n // 2, n - n // 2])


def reference(X, y, C=math.inf):
    """The primal QP over all points, solved by Clarabel at tolerance 1e-12 (independent of calcml.svm)."""
    import clarabel
    import scipy.sparse as sp

    X = np.asarray(X, float)
    y = np.asarray(y, float)
    n, d = X.shape
    hard = math.isinf(C)
    nv = d + 1 + (0 if hard else n)
    P = sp.diags(np.r_[np.ones(d), np.zeros(nv - d)], format="csc")
    q = np.zeros(nv) if hard else np.r_[np.zeros(d + 1), np.full(n, C)]
    M = sp.csc_matrix(np.column_stack([y[:, None] * X, y]))
    if hard:
        A, b = -M, -np.ones(n)
    else:
        A = sp.vstack([sp.hstack([-M, -sp.identity(n)]), sp.hstack([sp.csc_matrix((n, d + 1)), -sp.identity(n)])],
                      format="csc")
        b = np.r_[-np.ones(n), np.zeros(n)]
    s = clarabel.DefaultSettings()
    s.verbose = False
    s.tol_gap_abs = s.tol_gap_rel = s.tol_feas = 1e-12
    s.tol_ktratio = 1e-10
    sol = clarabel.DefaultSolver(P, q, A.tocsc(), b, [clarabel.NonnegativeConeT(len(b))], s).solve()
    x = np.asarray(sol.x)
    return {"w": x[:d], "b": float(x[d]), "alpha": np.asarray(sol.z)[:n], "objective": float(sol.obj_val),
            "status": str(sol.status)}


def timed(fn, repeats: int = 1):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def row(what, measured, target, ok, peer=""):
    print(f"  {what:<60} {measured:>14} {target:>14} {verdict(ok):>5}  {peer}")


def header():
    print(f"  {'':<60} {'measured':>14} {'target':>14} {'':>5}")


def main() -> None:
    from sklearn.svm import SVC

    rng = np.random.default_rng(SEED)
    results = []

    # --- 1. n = 1e5 ------------------------------------------------------------------------------
    X, y = separable(rng, 100_000)
    t_ours, m = timed(lambda: LinearSVM().fit(X, y), repeats=3)
    svc_C = 10 * float(m.alpha_.max())
    t_svc, svc = timed(lambda: SVC(kernel="linear", C=svc_C).fit(X, y))
    ref = reference(X, y)
    coef_err = float(np.abs(m.coef_[0] - ref["w"]).max())
    int_err = abs(float(m.intercept_[0]) - ref["b"])
    svc_err = max(float(np.abs(svc.coef_[0] - ref["w"]).max()), abs(float(svc.intercept_[0]) - ref["b"]))
    kkt = m.kkt_residuals_.max
    print(f"1. hard margin, n = {len(y):,}, 2 features; {len(m.support_)} support vectors, "
          f"{m.n_iter_} working-set rounds; reference: Clarabel primal QP ({ref['status']})")
    header()
    ratio = t_ours / t_svc
    row("LinearSVM().fit time / SVC(kernel='linear') time", f"{ratio:.3f}", f"<= {TARGET_SPEED_RATIO}",
        ratio <= TARGET_SPEED_RATIO, f"(LinearSVM {t_ours:.3f} s, SVC C={svc_C:.3g} {t_svc:.3f} s)")
    row("max |coef_ - reference|", f"{coef_err:.1e}", f"<= {TARGET_COEF:.0e}", coef_err <= TARGET_COEF,
        f"(SVC's coef/intercept error {svc_err:.1e})")
    row("|intercept_ - reference|", f"{int_err:.1e}", f"<= {TARGET_COEF:.0e}", int_err <= TARGET_COEF)
    row("largest KKT residual", f"{kkt:.1e}", f"<= {TARGET_KKT:.0e}", kkt <= TARGET_KKT,
        "(" + ", ".join(f"{k} {v:.1e}" for k, v in m.kkt_residuals_.to_dict().items()) + ")")
    results += [ratio <= TARGET_SPEED_RATIO, coef_err <= TARGET_COEF, int_err <= TARGET_COEF, kkt <= TARGET_KKT]

    # --- 2. n = 1e6 ------------------------------------------------------------------------------
    X, y = separable(rng, 1_000_000)
    t_1m, m = timed(lambda: LinearSVM().fit(X, y), repeats=3)
    print(f"\n2. hard margin, n = {len(y):,}: {len(m.support_)} support vectors, {m.n_iter_} working-set rounds")
    header()
    row("LinearSVM().fit time (s)", f"{t_1m:.3f}", f"<= {TARGET_TIME_1M}", t_1m <= TARGET_TIME_1M,
        f"(largest KKT residual {m.kkt_residuals_.max:.1e})")
    results.append(t_1m <= TARGET_TIME_1M)

    # --- 3. primal, dual, multipliers on 50 small sets ----------------------------------------------
    raw = {"w": 0.0, "b": 0.0, "alpha": 0.0}
    fitted = {"w": 0.0, "b": 0.0, "alpha": 0.0}
    vs_ref = 0.0
    t_slsqp = t_qp = 0.0
    for _ in range(50):
        n = int(rng.integers(10, 201))
        X, y = separable(rng, n, gap=float(rng.uniform(0.01, 0.2)))
        if len(set(y.tolist())) < 2:
            continue
        ys = y.astype(float)
        G = ys[:, None] * X
        w1, b1, a1 = solvers.solve_slsqp(G, ys, math.inf)
        w2, b2, a2 = solvers.solve_qp(G, ys, math.inf)
        scale = max(1.0, float(np.abs(w2).max()), float(a2.max()))
        raw["w"] = max(raw["w"], float(np.abs(w1 - w2).max()) / scale)
        raw["b"] = max(raw["b"], abs(b1 - b2) / scale)
        raw["alpha"] = max(raw["alpha"], float(np.abs(a1 - a2).max()) / scale)
        ts, p = timed(lambda: LinearSVM(solver="slsqp").fit(X, y))
        tq, d = timed(lambda: LinearSVM(solver="qp").fit(X, y))
        t_slsqp += ts
        t_qp += tq
        fitted["w"] = max(fitted["w"], float(np.abs(p.coef_ - d.coef_).max()) / scale)
        fitted["b"] = max(fitted["b"], abs(float(p.intercept_[0] - d.intercept_[0])) / scale)
        fitted["alpha"] = max(fitted["alpha"], float(np.abs(p.alpha_ - d.alpha_).max()) / scale)
        r = reference(X, y)
        vs_ref = max(vs_ref, float(np.abs(d.alpha_ - r["alpha"]).max()) / scale,
                     float(np.abs(d.coef_[0] - r["w"]).max()) / scale)
    print(f"\n3. 50 random separable sets, 10 <= n <= 200 (differences relative to max(1, |w|, alpha)); "
          f"fits took {t_slsqp:.2f} s (SLSQP) and {t_qp:.2f} s (QP) in all")
    header()
    for key, label in (("w", "w"), ("b", "b"), ("alpha", "alpha = multipliers / dual variables")):
        ok = fitted[key] <= TARGET_AGREE
        row(f"LinearSVM slsqp vs qp: {label}", f"{fitted[key]:.1e}", f"<= {TARGET_AGREE:.0e}", ok,
            f"(raw solver output before the KKT polish: {raw[key]:.1e})")
        results.append(ok)
    print(f"  {'(for comparison) LinearSVM qp vs the reference primal QP':<60} {vs_ref:>14.1e}")

    # --- 4. soft margin over C ---------------------------------------------------------------------
    X, y = overlapping(rng, 300)
    print("\n4. soft margin, 300 overlapping points: relative objective gap to the reference primal QP")
    print(f"  {'C':>8} {'LinearSVM gap':>14} {'SVC gap':>12} {'min alpha':>10} {'max alpha / C':>14} "
          f"{'SVs':>5} {'time (s)':>9} {'SVC (s)':>8}  verdict (gap <= {TARGET_OBJECTIVE:.0e}, 0 <= alpha <= C)")
    ys = np.where(y > 0, 1.0, -1.0)
    for C in (1e-2, 1e-1, 1.0, 1e1, 1e2, 1e3, 1e4):
        t, m = timed(lambda: LinearSVM(C=C).fit(X, y))
        r = reference(X, y, C)
        gap = abs(m.objective_ - r["objective"]) / abs(r["objective"])
        ts, svc = timed(lambda: SVC(kernel="linear", C=C, tol=1e-10).fit(X, y))
        svc_obj = 0.5 * float(np.sum(svc.coef_ ** 2)) + C * float(np.maximum(0, 1 - ys * svc.decision_function(X)).sum())
        svc_gap = abs(svc_obj - r["objective"]) / abs(r["objective"])
        ok = gap <= TARGET_OBJECTIVE and m.alpha_.min() >= 0 and m.alpha_.max() <= C
        results.append(ok)
        print(f"  {C:>8g} {gap:>14.1e} {svc_gap:>12.1e} {m.alpha_.min():>10.1e} {m.alpha_.max() / C:>14.6f} "
              f"{len(m.support_):>5} {t:>9.3f} {ts:>8.3f}  {verdict(ok)}")

    print(f"\n{sum(results)} of {len(results)} targets met: {'ALL PASS' if all(results) else 'SOME FAIL'}")


if __name__ == "__main__":
    main()
