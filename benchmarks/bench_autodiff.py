"""Reverse-mode autodiff speed: the gradient of the Rosenbrock function.

    f(x) = sum(100 (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)

at N = 10^3 and N = 10^6, with calcml.autodiff, HIPS autograd, PyTorch (CPU,
eager, one thread) and JAX (jit), each where installed. For each: the time of
one gradient (median over many runs, ms), the gradient time divided by the time
of the same framework's plain function evaluation (for calcml the plain NumPy
function, since that is what a user would otherwise run), and the largest error
against the hand-written gradient, relative to the largest gradient component.

Function and gradient calls are interleaved round by round, so a change of load
on the machine affects both sides of each ratio alike.

Targets (from the issue):
- N = 10^3: calcml's gradient no slower than HIPS autograd's in the same run
  (stretch: PyTorch eager, 0.062 ms when the issue was written);
- N = 10^6: calcml's gradient at most 5 times the plain NumPy function.
"""

from __future__ import annotations

import time

import numpy as np

import calcml.autodiff as ad

TORCH_REFERENCE_MS = 0.062  # PyTorch eager at N = 10^3, measured when the issue was written


def rosen_numpy(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosen_calcml(x):
    return ad.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosen_grad_by_hand(x):
    d = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * d - 2 * (1 - x[:-1])
    g[1:] += 200 * d
    return g


def _frameworks():
    """name -> (make(x) -> (function call, gradient call, to_numpy)), plus skip notes."""
    found, skipped = {}, []

    def calcml_setup(x):
        grad = ad.grad(rosen_calcml)
        return (lambda: rosen_numpy(x)), (lambda: grad(x)), np.asarray

    found["calcml.autodiff"] = calcml_setup

    try:
        import autograd
        import autograd.numpy as anp

        def autograd_setup(x):
            f = lambda v: anp.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)  # noqa: E731
            grad = autograd.grad(f)
            return (lambda: f(x)), (lambda: grad(x)), np.asarray

        found["HIPS autograd"] = autograd_setup
    except ImportError:
        skipped.append("skipped: autograd not installed")

    try:
        import torch

        # One thread, like NumPy's elementwise operations: compares the frameworks,
        # not the core count (and keeps idle worker threads from spinning on the
        # cores the other frameworks are being timed on).
        torch.set_num_threads(1)

        def torch_setup(x):
            xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
            f = lambda v: torch.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)  # noqa: E731

            def function():
                with torch.no_grad():
                    return f(xt)

            def gradient():
                return torch.autograd.grad(f(xt), xt)[0]

            return function, gradient, lambda t: t.detach().numpy()

        found[f"PyTorch {torch.__version__}"] = torch_setup
    except ImportError:
        skipped.append("skipped: torch not installed")

    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

        def jax_setup(x):
            xj = jnp.asarray(x)
            f = jax.jit(lambda v: jnp.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2))
            grad = jax.jit(jax.grad(lambda v: jnp.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)))
            return (lambda: f(xj).block_until_ready()), (lambda: grad(xj).block_until_ready()), np.asarray

        found[f"JAX {jax.__version__} jit"] = jax_setup
    except ImportError:
        skipped.append("skipped: jax not installed")
    return found, skipped


def _time_pair(function, gradient, rounds, per_round):
    """Median seconds per call of `function` and of `gradient`, interleaved by round."""
    for _ in range(3):  # warm up (caches, JIT compilation, allocator)
        function()
        gradient()
    tf, tg = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(per_round):
            function()
        t1 = time.perf_counter()
        for _ in range(per_round):
            gradient()
        t2 = time.perf_counter()
        tf.append((t1 - t0) / per_round)
        tg.append((t2 - t1) / per_round)
    return float(np.median(tf)), float(np.median(tg))


def _verdict(ok):
    return "PASS" if ok else "FAIL"


def main() -> None:
    frameworks, skipped = _frameworks()
    for line in skipped:
        print(line)
    if any(name.startswith("PyTorch") for name in frameworks):
        print("PyTorch runs eagerly on one thread (torch.set_num_threads(1)), as NumPy does")
    results = {}
    settings = {1_000: (41, 25), 1_000_000: (15, 1)}  # rounds, calls per round
    rng = np.random.default_rng(0)
    for n, (rounds, per_round) in settings.items():
        x = rng.uniform(-2.0, 2.0, n)
        truth = rosen_grad_by_hand(x)
        scale = np.max(np.abs(truth))
        print(f"\nRosenbrock gradient, N = {n:,}  (median of {rounds} rounds x {per_round} calls)")
        print(f"{'framework':<24} {'gradient ms':>12} {'function ms':>12} {'grad/func':>10} {'max rel err':>12}")
        for name, setup in frameworks.items():
            function, gradient, to_numpy = setup(x)
            err = float(np.max(np.abs(to_numpy(gradient()) - truth)) / scale)
            tf, tg = _time_pair(function, gradient, rounds, per_round)
            results[(name, n)] = (tg, tf, err)
            print(f"{name:<24} {tg * 1e3:>12.4f} {tf * 1e3:>12.4f} {tg / tf:>10.2f} {err:>12.1e}")
        del x, truth

    print("\nTargets")
    ours_small = results[("calcml.autodiff", 1_000)][0]
    if ("HIPS autograd", 1_000) in results:
        theirs = results[("HIPS autograd", 1_000)][0]
        print(f"  N=10^3  calcml gradient <= HIPS autograd's: {ours_small * 1e3:.4f} ms vs "
              f"{theirs * 1e3:.4f} ms ({theirs / ours_small:.1f}x faster)  {_verdict(ours_small <= theirs)}")
    else:
        print("  N=10^3  calcml gradient <= HIPS autograd's: not measured (autograd not installed)")
    torch_rows = [(k, v) for k, v in results.items() if k[0].startswith("PyTorch") and k[1] == 1_000]
    if torch_rows:
        (name, _), (t_torch, _, _) = torch_rows[0]
        print(f"  N=10^3  stretch: calcml gradient <= {name} (same run): {ours_small * 1e3:.4f} ms vs "
              f"{t_torch * 1e3:.4f} ms  {_verdict(ours_small <= t_torch)}")
    print(f"  N=10^3  stretch: calcml gradient <= {TORCH_REFERENCE_MS} ms (PyTorch eager in the issue): "
          f"{ours_small * 1e3:.4f} ms  {_verdict(ours_small * 1e3 <= TORCH_REFERENCE_MS)}")
    tg, tf, _ = results[("calcml.autodiff", 1_000_000)]
    print(f"  N=10^6  calcml gradient / NumPy function <= 5: {tg / tf:.2f}  {_verdict(tg / tf <= 5)}")
    worst = max(results[("calcml.autodiff", n)][2] for n in settings)
    print(f"  calcml max relative error <= 1e-12: {worst:.1e}  {_verdict(worst <= 1e-12)}")


if __name__ == "__main__":
    main()
