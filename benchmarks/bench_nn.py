"""Lesson 5's network: calcml.nn and calcml.autodiff against hand-written NumPy and PyTorch.

Three measurements, peers in the same run, NumPy's BLAS and PyTorch both on one
thread (threadpoolctl / torch.set_num_threads(1)):

1. The lesson network [2, 4, 3, 1] (ReLU, ReLU, sigmoid, mean binary cross-entropy)
   on 1,000 points of make_circles, full batch: time per epoch (forward, loss,
   backward, update) of ``calcml.nn.MLP.fit``, of the same loop written by hand in
   NumPy, and of PyTorch eager. Target: MLP at most 1.15x the hand NumPy loop.
2. 2 -> 256 -> 256 -> 1 on a minibatch of 1,024: one forward and backward pass through
   ``calcml.autodiff`` (``value_and_grad`` of the loss with respect to all six
   parameter arrays). Targets: float64 at most 1.1x the hand NumPy pass; float32 at
   most 1.2x PyTorch eager float32.
3. Accuracy of the fixed lesson network (He init, mean loss, learning rate 1,
   1,000 epochs) on make_circles, 20 seeds. Target: median >= 0.97.

Times are the best of many interleaved rounds (load on a shared machine only ever adds time),
and every implementation is timed the same way, so the ratios compare like with like.
"""

from __future__ import annotations

import time

import numpy as np

TARGET_EPOCH = 1.15
TARGET_AD64 = 1.1
TARGET_AD32 = 1.2
TARGET_ACCURACY = 0.97


def _one_thread():
    try:
        from threadpoolctl import threadpool_limits

        return threadpool_limits(1)
    except ImportError:  # pragma: no cover - scikit-learn brings threadpoolctl
        print("note: threadpoolctl missing; NumPy's BLAS may use several threads")
        return None


def _torch():
    try:
        import torch
    except ImportError:
        print("skipped: PyTorch not installed (pip install torch==2.13.0 for the comparison)")
        return None
    torch.set_num_threads(1)
    return torch


def _median_times(fns: dict, rounds: int, per_round: int) -> dict:
    """Seconds per call of each function: the best of `rounds` interleaved rounds.

    The best round, not the median: on a shared machine a slow round measures the other
    processes, and both sides of every ratio are timed the same way (timeit's advice).
    """
    times = {k: [] for k in fns}
    for fn in fns.values():
        fn()  # warm up
    for _ in range(rounds):
        for k, fn in fns.items():
            t = time.perf_counter()
            for _ in range(per_round):
                fn()
            times[k].append((time.perf_counter() - t) / per_round)
    return {k: float(np.min(v)) for k, v in times.items()}


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# ----- 1. the lesson network, time per epoch -------------------------------------------------------

def _hand_numpy_epochs(X, y, W, b, lr, epochs):
    """The lesson network trained by a plain NumPy loop: the baseline a learner would write."""
    W = [w.copy() for w in W]
    b = [v.copy() for v in b]
    Y = y[:, None].astype(float)
    n = X.shape[0]
    losses = []
    for _ in range(epochs):
        z1 = X @ W[0] + b[0]
        a1 = np.maximum(z1, 0.0)
        z2 = a1 @ W[1] + b[1]
        a2 = np.maximum(z2, 0.0)
        z3 = a2 @ W[2] + b[2]
        p = 0.5 * (1.0 + np.tanh(0.5 * z3))
        losses.append(float(np.mean(np.logaddexp(0.0, z3) - Y * z3)))
        d3 = (p - Y) / n
        d2 = (d3 @ W[2].T) * (z2 > 0)
        d1 = (d2 @ W[1].T) * (z1 > 0)
        for i, (a, d) in enumerate(((X, d1), (a1, d2), (a2, d3))):
            W[i] -= lr * (a.T @ d)
            b[i] -= lr * d.sum(axis=0)
    return W, b, losses


def _torch_epochs(torch, X, y, W, b, lr, epochs):
    Xt = torch.tensor(X)
    Yt = torch.tensor(y[:, None].astype(float))
    params = [torch.tensor(w, requires_grad=True) for w in W] + [torch.tensor(v, requires_grad=True) for v in b]
    Ws, bs = params[:3], params[3:]
    for _ in range(epochs):
        a = Xt
        for i in range(3):
            z = a @ Ws[i] + bs[i]
            a = torch.relu(z) if i < 2 else z
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, Yt)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= lr * g
    return params


def bench_epoch(torch):
    from sklearn.datasets import make_circles

    from calcml.nn import MLP

    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
    epochs = 400
    net = MLP([2, 4, 3, 1], ["relu", "relu", "sigmoid"], learning_rate=1.0, epochs=epochs, random_state=0)
    init = MLP([2, 4, 3, 1], ["relu", "relu", "sigmoid"], random_state=0).initialize()
    W, b = init.coefs_, init.intercepts_
    # the same numbers from both: the hand loop is the same algorithm, not a different one
    Wh, bh, _ = _hand_numpy_epochs(X, y, W, b, 1.0, epochs)
    net.fit(X, y)
    same = all(np.allclose(p, q, rtol=1e-9, atol=1e-12) for p, q in zip(net.coefs_ + net.intercepts_, Wh + bh))
    fns = {"calcml.nn.MLP.fit": lambda: net.fit(X, y),
           "hand-written NumPy loop": lambda: _hand_numpy_epochs(X, y, W, b, 1.0, epochs)}
    if torch is not None:
        fns[f"PyTorch {torch.__version__} eager"] = lambda: _torch_epochs(torch, X, y, W, b, 1.0, epochs)
    t = _median_times(fns, rounds=15, per_round=1)
    per_epoch = {k: v / epochs * 1e3 for k, v in t.items()}
    base = per_epoch["hand-written NumPy loop"]
    print(f"\n1. lesson network [2, 4, 3, 1], 1,000 points, full batch ({epochs} epochs per run)")
    print(f"   MLP and the hand loop reach the same weights: {same}")
    print(f"   {'implementation':<28} {'ms/epoch':>9} {'vs hand NumPy':>14}")
    for k, v in per_epoch.items():
        print(f"   {k:<28} {v:9.4f} {v / base:13.2f}x")
    ratio = per_epoch["calcml.nn.MLP.fit"] / base
    print(f"   target: MLP <= {TARGET_EPOCH}x hand NumPy: measured {ratio:.2f}x -> {_verdict(ratio <= TARGET_EPOCH)}")
    return ratio


# ----- 2. one forward and backward pass through calcml.autodiff -------------------------------------

def _wide(dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(1024, 2)).astype(dtype)
    Y = (rng.random((1024, 1)) > 0.5).astype(dtype)
    sizes = [2, 256, 256, 1]
    params = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        params += [(rng.normal(size=(n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(dtype), np.zeros(n_out, dtype)]
    return X, Y, params


def _ad_step(X, Y):
    import calcml.autodiff as ad

    def loss(W1, b1, W2, b2, W3, b3):
        h = ad.relu(X @ W1 + b1)
        h = ad.relu(h @ W2 + b2)
        z = h @ W3 + b3
        # softplus(z) - y z, softplus(z) = relu(z) + log(1 + exp(-|z|))
        return ad.mean(ad.relu(z) + ad.log(1.0 + ad.exp(-ad.abs(z))) - Y * z)

    return ad.value_and_grad(loss, argnum=(0, 1, 2, 3, 4, 5))


def _hand_step(X, Y, W1, b1, W2, b2, W3, b3):
    z1 = X @ W1 + b1
    h1 = np.maximum(z1, 0.0)
    z2 = h1 @ W2 + b2
    h2 = np.maximum(z2, 0.0)
    z = h2 @ W3 + b3
    loss = np.mean(np.logaddexp(0.0, z) - Y * z)
    d3 = (0.5 * (1.0 + np.tanh(0.5 * z)) - Y) / z.shape[0]
    d2 = (d3 @ W3.T) * (z2 > 0)
    d1 = (d2 @ W2.T) * (z1 > 0)
    return loss, (X.T @ d1, d1.sum(0), h1.T @ d2, d2.sum(0), h2.T @ d3, d3.sum(0))


def bench_autodiff(torch):
    out = {}
    print("\n2. 2 -> 256 -> 256 -> 1, minibatch 1,024: one forward + backward pass")
    print(f"   {'implementation':<34} {'ms':>8}")
    for dtype in (np.float64, np.float32):
        X, Y, params = _wide(dtype)
        step = _ad_step(X, Y)
        value, grads = step(*params)
        hv, hg = _hand_step(X, Y, *params)
        tol = 1e-10 if dtype == np.float64 else 2e-3
        agree = all(np.allclose(a, b, rtol=tol, atol=tol * 1e-2) for a, b in zip(grads, hg))
        assert all(g.dtype == dtype for g in grads), "calcml.autodiff changed the dtype"
        name = np.dtype(dtype).name
        fns = {f"calcml.autodiff {name}": lambda: step(*params),
               f"hand NumPy {name}": lambda: _hand_step(X, Y, *params)}
        if torch is not None:
            tdt = torch.float64 if dtype == np.float64 else torch.float32
            Xt, Yt = torch.tensor(X, dtype=tdt), torch.tensor(Y, dtype=tdt)
            tp = [torch.tensor(p, dtype=tdt, requires_grad=True) for p in params]

            def torch_step(Xt=Xt, Yt=Yt, tp=tp):
                h = torch.relu(Xt @ tp[0] + tp[1])
                h = torch.relu(h @ tp[2] + tp[3])
                z = h @ tp[4] + tp[5]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(z, Yt)
                return loss, torch.autograd.grad(loss, tp)

            fns[f"PyTorch eager {name}"] = torch_step
        t = _median_times(fns, rounds=15, per_round=5)
        for k, v in t.items():
            print(f"   {k:<34} {v * 1e3:8.3f}")
        print(f"   calcml's gradients agree with the hand-written ones ({name}): {agree}")
        out[name] = t
    r64 = out["float64"]["calcml.autodiff float64"] / out["float64"]["hand NumPy float64"]
    print(f"   target: float64 <= {TARGET_AD64}x hand NumPy: measured {r64:.2f}x -> {_verdict(r64 <= TARGET_AD64)}")
    r32 = None
    if torch is not None:
        r32 = out["float32"]["calcml.autodiff float32"] / out["float32"]["PyTorch eager float32"]
        print(f"   target: float32 <= {TARGET_AD32}x PyTorch eager: measured {r32:.2f}x -> "
              f"{_verdict(r32 <= TARGET_AD32)}")
    r32h = out["float32"]["calcml.autodiff float32"] / out["float32"]["hand NumPy float32"]
    print(f"   (float32 against hand NumPy float32: {r32h:.2f}x)")
    return r64, r32


# ----- 3. accuracy over 20 seeds -------------------------------------------------------------------

def bench_accuracy():
    from sklearn.datasets import make_circles

    from calcml.nn import MLP

    accs = []
    for seed in range(20):
        X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=seed)
        net = MLP([2, 4, 3, 1], ["relu", "relu", "sigmoid"], learning_rate=1.0, epochs=1000, random_state=seed)
        accs.append(net.fit(X, y).score(X, y))
    med = float(np.median(accs))
    print("\n3. the fixed lesson network (He init, mean loss, lr 1, 1,000 epochs), 20 seeds of make_circles")
    print(f"   accuracies: min {min(accs):.3f}, median {med:.3f}, max {max(accs):.3f}; "
          f"{sum(a < 0.9 for a in accs)} of 20 runs stuck below 0.9 (dead ReLUs in a 4-3 network)")
    print(f"   target: median >= {TARGET_ACCURACY}: measured {med:.3f} -> {_verdict(med >= TARGET_ACCURACY)}")
    return med


def main() -> None:
    limits = _one_thread()
    torch = _torch()
    try:
        bench_epoch(torch)
        bench_autodiff(torch)
        bench_accuracy()
    finally:
        if limits is not None:
            limits.unregister() if hasattr(limits, "unregister") else None


if __name__ == "__main__":
    main()
