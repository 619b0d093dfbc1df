"""Lesson 6: calcml.minimize and calcml.critical_points against their targets, beside the peers.

In one run:

1. Newton with line search on Rosenbrock from (-1.2, 1): |x - (1, 1)| < 1e-8 in at most 30 iterations
   (SciPy's Newton-CG, given the exact Hessian, shown beside it).
2. BFGS: calcml's iteration count within +-20% of scipy.optimize.minimize(method="BFGS") on the same
   problems, the same tolerance (gradient 2-norm <= 1e-6) and the same start.
3. Gradient descent on quadratic bowls with condition numbers 1, 10, 100, step 2/(L + mu): the step
   count matches the contraction factor (kappa - 1)/(kappa + 1) within 10%.
4. Momentum (PyTorch convention), Nesterov and Adam: trajectories equal torch.optim's step for step
   to 1e-12 over 100 steps in float64 (skipped with a message when PyTorch is not installed; the same
   for optax).
5. critical_points: 100% right on the battery of tests/test_critical.py (answers worked out by hand).

Run with ``python -m benchmarks optimize``.
"""

from __future__ import annotations

import importlib.util
import math
import time
from pathlib import Path

import numpy as np
from scipy import optimize as so

from calcml.optimize import minimize

ROSEN = "(1 - x)^2 + 100(y - x^2)^2"
X0 = [-1.2, 1.0]
ROWS: list[tuple] = []


def _row(what, measured, target, ok, peer=""):
    ROWS.append((what, measured, target, "PASS" if ok else "FAIL", peer))


def _rosen_n(n):
    names = [f"x{i}" for i in range(1, n + 1)]
    text = " + ".join(f"100({b} - {a}^2)^2 + (1 - {a})^2" for a, b in zip(names, names[1:]))
    return text, names


def newton_rosenbrock():
    t0 = time.perf_counter()
    r = minimize(ROSEN, X0, method="newton", tol=1e-10)
    t_ours = time.perf_counter() - t0
    err = float(np.linalg.norm(r.x - 1))
    t0 = time.perf_counter()
    ref = so.minimize(so.rosen, X0, jac=so.rosen_der, hess=so.rosen_hess, method="Newton-CG",
                      options={"xtol": 1e-14})
    t_ref = time.perf_counter() - t0
    peer = f"SciPy Newton-CG: {ref.nit} it, |x-1| = {np.linalg.norm(ref.x - 1):.1e}"
    _row("Newton+LS Rosenbrock: iterations", f"{r.nit}", "<= 30", r.nit <= 30, peer)
    _row("Newton+LS Rosenbrock: |x - (1,1)|", f"{err:.1e}", "< 1e-8", err < 1e-8 and r.success,
         f"time {t_ours * 1e3:.0f} ms (incl. SymPy set-up) vs SciPy {t_ref * 1e3:.0f} ms")


def bfgs_vs_scipy():
    problems = [("Rosenbrock 2-D", ROSEN, None, X0, lambda v: so.rosen(v), so.rosen_der)]
    text5, names5 = _rosen_n(5)
    problems.append(("Rosenbrock 5-D", text5, names5, [-1.2, 1.0, -1.2, 1.0, -1.2], so.rosen, so.rosen_der))
    beale = "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2"

    def beale_f(v):
        x, y = v
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2

    def beale_g(v):
        x, y = v
        a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
        return np.array([2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
                         2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y**2])

    problems.append(("Beale from (1, 1)", beale, None, [1.0, 1.0], beale_f, beale_g))
    A = np.diag(np.geomspace(1, 100, 6))
    quad = " + ".join(f"{float(A[i, i]) / 2!r}*x{i + 1}^2" for i in range(6))
    problems.append(("quadratic, 6-D, kappa 100", quad, [f"x{i + 1}" for i in range(6)], [1.0] * 6,
                     lambda v: 0.5 * v @ A @ v, lambda v: A @ v))
    for name, text, names, x0, f, g in problems:
        r = minimize(text, x0, method="bfgs", tol=1e-6, vars=names)
        ref = so.minimize(f, x0, jac=g, method="BFGS", options={"gtol": 1e-6, "norm": 2})
        ratio = r.nit / ref.nit
        same = np.allclose(r.x, ref.x, atol=1e-5)
        _row(f"BFGS {name}: iterations / SciPy's", f"{r.nit}/{ref.nit} = {ratio:.2f}", "0.80 .. 1.20",
             0.8 <= ratio <= 1.2 and r.success and same,
             f"same minimum: {same}; nfev {r.nfev} vs {ref.nfev}")


def gd_contraction():
    for kappa in (1, 10, 100):
        mu, L = 1.0, float(kappa)
        text = f"{mu / 2!r}*x^2 + {L / 2!r}*y^2"
        lr = 2 / (L + mu)
        tol = 1e-8
        r = minimize(text, [1.0, 1.0], method="gd", learning_rate=lr, tol=tol, max_iter=100_000)
        rho = (kappa - 1) / (kappa + 1)
        g0 = math.hypot(mu, L)
        # from (1, 1) both eigen-components shrink by exactly rho per step: |g_k| = rho^k |g_0|
        predicted = 1 if rho == 0 else math.ceil(math.log(tol / g0) / math.log(rho))
        ok = r.success and abs(r.nit - predicted) <= 0.1 * predicted
        measured_rho = (r.grad_norms[-1] / r.grad_norms[0]) ** (1 / r.nit) if r.nit else float("nan")
        armijo = minimize(text, [1.0, 1.0], method="gd", tol=tol, max_iter=100_000)
        _row(f"GD kappa={kappa}, lr=2/(L+mu): steps", f"{r.nit} (predicted {predicted})", "within 10%", ok,
             f"rate {measured_rho:.4f} vs {rho:.4f}; default Armijo: {armijo.nit} steps")


def _torch_paths(x0, steps, make_opt):
    import torch

    torch.set_num_threads(1)
    p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = make_opt([p])
    out = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
        loss.backward()
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


def against_pytorch():
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: the step-for-step comparison is skipped "
              "(pip install torch==2.13.0 to run it)")
        return
    steps = 100
    cases = [
        ("momentum (pytorch) lr=1e-3, beta=0.9", dict(method="momentum", learning_rate=1e-3, momentum=0.9),
         lambda ps: torch.optim.SGD(ps, lr=1e-3, momentum=0.9)),
        ("momentum (heavy_ball) lr=1e-3, beta=0.9",
         dict(method="momentum", learning_rate=1e-3, momentum=0.9, convention="heavy_ball"),
         lambda ps: torch.optim.SGD(ps, lr=1e-3, momentum=0.9)),
        ("nesterov (pytorch) lr=1e-3, beta=0.9", dict(method="nesterov", learning_rate=1e-3, momentum=0.9),
         lambda ps: torch.optim.SGD(ps, lr=1e-3, momentum=0.9, nesterov=True)),
        ("adam lr=0.05", dict(method="adam", learning_rate=0.05),
         lambda ps: torch.optim.Adam(ps, lr=0.05)),
        ("adam lr=1e-3, betas=(0.8, 0.99)", dict(method="adam", learning_rate=1e-3, betas=(0.8, 0.99)),
         lambda ps: torch.optim.Adam(ps, lr=1e-3, betas=(0.8, 0.99))),
    ]
    for name, kwargs, make in cases:
        r = minimize(ROSEN, X0, max_iter=steps, tol=1e-300, **kwargs)
        ref = _torch_paths(X0, steps, make)
        n = min(len(r.path), len(ref))
        diff = float(np.max(np.abs(r.path[:n] - ref[:n])))
        _row(f"{name}: max |x_k - torch x_k|, {steps} steps", f"{diff:.1e} ({n - 1} steps)", "<= 1e-12",
             n == steps + 1 and diff <= 1e-12, f"torch {torch.__version__}")
    try:
        import optax  # noqa: F401
    except ImportError:
        print("optax is not installed: the optax comparison is skipped")


def battery():
    path = Path(__file__).resolve().parents[1] / "tests" / "test_critical.py"
    spec = importlib.util.spec_from_file_location("_battery", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import sympy as sp

    from calcml.critical import critical_points

    right = 0
    t0 = time.perf_counter()
    wrong = []
    for text, vars, expected in mod.BATTERY:
        r = critical_points(text, vars=vars)
        got = {tuple(p.point.values()): p.kind for p in r.points}
        ok = len(got) == len(expected) and r.complete and r.numeric_check.startswith("agree")
        for pt, kind in expected.items():
            match = [k for q, k in got.items() if all(sp.simplify(a - sp.sympify(b)) == 0 for a, b in zip(q, pt))]
            ok = ok and match == [kind]
        right += ok
        if not ok:
            wrong.append(text)
    for text, vars, expected in mod.INCOMPLETE:     # complete must be False; the listed kinds must match
        r = critical_points(text, vars=vars)
        got = {tuple(p.point.values()): p.kind for p in r.points}
        ok = not r.complete
        for pt, kind in expected.items():
            match = [k for q, k in got.items() if all(sp.simplify(a - sp.sympify(b)) == 0 for a, b in zip(q, pt))]
            ok = ok and match == [kind]
        right += ok
        if not ok:
            wrong.append(text)
    n = len(mod.BATTERY) + len(mod.INCOMPLETE)
    kinds = sorted({k for _, _, e in mod.BATTERY + mod.INCOMPLETE for k in e.values()})
    _row(f"critical_points battery ({n} functions: {', '.join(kinds)}, none, incomplete)", f"{right}/{n} = {right / n:.0%}",
         "100%", right == n, f"{time.perf_counter() - t0:.1f} s" + (f"; wrong: {wrong}" if wrong else ""))


def main() -> None:
    ROWS.clear()
    newton_rosenbrock()
    bfgs_vs_scipy()
    gd_contraction()
    against_pytorch()
    battery()
    widths = [max(len(str(r[i])) for r in ROWS + [("what", "measured", "target", "", "beside")]) for i in range(5)]
    head = ("what", "measured", "target", "", "beside / note")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for r in ROWS:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    passed = sum(r[3] == "PASS" for r in ROWS)
    print(f"{passed}/{len(ROWS)} targets met")


if __name__ == "__main__":
    main()
