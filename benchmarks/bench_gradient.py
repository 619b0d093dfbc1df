"""Numeric gradients: calcml's ``numeric_gradient`` against ``scipy.optimize.approx_fprime``.

The function is the Rosenbrock function of N variables, written as a plain
NumPy function of one 1-D array (so it accepts complex input), at a fixed
random point. The truth is the hand-written Rosenbrock gradient evaluated in
extended precision (``np.longdouble``), so that its own rounding does not blur
the comparison.

- calcml (default method): the complex step, one complex evaluation per
  coordinate plus four real ones for the random-direction cross-check.
- scipy's approx_fprime with its default step (sqrt(eps)): forward differences,
  one real evaluation per coordinate.

Times are medians over repeats (the two methods interleaved, so that a busy
machine slows both alike). The error is ``max_j |g_j - t_j| / max(|t_j|, 1)``.

A second table uses a Rosenbrock with ``np.abs(1 - x)**2`` in place of
``(1 - x)**2``: the same values on real input, but not complex-analytic, so
the complex step would be silently wrong. calcml's cross-check catches that and
falls back to Richardson-extrapolated central differences per coordinate; the
table shows what that costs, at a smaller N.

Run with ``python -m benchmarks gradient``.
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np

from calcml.finite_diff_nd import numeric_gradient

N = 1000
N_SMALL = 50
SEED = 2024
REPEATS = 15

# Targets from the issue, for calcml's default method at N = 1000.
TARGET_TIME_RATIO = 2.0      # calcml time / approx_fprime time, at most
TARGET_ERROR_RATIO = 1000.0  # approx_fprime error / calcml error, at least


def rosen(x):
    """The Rosenbrock function, sum of 100 (x[j+1] - x[j]^2)^2 + (1 - x[j])^2."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosen_abs(x):
    """The same values on real input; np.abs makes it non-analytic (complex step unusable)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + np.abs(1.0 - x[:-1]) ** 2)


def rosen_grad(x):
    """The gradient by hand, in extended precision."""
    x = np.asarray(x, dtype=np.longdouble)
    g = np.zeros_like(x)
    inner = x[1:] - x[:-1] ** 2
    g[:-1] += -400 * x[:-1] * inner - 2 * (1 - x[:-1])
    g[1:] += 200 * inner
    return g


def _error(g, truth) -> float:
    g = np.asarray(g, dtype=np.longdouble)
    return float(np.max(np.abs(g - truth) / np.maximum(np.abs(truth), 1)))


def _time(fn, repeats):
    return statistics.median(_once(fn) for _ in range(repeats))


def _once(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _compare(f, x, repeats):
    """Run both methods on f at x; return {name: (seconds per gradient, error, evaluations, note)}."""
    from scipy.optimize import approx_fprime

    truth = rosen_grad(x)
    calls = {"n": 0}

    def counted(v):
        calls["n"] += 1
        return f(v)

    ours = numeric_gradient(f, x)
    calls["n"] = 0
    approx_fprime(x, counted)
    scipy_evals = calls["n"]
    theirs = approx_fprime(x, f)
    # interleave the timings: a slow moment on a shared machine then hits both
    t_ours, t_theirs = [], []
    for _ in range(repeats):
        t_ours.append(_once(lambda: numeric_gradient(f, x)))
        t_theirs.append(_once(lambda: approx_fprime(x, f)))
    return {
        "calcml numeric_gradient": (statistics.median(t_ours), _error(ours.value, truth), ours.evaluations,
                                    f"{ours.method}, {ours.status.name}"),
        "scipy approx_fprime": (statistics.median(t_theirs), _error(theirs, truth), scipy_evals,
                                "forward, h = sqrt(eps)"),
    }


def _table(title, rows):
    print(title)
    print(f"  {'method':26s} {'ms/gradient':>11s} {'max rel. error':>14s} {'evals':>7s}  route")
    for name, (sec, err, evals, note) in rows.items():
        print(f"  {name:26s} {sec * 1e3:11.2f} {err:14.2e} {evals:7d}  {note}")


def main() -> None:
    warnings.simplefilter("ignore", RuntimeWarning)
    rng = np.random.default_rng(SEED)
    x = rng.uniform(-2.0, 2.0, N)
    rows = _compare(rosen, x, REPEATS)
    _table(f"Rosenbrock, N = {N}, point uniform in [-2, 2] (seed {SEED}); median of {REPEATS} runs", rows)

    t_ours, e_ours, _, _ = rows["calcml numeric_gradient"]
    t_theirs, e_theirs, _, _ = rows["scipy approx_fprime"]
    time_ratio = t_ours / t_theirs
    error_ratio = e_theirs / e_ours if e_ours > 0 else float("inf")
    print("\ntargets at N = 1000 (calcml default vs approx_fprime default):")
    print(f"  {'PASS' if time_ratio <= TARGET_TIME_RATIO else 'FAIL'}  time ratio calcml / scipy "
          f"<= {TARGET_TIME_RATIO:g}{'':14s} {time_ratio:.2f}")
    print(f"  {'PASS' if error_ratio >= TARGET_ERROR_RATIO else 'FAIL'}  error ratio scipy / calcml "
          f">= {TARGET_ERROR_RATIO:g}{'':11s} {error_ratio:.3g}")

    xs = rng.uniform(-2.0, 2.0, N_SMALL)
    small = _compare(rosen, xs, REPEATS)
    fallback = _compare(rosen_abs, xs, 5)
    print()
    _table(f"Rosenbrock, N = {N_SMALL} (the complex step applies)", small)
    print()
    _table(f"Rosenbrock with np.abs(1 - x)**2, N = {N_SMALL} (not complex-analytic: calcml falls back)", fallback)
    t_fb = fallback["calcml numeric_gradient"][0]
    print(f"\n  the fallback costs {t_fb / small['calcml numeric_gradient'][0]:.0f}x calcml's complex-step time "
          f"and {t_fb / fallback['scipy approx_fprime'][0]:.0f}x approx_fprime's, for "
          f"{fallback['scipy approx_fprime'][1] / max(fallback['calcml numeric_gradient'][1], 1e-300):.2g}x "
          "smaller error than approx_fprime")


if __name__ == "__main__":
    main()
