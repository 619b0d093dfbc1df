"""The registry's numerically careful functions: accuracy at extreme arguments, and speed.

Accuracy: for sigmoid, softplus, log_sigmoid, log1p and expm1, the largest relative
error (in units of float64 rounding, eps = 2.2e-16) over a grid that reaches into
both tails (|x| up to 800, and down to 1e-300 where small arguments matter),
against mpmath at 60 digits. Side by side in the same run: the textbook formula in
NumPy (``1/(1+exp(-x))``, ``log(1+exp(x))``, ``log(sigmoid(x))``, ``log(1+x)``,
``exp(x)-1``), ``scipy.special`` where it has the function (expit, log_expit, log1p,
expm1; ``numpy.logaddexp(0, x)`` for softplus) and PyTorch when installed. The
first derivative by calcml.autodiff is checked the same way (against mpmath's
derivative of the exact function), with ``log(sigmoid(x))`` written the natural way.

Speed: one evaluation on 10^6 float64 numbers (best of 21), calcml's registry
evaluation against the textbook NumPy formula (what stability costs), SciPy's
single-pass ufuncs and PyTorch; and calcml.autodiff's value-and-gradient of
``sum(log_sigmoid(x))`` against PyTorch's (one thread).

Targets:
- every calcml value and autodiff slope within 4 eps (relative) of mpmath on the grid
  (a value below the smallest float counts as right when it rounds to 0);
- calcml's stable evaluation at most 2x the time of the textbook formula.

(calcml's evaluations are NumPy only: SciPy's ``expit`` is faster on big arrays,
but importing ``scipy.special`` costs about 0.3 s, which the command line avoids.)

Run with ``python -m benchmarks functions``.
"""

from __future__ import annotations

import time

import numpy as np

import calcml.autodiff as ad
from calcml.functions import functions

EPS = np.finfo(float).eps
TARGET_ULPS = 4.0
TARGET_SPEED = 2.0

GRID = np.concatenate([-np.geomspace(800, 1e-300, 80), [0.0], np.geomspace(1e-300, 800, 80)])
GRID_LOG1P = np.concatenate([-1 + np.geomspace(1e-12, 0.5, 20), -np.geomspace(0.4, 1e-300, 40), [0.0],
                             np.geomspace(1e-300, 1e300, 60)])
GRID_EXPM1 = np.concatenate([-np.geomspace(800, 1e-300, 80), [0.0], np.geomspace(1e-300, 700, 80)])


def _mp(name):
    import mpmath

    exact = {
        "sigmoid": lambda t: 1 / (1 + mpmath.exp(-t)),
        "softplus": lambda t: mpmath.log1p(mpmath.exp(t)),
        "log_sigmoid": lambda t: -mpmath.log1p(mpmath.exp(-t)),
        "log1p": mpmath.log1p,
        "expm1": mpmath.expm1,
    }[name]
    return exact


def _slope(name):
    """The exact derivatives, written so that mpmath loses no digits (sigmoid(-t), not 1 - sigmoid(t))."""
    import mpmath

    sig = _mp("sigmoid")
    return {
        "sigmoid": lambda t: sig(t) * sig(-t),
        "softplus": sig,
        "log_sigmoid": lambda t: sig(-t),
        "log1p": lambda t: 1 / (1 + t),
        "expm1": mpmath.exp,
    }[name]


def _reference(name, xs):
    """Value and slope at each x, by mpmath at 60 digits."""
    import mpmath

    f, df = _mp(name), _slope(name)
    vals, slopes = [], []
    with mpmath.workdps(60):
        for v in xs:
            t = mpmath.mpf(float(v))
            vals.append(f(t))
            slopes.append(df(t))
    return vals, slopes


def _ulps(got, want) -> float:
    """Largest |got - want| / |want| over the grid, in units of eps (a tiny want: its float)."""
    worst = 0.0
    for g, w in zip(np.asarray(got, dtype=float).ravel(), want):
        wf = float(w)
        if wf == 0.0:  # below the smallest float: right when it rounds to 0 (or a subnormal)
            err = 0.0 if abs(g) < 1e-300 else np.inf
        elif not np.isfinite(g):
            err = np.inf
        else:
            err = abs((g - w) / w) / EPS if abs(wf) > 1e-300 else (0.0 if abs(g - wf) < 1e-320 else np.inf)
        worst = max(worst, float(err))
    return worst


def _naive():
    return {
        "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "softplus": lambda x: np.log(1 + np.exp(x)),
        "log_sigmoid": lambda x: np.log(1 / (1 + np.exp(-x))),
        "log1p": lambda x: np.log(1 + x),
        "expm1": lambda x: np.exp(x) - 1,
    }


def _scipy():
    import scipy.special as sc

    return {"sigmoid": sc.expit, "softplus": lambda x: np.logaddexp(0, x), "log_sigmoid": sc.log_expit,
            "log1p": sc.log1p, "expm1": sc.expm1}


def _torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    F = torch.nn.functional
    return torch, {"sigmoid": torch.sigmoid, "softplus": F.softplus, "log_sigmoid": F.logsigmoid,
                   "log1p": torch.log1p, "expm1": torch.expm1}


def _autodiff_slope(name, xs):
    if name == "log_sigmoid":  # written the natural way: calcml computes it as log_sigmoid
        fn = lambda t: ad.log(ad.sigmoid(t))  # noqa: E731
    else:
        fn = getattr(ad, functions[name].autodiff)
    return ad.grad(lambda t: ad.sum(fn(t)))(xs)


def _paired(f, g, x, rounds=21):
    """Best ms of f and of g over `rounds` interleaved rounds, and their ratio.

    The best (as ``timeit`` advises) rather than the median: on a shared machine a
    call is only ever slowed down (page faults of a fresh 8 MB array, another
    process), and interleaving lets both sides meet the same quiet moments.
    """
    tf, tg = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        f(x)
        tf.append(time.perf_counter() - t)
        t = time.perf_counter()
        g(x)
        tg.append(time.perf_counter() - t)
    return min(tf) * 1e3, min(tg) * 1e3, min(tf) / min(tg)


def _best_ms(fn, x, repeats=21) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t)
    return min(times) * 1e3


def main() -> None:
    torch_found = _torch()
    if torch_found is None:
        print("skipped: PyTorch not installed (pip install torch==2.13.0)")
    naive, scipy_f = _naive(), _scipy()
    names = ["sigmoid", "softplus", "log_sigmoid", "log1p", "expm1"]
    grids = {"log1p": GRID_LOG1P, "expm1": GRID_EXPM1}
    failures = []
    print("Largest relative error on the grid, in eps (2.2e-16); 'inf' = an overflow, NaN or 0 for a nonzero")
    header = f"{'function':<12} {'calcml':>8} {'autodiff slope':>15} {'textbook':>9} {'scipy':>9}"
    if torch_found:
        header += f" {'torch':>9} {'torch slope':>12}"
    print(header)
    for name in names:
        xs = grids.get(name, GRID)
        vals, slopes = _reference(name, xs)
        with np.errstate(all="ignore"):
            mine = _ulps(functions[name].numpy(xs), vals)
            slope = _ulps(_autodiff_slope(name, xs), slopes)
            textbook = _ulps(naive[name](xs), vals)
            sci = _ulps(scipy_f[name](xs), vals)
        line = f"{name:<12} {mine:>8.2f} {slope:>15.2f} {textbook:>9.3g} {sci:>9.3g}"
        if torch_found:
            torch, tf = torch_found
            xt = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
            out = tf[name](xt)
            (g,) = torch.autograd.grad(out.sum(), xt)
            line += f" {_ulps(out.detach().numpy(), vals):>9.3g} {_ulps(g.numpy(), slopes):>12.3g}"
        print(line)
        for what, err in (("value", mine), ("autodiff slope", slope)):
            if not err <= TARGET_ULPS:
                failures.append(f"{name} {what}: {err:.3g} eps")

    print("\nOne evaluation on 10^6 numbers in [-50, 50] (log1p: [-0.99, 50]), best of 21 rounds, ms")
    rng = np.random.default_rng(0)
    x = rng.uniform(-50, 50, 10**6)
    xl = rng.uniform(-0.99, 50, 10**6)
    header = f"{'function':<12} {'calcml':>8} {'textbook':>9} {'ratio':>6} {'scipy':>8}"
    print(header + (f" {'torch':>8}" if torch_found else ""))
    for name in names:
        arg = xl if name == "log1p" else x
        with np.errstate(all="ignore"):
            ms, tb_ms, ratio = _paired(functions[name].numpy, naive[name], arg)
        sc_ms = _best_ms(scipy_f[name], arg)
        line = f"{name:<12} {ms:>8.2f} {tb_ms:>9.2f} {ratio:>6.2f} {sc_ms:>8.2f}"
        if torch_found:
            torch, tf = torch_found
            line += f" {_best_ms(tf[name], torch.from_numpy(arg)):>8.2f}"
        print(line)
        if ratio > TARGET_SPEED:
            failures.append(f"{name} speed: {ratio:.2f}x the textbook formula")

    g_ms = _best_ms(ad.value_and_grad(lambda t: ad.sum(ad.log_sigmoid(t))), x)
    line = f"\nvalue and gradient of sum(log_sigmoid(x)), 10^6 numbers: calcml.autodiff {g_ms:.2f} ms"
    if torch_found:
        torch, tf = torch_found

        def torch_vg(v):
            vt = v.detach().requires_grad_(True)
            out = tf["log_sigmoid"](vt).sum()
            return out, torch.autograd.grad(out, vt)[0]

        t_ms = _best_ms(torch_vg, torch.from_numpy(x))
        line += f", PyTorch {t_ms:.2f} ms (ratio {g_ms / t_ms:.2f})"
    print(line)

    print("\nTargets")
    print(f"  every calcml value and autodiff slope within {TARGET_ULPS:g} eps of mpmath: "
          + ("PASS" if not any("eps" in f for f in failures) else "FAIL"))
    print(f"  calcml's stable evaluation <= {TARGET_SPEED:g}x the textbook formula's time: "
          + ("PASS" if not any("speed" in f for f in failures) else "FAIL"))
    for f in failures:
        print("    " + f)


if __name__ == "__main__":
    main()
