"""Numeric derivatives: calcml against scipy.differentiate, numdifftools and plain differences.

Every method differentiates the same functions, each chosen for a trap (a
large or tiny argument, a nearby singularity, a tiny derivative, a function
that refuses or mishandles complex input), at one point each. The exact
derivative is the analytic one evaluated by mpmath with 50 digits.

A *silent failure* is a finite answer off by more than 1e-6 (relative) that
the method did not flag: calcml and scipy flag with a status, so only their
successes count; numdifftools and the plain differences have no status, so any
finite wrong answer counts. A NaN or a flagged answer counts as *failed*.

Run with ``python -m benchmarks derivative``.
"""

from __future__ import annotations

import math
import statistics
import time
import warnings

import mpmath as mp
import numpy as np

from calcml.numeric import MAX_EVALUATIONS, numeric_derivative

mp.mp.dps = 50
SILENT = 1e-6  # relative error that makes a wrong answer count
TIME_PER_CELL = 0.02  # seconds per timing run; each (method, case) is timed 3 times, best kept

# Targets for calcml's default method, from the issue.
TARGET_EVALS = 30
TARGET_MICROSECONDS = 50.0
TARGET_MEDIAN_ERROR = 1e-13
TARGET_COMPLEX = 1e-14
TARGET_WITHIN_1E10 = 21


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# (name, f: vectorised NumPy, x0, f' for mpmath). Written with NumPy so every
# peer can call them; most therefore take complex input too. Two do not
# behave: np.logaddexp refuses complex numbers, and x*|x| accepts them but is
# not analytic, so the complex step alone would be silently wrong.
CASES = [
    ("x^20", lambda x: x**20, 10.0, lambda x: 20 * x**19),
    ("exp", np.exp, 30.0, mp.exp),
    ("exp", np.exp, -30.0, mp.exp),
    ("log", np.log, 1e-3, lambda x: 1 / x),
    ("log", np.log, 1e-7, lambda x: 1 / x),
    ("sin", np.sin, 1.0, mp.cos),
    ("sin", np.sin, 1e6, mp.cos),
    ("1/x", lambda x: 1 / x, 2.0, lambda x: -1 / x**2),
    ("1/x", lambda x: 1 / x, 1e-3, lambda x: -1 / x**2),
    ("sqrt", np.sqrt, 4.0, lambda x: 1 / (2 * mp.sqrt(x))),
    ("sqrt", np.sqrt, 1e-4, lambda x: 1 / (2 * mp.sqrt(x))),
    ("tanh", np.tanh, 0.5, lambda x: 1 / mp.cosh(x) ** 2),
    ("tanh", np.tanh, 10.0, lambda x: 1 / mp.cosh(x) ** 2),
    ("sigmoid", _sigmoid, 0.0, lambda x: mp.exp(-x) / (1 + mp.exp(-x)) ** 2),
    ("sigmoid", _sigmoid, -20.0, lambda x: mp.exp(-x) / (1 + mp.exp(-x)) ** 2),
    ("x^x", lambda x: x**x, 2.0, lambda x: x**x * (1 + mp.log(x))),
    ("x^x", lambda x: x**x, 0.1, lambda x: x**x * (1 + mp.log(x))),
    ("atan", np.arctan, 1e3, lambda x: 1 / (1 + x**2)),
    ("sin(1/x)", lambda x: np.sin(1 / x), 0.05, lambda x: -mp.cos(1 / x) / x**2),
    ("exp(-x^2/2)", lambda x: np.exp(-x * x / 2), 1.0, lambda x: -x * mp.exp(-x * x / 2)),
    ("x^2", lambda x: x * x, 1e8, lambda x: 2 * x),
    ("cos", np.cos, 1e-8, lambda x: -mp.sin(x)),
    ("softplus", lambda x: np.logaddexp(0.0, x), 2.0, lambda x: 1 / (1 + mp.exp(-x))),
    ("x*|x|", lambda x: x * np.abs(x), 1.5, lambda x: 2 * abs(x)),
]

_XS = np.linspace(0, 1, 11)

# The trap set of the trust benchmark (bench_trust.py): functions where a number can be
# silently wrong. (name, f, x0, truth): truth is the derivative at that float, 0 where a
# staircase is flat, None where there is no derivative, +-inf where it overflows.
TRAPS = [
    ("round(x, 3)", lambda x: np.round(x, 3), 0.5, 0.0),
    ("round(x, 3)", lambda x: np.round(x, 3), 0.123, 0.0),
    ("floor(64x)/64", lambda x: np.floor(64 * x) / 64, 0.3, 0.0),
    ("float32(x)", lambda x: float(np.float32(x)), 1.0 + 2.0**-30, 0.0),
    ("interp knot", lambda x: np.interp(x, _XS, _XS**2), 0.5, None),
    ("interp knot", lambda x: np.interp(x, _XS, _XS**2), 0.3, None),
    ("|x|", np.abs, 0.0, None),
    ("max(x, 2x-1)", lambda x: np.maximum(x, 2 * x - 1), 1.0, None),
    ("step", lambda x: np.where(np.real(x) < 0, 0.0, 1.0), 0.0, None),
    ("1/x", lambda x: 1 / x, 1e-308, -math.inf),
    ("1/x", lambda x: 1 / x, -1e-300, -math.inf),
    ("tan", np.tan, math.pi / 2, float(1 / mp.cos(mp.mpf(math.pi / 2)) ** 2)),
    ("tan", np.tan, 3 * math.pi / 2, float(1 / mp.cos(mp.mpf(3 * math.pi / 2)) ** 2)),
    ("sqrt", np.sqrt, 0.0, math.inf),
    ("tan", np.tan, math.pi / 2 - 1e-8, float(1 / mp.cos(mp.mpf(math.pi / 2 - 1e-8)) ** 2)),
    ("1/(x - 1e-9)", lambda x: 1 / (x - 1e-9), 0.0, -1e18),
    ("ceil(100x)/100", lambda x: np.ceil(100 * x) / 100, 0.333, 0.0),
    ("round(x, 3)", lambda x: np.round(x, 3), 1e5 + 0.1, 0.0),
    ("round(x, 3) at a jump", lambda x: np.round(x, 3), 0.0005, None),
    ("relu", lambda x: np.maximum(x, 0.0), 0.0, None),
    ("1/x^2", lambda x: 1 / x**2, 1e-110, -math.inf),
    ("interp between knots", lambda x: np.interp(x, _XS, _XS**2), 0.55, 1.1),
    ("x*|x|", lambda x: x * np.abs(x), 1.5, 3.0),
]


class Counted:
    """f that counts the points it is evaluated at (a vectorised call counts each point)."""

    def __init__(self, f):
        self.f, self.n = f, 0

    def __call__(self, x):
        self.n += int(np.size(x))
        return self.f(x)


def _calcml(method):
    def run(f, x0):
        est = numeric_derivative(f, x0, method)
        return est.value, est.ok, est.evaluations, est
    return run


def _forward(f, x0, h=1e-4):
    return (f(x0 + h) - f(x0)) / h, None, 2, None


def _central(f, x0, h=1e-6):
    return (f(x0 + h) - f(x0 - h)) / (2 * h), None, 2, None


def _peers():
    """The peers that are installed, and a line for each one that is not."""
    methods, skipped = [], []
    try:
        from scipy.differentiate import derivative as sp_derivative

        def scipy_run(f, x0):
            c = Counted(f)
            with np.errstate(all="ignore"):
                res = sp_derivative(c, x0)
            return float(res.df), bool(res.success), int(res.nfev), None
        methods.append(("scipy.differentiate", scipy_run))
    except ImportError:
        skipped.append("skipped: scipy.differentiate not available (needs scipy >= 1.15)")
    try:
        import numdifftools as nd

        def nd_run(f, x0):
            c = Counted(f)
            with np.errstate(all="ignore"):
                value = float(np.asarray(nd.Derivative(c)(x0)).reshape(()))
            return value, None, c.n, None
        methods.append(("numdifftools", nd_run))
    except ImportError:
        skipped.append("skipped: numdifftools not installed")
    return methods, skipped


def _time(run, f, x0) -> float:
    """Microseconds per call: as many calls as fit in TIME_PER_CELL, best of three such runs.

    The best of three, as timeit advises: other work on the machine only ever adds time.
    """
    best = math.inf
    for _ in range(3):
        n, t0 = 0, time.perf_counter()
        while True:
            run(f, x0)
            n += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= TIME_PER_CELL and n >= 3:
                break
        best = min(best, elapsed / n * 1e6)
    return best


def _measure(name, run, cases, exacts):
    rows = []
    for (label, f, x0, _), exact in zip(cases, exacts):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numdifftools warns about its own all-NaN steps
            value, ok, nfev, est = run(f, x0)
            us = _time(run, f, x0)
        rel = abs(value - exact) / abs(exact) if math.isfinite(value) else math.inf
        flagged = ok is False
        rows.append(dict(case=f"{label} at {x0:g}", value=value, rel=rel, ok=ok, nfev=nfev, us=us, est=est,
                         failed=not math.isfinite(value) or flagged,
                         silent=math.isfinite(value) and rel > SILENT and not flagged))
    return name, rows


def _summary_line(name, rows):
    rels = [r["rel"] for r in rows]
    median = statistics.median(rels) if rels else math.nan
    return (f"{name:22s} {median:10.1e} {max(rels):10.1e} {sum(r <= 1e-6 for r in rels):>6d} "
            f"{sum(r <= 1e-10 for r in rels):>7d} {sum(r['silent'] for r in rows):>7d} "
            f"{sum(r['failed'] for r in rows):>7d} {statistics.median(r['nfev'] for r in rows):>8.0f} "
            f"{statistics.median(r['us'] for r in rows):>9.1f}")


def _accepts_complex(f, x0) -> bool:
    try:
        with np.errstate(all="ignore"):
            y = f(complex(x0, 1e-20))
    except Exception:  # noqa: BLE001 - refusing complex input is the point here
        return False
    return np.iscomplexobj(y)


def main() -> None:
    exacts = [float(d(mp.mpf(x0))) for _, _, x0, d in CASES]
    n = len(CASES)
    methods = [("calcml default", _calcml(None)), ("calcml complex", _calcml("complex")),
               ("calcml richardson", _calcml("richardson"))]
    peers, skipped = _peers()
    methods += peers + [("forward h=1e-4", _forward), ("central h=1e-6", _central)]
    results = [_measure(name, run, CASES, exacts) for name, run in methods]

    print(f"{n} functions, exact derivatives from mpmath (50 digits). Relative errors; "
          f"'silent' = off by > {SILENT:g} and not flagged; 'failed' = NaN or flagged; evals and us/call "
          "are medians over the functions")
    for line in skipped:
        print(line)
    print()
    print(f"{'method':22s} {'median':>10s} {'worst':>10s} {'<=1e-6':>6s} {'<=1e-10':>7s} {'silent':>7s} "
          f"{'failed':>7s} {'evals':>8s} {'us/call':>9s}")
    for name, rows in results:
        print(_summary_line(name, rows))

    default = dict(results)["calcml default"]
    print("\ncalcml default, case by case:")
    print(f"{'case':22s} {'exact':>13s} {'estimate':>22s} {'rel. error':>10s} {'status':>14s} {'method':>11s} "
          f"{'evals':>5s} {'us':>7s}")
    for r, exact in zip(default, exacts):
        est = r["est"]
        print(f"{r['case']:22s} {exact:13.6g} {r['value']:22.16g} {r['rel']:10.1e} {est.status.name:>14s} "
              f"{est.method:>11s} {r['nfev']:5d} {r['us']:7.1f}")

    complex_rows = dict(results)["calcml complex"]
    applies = [r for r in complex_rows if r["ok"]]
    takes = [c for c in CASES if _accepts_complex(c[1], c[2])]
    refused = [f"{r['case']} ({r['est'].status.name}: {r['est'].message.split(';')[0]})"
               for r in complex_rows if not r["ok"]]
    print(f"\ncomplex step: {len(takes)} of {n} functions take complex input; it applied (SUCCESS) on "
          f"{len(applies)}; refused: {', '.join(refused) or 'none'}")

    rels = [r["rel"] for r in default]
    worst_evals = max(r["nfev"] for r in default)
    median_us = statistics.median(r["us"] for r in default)
    checks = [
        (f"evaluations per call <= {TARGET_EVALS}", f"max {worst_evals} (cap {MAX_EVALUATIONS})",
         worst_evals <= TARGET_EVALS),
        (f"median time per call <= {TARGET_MICROSECONDS:g} us", f"{median_us:.1f} us",
         median_us <= TARGET_MICROSECONDS),
        (f"complex step within {TARGET_COMPLEX:g} wherever it applies",
         f"worst {max((r['rel'] for r in applies), default=0.0):.1e} on {len(applies)} cases",
         all(r["rel"] <= TARGET_COMPLEX for r in applies)),
        ("every case within 1e-6", f"worst {max(rels):.1e}", max(rels) <= 1e-6),
        (f"at least {TARGET_WITHIN_1E10} of {n} within 1e-10", f"{sum(r <= 1e-10 for r in rels)} of {n}",
         sum(r <= 1e-10 for r in rels) >= TARGET_WITHIN_1E10),
        ("zero silent failures", f"{sum(r['silent'] for r in default)}", not any(r["silent"] for r in default)),
        (f"median relative error <= {TARGET_MEDIAN_ERROR:g}", f"{statistics.median(rels):.1e}",
         statistics.median(rels) <= TARGET_MEDIAN_ERROR),
    ]
    print("\ntargets for calcml's default method:")
    for what, measured, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {what:45s} {measured}")


if __name__ == "__main__":
    main()
