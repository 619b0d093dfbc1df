"""Lesson 5: backpropagation as Jacobian products, the original network's bugs, and the fix."""

from __future__ import annotations

import numpy as np

from ..content import errata_for, sections
from ..model import Code, Formula, LessonRun, Result, Table, Text
from ._common import figure, num

NUMBER = 5
TITLE = "Backpropagation"
SUMMARY = ("The chain rule as Jacobian products in three lenses, the original network's three bugs found by a "
           "gradient check, dead ReLUs, and the fixed network trained.")

# ----- the one-hidden-layer example: y = g(u . f(W x)) with f = tanh, g = sigmoid ----------------------
W_EX = np.array([[0.5, -1.0, 0.25], [1.5, 0.5, -0.75]])   # M x N = 2 hidden units x 3 inputs
U_EX = np.array([1.2, -0.8])
X_EX = np.array([0.3, -0.2, 0.9])
EXPR_EX = ("sigmoid(1.2*tanh(0.5*x1 - 1.0*x2 + 0.25*x3) - 0.8*tanh(1.5*x1 + 0.5*x2 - 0.75*x3))")


def one_layer_by_jacobians(W=W_EX, u=U_EX, x=X_EX) -> dict:
    """dy/dx = J^T dy/dz for y = sigmoid(u . tanh(W x)), every factor with its shape.

    Returns the factors: ``z = tanh(W x)`` (M,), ``dy_dz`` (M,), the layer's Jacobian
    ``J = diag(1 - z^2) W`` (M, N) and ``dy_dx = J^T dy_dz`` (N,); plus ``W_T_dy_dz``,
    the weight matrix used in place of J (wrong unless the layer is linear).
    """
    z = np.tanh(W @ x)
    s = u @ z
    sig = 0.5 * (1.0 + np.tanh(0.5 * s))
    dy_dz = sig * (1.0 - sig) * u            # dy/dz_k = sigma'(u . z) u_k
    J = np.diag(1.0 - z ** 2) @ W           # dz/dx: row k is (1 - z_k^2) times row k of W
    return {"z": z, "dy_dz": dy_dz, "J": J, "dy_dx": J.T @ dy_dz, "W_T_dy_dz": W.T @ dy_dz}


# ----- the original lesson's network, transcribed with its bugs ----------------------------------------
# Our own transcription of the original's arithmetic (same initialisation order, same
# formulas), parametrised so each bug can be switched off on its own.
ORIGINAL_SIZES = (2, 4, 3, 1)
_TINY = np.finfo(float).eps


def original_data():
    """make_circles(1000, factor=0.5, noise=0.1) as the original drew it (np.random.seed(0), no random_state)."""
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=np.random.RandomState(0))
    return X, y.reshape(-1, 1)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


class OriginalMLP:
    """The original lesson's network: [2, 4, 3, 1], ReLU, ReLU, sigmoid, binary cross-entropy.

    Parameters
    ----------
    sigmoid_factor : float
        The factor in the sigmoid's derivative: 2 as in the original (a bug), 1 fixed.
    bias_mean : bool
        True as in the original: the bias gradient averages over samples while the
        weight gradient sums (a bug); False sums both.
    seed : int
        The original initialises with ``np.random.seed(42)`` and ``0.1 * randn`` for
        weights and biases, layer by layer.
    """

    def __init__(self, sigmoid_factor=2.0, bias_mean=True, seed=42, sizes=ORIGINAL_SIZES):
        self.sigmoid_factor, self.bias_mean, self.sizes = sigmoid_factor, bias_mean, tuple(sizes)
        rs = np.random.RandomState(seed)
        self.W, self.b = [None], [None]  # 1-based, as in the original
        for n_in, n_out in zip(self.sizes, self.sizes[1:]):
            self.W.append(rs.randn(n_in, n_out) * 0.1)
            self.b.append(rs.randn(1, n_out) * 0.1)

    def acts(self, l, z):
        return _sigmoid(z) if l == len(self.sizes) - 1 else np.maximum(0.0, z)

    def dacts(self, l, z):
        if l == len(self.sizes) - 1:
            s = _sigmoid(z)
            return self.sigmoid_factor * s * (1.0 - s)
        return (z > 0).astype(float)

    def forward(self, X, W=None, b=None):
        W, b = W or self.W, b or self.b
        self.a, self.z = [X], [None]
        for l in range(1, len(self.sizes)):
            self.z.append(self.a[l - 1] @ W[l] + b[l])
            self.a.append(self.acts(l, self.z[l]))
        return self.a[-1]

    @staticmethod
    def loss(y, yhat):
        """The original's "average" cross-entropy: divides by y.shape[1], which is 1, so it is a sum."""
        return float((-(y.T @ np.log(yhat.clip(_TINY)) + (1 - y.T) @ np.log((1 - yhat).clip(_TINY)))
                      / y.shape[1]).item())

    def backward(self, y, yhat):
        L = len(self.sizes) - 1
        da = -np.divide(y, yhat.clip(_TINY)) + np.divide(1 - y, (1 - yhat).clip(_TINY))
        self.dW, self.db = [None] * (L + 1), [None] * (L + 1)
        for l in range(L, 0, -1):
            dz = da * self.dacts(l, self.z[l])               # the Jacobian of the activation (diagonal)
            self.dW[l] = self.a[l - 1].T @ dz                 # a sum over the samples
            reduce = np.mean if self.bias_mean else np.sum
            self.db[l] = reduce(dz, axis=0, keepdims=True)    # the original: a mean
            da = dz @ self.W[l].T                             # the Jacobian of z = a W + b, transposed
        return self.dW, self.db

    def update(self, eta):
        for l in range(1, len(self.sizes)):
            self.W[l] -= eta * self.dW[l]
            self.b[l] -= eta * self.db[l]

    # for check_grad: parameters by name, the loss as a function of them, the gradients by name
    def params(self) -> dict:
        out = {}
        for l in range(1, len(self.sizes)):
            out[f"W{l}"], out[f"b{l}"] = self.W[l].copy(), self.b[l].copy()
        return out

    def loss_at(self, p, X, y):
        L = len(self.sizes)
        return self.loss(y, self.forward(X, [None] + [p[f"W{l}"] for l in range(1, L)],
                                         [None] + [p[f"b{l}"] for l in range(1, L)]))

    def grads_at(self, p, X, y):
        saved = self.W, self.b
        L = len(self.sizes)
        self.W = [None] + [p[f"W{l}"] for l in range(1, L)]
        self.b = [None] + [p[f"b{l}"] for l in range(1, L)]
        try:
            yhat = self.forward(X)
            self.backward(y, yhat)
        finally:
            self.W, self.b = saved
        out = {}
        for l in range(1, L):
            out[f"W{l}"], out[f"b{l}"] = self.dW[l], self.db[l]
        return out

    def train(self, X, y, epochs=150, eta=0.005):
        """The original's loop; returns (loss, accuracy) before each update."""
        history = []
        for _ in range(epochs):
            yhat = self.forward(X)
            history.append((self.loss(y, yhat), float(np.mean((yhat > 0.5) == y))))
            self.backward(y, yhat)
            self.update(eta)
        return history

    def accuracy(self, X, y):
        return float(np.mean((self.forward(X) > 0.5) == y))


# ----- the fixed network ------------------------------------------------------------------------------
FIXED = dict(layer_sizes=[2, 4, 3, 1], activations=["relu", "relu", "sigmoid"], learning_rate=1.0, epochs=1000)


def fixed_network(X, y, seed=0):
    """The lesson's network with the bugs fixed: He initialisation, mean loss, learning rate 1."""
    from ...nn import MLP

    return MLP(**FIXED, random_state=seed).fit(X, y.ravel())


def as_mlp(orig: OriginalMLP):
    """The original network's current weights inside a calcml.nn.MLP (for unit_activity and plots)."""
    from ...nn import MLP

    net = MLP(list(orig.sizes), ["relu"] * (len(orig.sizes) - 2) + ["sigmoid"], init="small").initialize()
    for l in range(1, len(orig.sizes)):
        net.coefs_[l - 1][...] = orig.W[l]
        net.intercepts_[l - 1][...] = orig.b[l].ravel()
    return net


def naive_flags(net, X, y, step, rtol=1e-5, atol=1e-8) -> int:
    """How many parameters a plain central difference at `step` flags as disagreeing with backward().

    The rule of thumb: flag when |analytic - numeric| > rtol * max(|analytic|, |numeric|) + atol.
    """
    p = net.parameters()
    g = net.backward(X, y).as_dict()
    flags = 0
    for name, arr in p.items():
        for idx in np.ndindex(arr.shape):
            q = {k: a.copy() for k, a in p.items()}
            q[name][idx] += step
            fp = net.mean_loss(X, y, params=q)
            q[name][idx] -= 2 * step
            fm = net.mean_loss(X, y, params=q)
            numeric = (fp - fm) / (2 * step)
            a = g[name][idx]
            flags += abs(a - numeric) > rtol * max(abs(a), abs(numeric)) + atol
    return int(flags)


STEPS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)


# ----- why backward is a loop, and why gradients are set, not added -------------------------------------
def recursive_order(t, seen=None, out=None):
    """A recursive topological sort, micrograd style (kept to show why calcml does not use one)."""
    seen = set() if seen is None else seen
    out = [] if out is None else out
    if id(t) not in seen:
        seen.add(id(t))
        for a in t.args:
            if hasattr(a, "args"):
                recursive_order(a, seen, out)
        out.append(t)
    return out


def deep_chain(n=5000):
    """y = x * 1.0001 * ... (n multiplications): dy/dx = 1.0001**n, through a graph n nodes deep."""
    from ... import autodiff as ad

    x = ad.Tensor(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0001
    return x, y


# ----- the lesson -------------------------------------------------------------------------------------
def _vec(v, digits=10) -> str:
    return "(" + ", ".join(num(c, digits) for c in np.ravel(v)) + ")"


def _code_one_layer() -> str:
    return '''import numpy as np
import calcml
import calcml.autodiff as ad

W = np.array([[0.5, -1.0, 0.25], [1.5, 0.5, -0.75]])   # 2 hidden units x 3 inputs
u = np.array([1.2, -0.8])
x = np.array([0.3, -0.2, 0.9])

# by the Jacobians: J = dz/dx = diag(1 - z^2) W, then dy/dx = J^T dy/dz
z = np.tanh(W @ x)
s = 1 / (1 + np.exp(-(u @ z)))
dy_dz = s * (1 - s) * u
J = np.diag(1 - z**2) @ W
print("dy/dz", dy_dz.shape, " J", J.shape, " dy/dx", (J.T @ dy_dz).shape)
print(J.T @ dy_dz)

# the three lenses on the same function, written as text
r = calcml.gradient("sigmoid(1.2*tanh(0.5*x1 - 1.0*x2 + 0.25*x3) - 0.8*tanh(1.5*x1 + 0.5*x2 - 0.75*x3))",
                    at=x, vars=["x1", "x2", "x3"])
print({name: lens.value for name, lens in r.lenses.items()}, r.agree)

# reverse mode, with every node's local Jacobian printed
y = ad.sigmoid(ad.dot(u, ad.tanh(W @ ad.Tensor(x))))
print(y.graph())'''


def _code_original() -> str:
    return '''import numpy as np
from calcml.testing import check_grad
from calcml.course.lessons.lesson05 import OriginalMLP, original_data

X, y = original_data()                 # make_circles as the original drew it
net = OriginalMLP()                    # the original's network, bugs included
res = check_grad(lambda p: net.loss_at(p, X, y), lambda p: net.grads_at(p, X, y), net.params(),
                 batch_size=len(X))
for finding in res.findings:
    print(finding)

# its ReLUs at initialisation, and its accuracy over the 150 epochs it trains
from calcml.course.lessons.lesson05 import as_mlp
from calcml.nn import unit_activity
from calcml.plots.nn import plot_curves, plot_unit_activity

ax = plot_unit_activity(unit_activity(as_mlp(OriginalMLP()), X), title="the original's ReLUs at initialisation")
history = OriginalMLP().train(X, y)
ax = plot_curves({"original (bugs)": [acc for _, acc in history]}, ylabel="accuracy")'''


def _code_fixed() -> str:
    return '''from sklearn.datasets import make_circles
from calcml.nn import MLP, check_backprop, unit_activity
from calcml.plots.nn import plot_curves, plot_decision_boundary, plot_network_graph

X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
net = MLP([2, 4, 3, 1], ["relu", "relu", "sigmoid"], learning_rate=1.0, epochs=1000, random_state=0).fit(X, y)
print("accuracy", net.score(X, y), " final mean loss", net.loss_curve_[-1])
print(check_backprop(net, X, y).message)
print("dead units:", unit_activity(net, X).dead)
ax = plot_decision_boundary(net, X, y, title="the fixed network")
ax = plot_curves({"mean binary cross-entropy": net.loss_curve_}, ylabel="mean loss", log=True)
ax = plot_network_graph([2, 4, 3, 1], ["relu", "relu", "sigmoid"], title="each edge's Jacobian and its shape")'''


def _code_loop() -> str:
    return '''import calcml.autodiff as ad

x = ad.Tensor(1.0)
y = x
for _ in range(5000):          # a graph 5000 nodes deep
    y = y * 1.0001
y.backward()                   # a loop over the sorted nodes: no recursion limit
print(x.grad, 1.0001 ** 5000)

a = ad.Tensor(3.0)
b = a * a + a                  # a is used three times: its gradient collects 2a + 1
b.backward(); first = a.grad
b.backward(); second = a.grad  # backward sets .grad, it does not add to it
print(first, second)'''


def build(run: LessonRun) -> None:
    from ... import autodiff as ad
    from ... import gradient
    from ...finite_diff_nd import numeric_gradient
    from ...nn import check_backprop, unit_activity
    from ...plots.nn import plot_curves, plot_decision_boundary, plot_network_graph, plot_unit_activity
    from ...testing import check_grad

    text = sections("lesson05")
    run.add(Text(text["intro"]))

    # 1. one hidden layer, three lenses
    run.add(Text(text["one-layer"]))
    run.add(Formula(r"\frac{\partial y}{\partial \mathbf{x}} = J^\top \frac{\partial y}{\partial \mathbf{z}},"
                    r"\qquad J = \frac{\partial \mathbf{z}}{\partial \mathbf{x}} = "
                    r"\operatorname{diag}\big(f'(W\mathbf{x})\big)\, W", label="the chain rule, one layer"))
    f = one_layer_by_jacobians()
    run.add(Table(("factor", "shape", "value"), (
        ("z = tanh(W x)", str(f["z"].shape), _vec(f["z"])),
        ("dy/dz = sigmoid'(u . z) u", str(f["dy_dz"].shape), _vec(f["dy_dz"])),
        ("J = diag(1 - z^2) W", str(f["J"].shape), "; ".join(_vec(r) for r in f["J"])),
        ("dy/dx = J^T dy/dz", str(f["dy_dx"].shape), _vec(f["dy_dx"])),
        ("W^T dy/dz (weights only)", str(f["W_T_dy_dz"].shape), _vec(f["W_T_dy_dz"])),
    ), caption="W is 2x3 (2 hidden units, 3 inputs), u has 2 entries, x = (0.3, -0.2, 0.9)"))
    r = gradient(EXPR_EX, at=list(X_EX), vars=["x1", "x2", "x3"])
    fn = lambda v: 0.5 * (1 + np.tanh(0.5 * (U_EX @ np.tanh(W_EX @ v))))  # noqa: E731
    fd = numeric_gradient(fn, X_EX, method="richardson")
    lens_values = {"symbolic": r.lenses["symbolic"].value, "automatic (reverse mode)": r.lenses["automatic"].value,
                   "finite differences (Richardson)": fd.value}
    worst = max(float(np.max(np.abs(v - f["dy_dx"]))) for v in lens_values.values())
    for name, v in lens_values.items():
        run.add(Result(f"{name} lens", _vec(v)))
    run.add(Result("largest difference from J^T dy/dz over the three lenses", f"{worst:.1e}", ok=worst <= 1e-10))
    off = float(np.max(np.abs(f["W_T_dy_dz"] - f["dy_dx"])))
    run.add(Result("W^T dy/dz with the weight matrix in place of J is off by", f"{off:.3f}", ok=None))
    x = ad.Tensor(X_EX)
    y = ad.sigmoid(ad.dot(U_EX, ad.tanh(W_EX @ x)))
    run.add(Text(text["reverse-mode"]))
    run.add(Code(y.graph(), language="text"))
    run.add(Code(_code_one_layer(), language="python"))

    # 2. the network's graph
    run.add(Text(text["graph"]))
    ax = plot_network_graph([2, 4, 3, 1], ["relu", "relu", "sigmoid"],
                            title="The lesson's network for one sample: each edge's Jacobian and its shape")
    run.add(figure(run, "network-graph.png", ax.figure,
                   "x -> z1 -> a1 -> z2 -> a2 -> z3 -> a3 -> L. Backpropagation multiplies dL/dL = 1 by the "
                   "transposed Jacobians from right to left; each W_l receives a_{l-1} times dL/dz_l"))

    # 3. the original network and its gradient check
    run.add(Text(text["original"]))
    X, Y = original_data()
    orig = OriginalMLP()
    res = check_grad(lambda p: orig.loss_at(p, X, Y), lambda p: orig.grads_at(p, X, Y), orig.params(),
                     batch_size=len(X))
    run.add(Table(("group", "verdict", "supplied / true"),
                  tuple((g.name, g.verdict, f"{g.ratio:.6g}") for g in res.groups.values()),
                  caption="check_grad on the original's backward(), against its own loss"))
    for finding in res.findings:
        run.add(Result("finding", finding))
    named = all(g.verdict == "constant factor" and abs(g.ratio - (2.0 if g.name[0] == "W" else 2.0 / len(X))) <=
                1e-6 * abs(g.ratio) for g in res.groups.values())
    run.add(Result("check_grad names both gradient bugs: every weight group 2x, every bias group 2/N",
                   "yes" if named else "NO", ok=named))
    fixed_grads = OriginalMLP(sigmoid_factor=1.0, bias_mean=False)
    res2 = check_grad(lambda p: fixed_grads.loss_at(p, X, Y), lambda p: fixed_grads.grads_at(p, X, Y),
                      fixed_grads.params(), batch_size=len(X))
    run.add(Result("the same check with s(1-s) and summed biases", res2.message, ok=res2.ok))
    run.add(Code(_code_original(), language="python"))

    # 4. dead units at the original's initialisation
    run.add(Text(text["dead-units"]))
    act = unit_activity(as_mlp(OriginalMLP()), X)
    ax = plot_unit_activity(act, title="The original's ReLUs at its initialisation (0.1 * randn)")
    run.add(figure(run, "dead-units.png", ax.figure,
                   "Fraction of the 1,000 points on which each ReLU unit is active; red: dead on every point"))
    run.add(Result("dead units (layer, unit)", ", ".join(f"({a}, {b})" for a, b in act.dead) or "none"))

    # 5. training: the original, gradients fixed only, everything fixed
    run.add(Text(text["training"]))
    hist = OriginalMLP().train(X, Y)
    hist_grad_only = OriginalMLP(sigmoid_factor=1.0, bias_mean=False).train(X, Y)
    net = fixed_network(X, Y, seed=0)
    acc_orig = [a for _, a in hist]
    run.add(Table(("network", "epochs", "learning rate", "final accuracy", "best accuracy on the way"), (
        ("original (bugs)", "150", "0.005", f"{acc_orig[-1]:.3f}", f"{max(acc_orig):.3f}"),
        ("gradients fixed, rest as original", "150", "0.005", f"{hist_grad_only[-1][1]:.3f}",
         f"{max(a for _, a in hist_grad_only):.3f}"),
        ("fixed: He init, mean loss", "1000", "1.0", f"{net.score(X, Y.ravel()):.3f}", "")),
        caption="accuracy on the 1,000 training points, measured before each update as the original prints it"))
    ax = plot_curves({"original (bugs)": acc_orig, "gradients fixed only": [a for _, a in hist_grad_only]},
                     title="The original's accuracy over its 150 epochs", ylabel="accuracy")
    run.add(figure(run, "original-accuracy.png", ax.figure,
                   "The original's accuracy jumps about (by accident of the doubled, mis-scaled gradients); "
                   "with correct gradients and the same tiny initialisation it stays at 0.5"))
    ax = plot_decision_boundary(net, X, Y.ravel(), title="The fixed network after 1,000 epochs")
    run.add(figure(run, "decision-boundary.png", ax.figure,
                   "Probability of the inner class with the 0.5 boundary, over the data"))
    ax = plot_curves({"mean binary cross-entropy": net.loss_curve_}, title="The fixed network's loss",
                     ylabel="mean loss", log=True)
    run.add(figure(run, "loss-curve.png", ax.figure, "Mean loss per epoch (full batch, learning rate 1)"))
    chk = check_backprop(net, X, Y.ravel())
    run.add(Result("check_backprop on the trained network", chk.message, ok=chk.ok))
    run.add(Text(text["steps"]))
    rows, all_ok = [], True
    for h in STEPS:
        verdict = check_backprop(net, X, Y.ravel(), step=h)
        all_ok = all_ok and verdict.ok
        rows.append((f"{h:.0e}", str(naive_flags(net, X, Y.ravel(), h)), "pass" if verdict.ok else "FAIL"))
    run.add(Table(("step", "flagged by a plain central difference (of 31)", "check_backprop"), tuple(rows),
                  caption="the trained network's correct gradients; plain rule: |a - n| > 1e-5 max(|a|, |n|) + 1e-8"))
    run.add(Result("check_backprop passes the correct network at every step from 1e-2 to 1e-8",
                   "yes" if all_ok else "NO", ok=all_ok))
    run.add(Code(_code_fixed(), language="python"))

    # 6. why backward is a loop and why gradients are reset
    run.add(Text(text["loop"]))
    xs, ys = deep_chain(5000)
    ys.backward()
    run.add(Result("calcml backward through 5,000 nodes: dy/dx", f"{float(xs.grad):.12g} "
                   f"(1.0001^5000 = {1.0001 ** 5000:.12g})", ok=bool(abs(float(xs.grad) - 1.0001 ** 5000)
                                                                    <= 1e-9 * 1.0001 ** 5000)))
    try:
        recursive_order(ys)
        rec = "finished (raise sys.getrecursionlimit() to see it fail)"
    except RecursionError:
        rec = "RecursionError: maximum recursion depth exceeded"
    run.add(Result("a recursive sort of the same graph", rec))
    a = ad.Tensor(3.0)
    b = a * a + a
    b.backward()
    first = float(a.grad)
    b.backward()
    second = float(a.grad)
    run.add(Result("b = a*a + a at a = 3: db/da after one and after two backward() calls",
                   f"{first:g}, {second:g} (2a + 1 = 7)", ok=first == second == 7.0))
    # a gradient added up over two calls is twice the truth: the check names it
    acc = check_grad(lambda v: float(v[0] ** 2 + v[0]), lambda v: 2 * (2 * v + 1), [3.0])
    run.add(Result("gradients accumulated over two calls, checked", acc.groups["x"].finding,
                   ok=bool(not acc.ok and abs(acc.groups["x"].ratio - 2.0) < 1e-6)))
    run.add(Code(_code_loop(), language="python"))

    run.add(Text(text["task"]))
    run.add(Code("calcml train --layers 2,4,3,1 --activations relu,relu,sigmoid --data circles --epochs 1000 "
                 "--lr 1 --seed 0\ncalcml check 5.2 \"s*(1-s)\"", language="shell"))
    run.add(*errata_for(NUMBER))
