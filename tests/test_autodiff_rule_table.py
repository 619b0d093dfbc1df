"""The autodiff rule table, walked from the table itself (issue 7 §9).

``calcml.autodiff.rules.RULES`` is iterated: every registered primitive must
have a check below, or its test fails and names it, so no rule can escape the way
arcsin, arccos, arctan, sinh and cosh escaped the hand-written list. Each check is
a small scalar function that records the primitive (the test walks the recorded
graph to make sure), and its gradient and Hessian are compared with central
finite differences of plain NumPy code: an independent truth.
"""

from __future__ import annotations

import numpy as np
import pytest

import calcml.autodiff as ad
from calcml.autodiff.rules import RULES
from calcml.autodiff.tensor import Tensor

RNG = np.random.default_rng(7)
W = RNG.normal(size=6)            # weights: each element's slope is seen separately
A = RNG.normal(size=(6, 6))
C = RNG.uniform(0.6, 1.4, 6)


def _sig(v):
    return 1 / (1 + np.exp(-v))


# name: (function with calcml.autodiff, the same with NumPy, a point, how to record the primitive)
# "trace": record the graph of ad.grad(f) run on a Tensor (primitives of the backward pass)
CHECKS = {
    "add": (lambda t: ad.sum(W * (t + C) ** 2), lambda v: np.sum(W * (v + C) ** 2), (-1, 1), "f"),
    "sub": (lambda t: ad.sum(W * (t - C) ** 2), lambda v: np.sum(W * (v - C) ** 2), (-1, 1), "f"),
    "neg": (lambda t: ad.sum(W * (-t) ** 3), lambda v: np.sum(W * (-v) ** 3), (-1, 1), "f"),
    "mul": (lambda t: ad.sum(W * t * t * C), lambda v: np.sum(W * v * v * C), (-1, 1), "f"),
    "div": (lambda t: ad.sum(W * C / t), lambda v: np.sum(W * C / v), (0.5, 2), "f"),
    "pow": (lambda t: ad.sum(W * t ** C), lambda v: np.sum(W * v ** C), (0.5, 2), "f"),
    "matmul": (lambda t: ad.sum(W * ad.tanh(A @ t)), lambda v: np.sum(W * np.tanh(A @ v)), (-1, 1), "f"),
    "exp": (lambda t: ad.sum(W * ad.exp(t)), lambda v: np.sum(W * np.exp(v)), (-2, 2), "f"),
    "log": (lambda t: ad.sum(W * ad.log(t)), lambda v: np.sum(W * np.log(v)), (0.3, 3), "f"),
    "sin": (lambda t: ad.sum(W * ad.sin(t)), lambda v: np.sum(W * np.sin(v)), (-3, 3), "f"),
    "cos": (lambda t: ad.sum(W * ad.cos(t)), lambda v: np.sum(W * np.cos(v)), (-3, 3), "f"),
    "tan": (lambda t: ad.sum(W * ad.tan(t)), lambda v: np.sum(W * np.tan(v)), (-1.2, 1.2), "f"),
    "tanh": (lambda t: ad.sum(W * ad.tanh(t)), lambda v: np.sum(W * np.tanh(v)), (-2, 2), "f"),
    "arcsin": (lambda t: ad.sum(W * ad.arcsin(t)), lambda v: np.sum(W * np.arcsin(v)), (-0.8, 0.8), "f"),
    "arccos": (lambda t: ad.sum(W * ad.arccos(t)), lambda v: np.sum(W * np.arccos(v)), (-0.8, 0.8), "f"),
    "arctan": (lambda t: ad.sum(W * ad.arctan(t)), lambda v: np.sum(W * np.arctan(v)), (-3, 3), "f"),
    "sinh": (lambda t: ad.sum(W * ad.sinh(t)), lambda v: np.sum(W * np.sinh(v)), (-2, 2), "f"),
    "cosh": (lambda t: ad.sum(W * ad.cosh(t)), lambda v: np.sum(W * np.cosh(v)), (-2, 2), "f"),
    "sqrt": (lambda t: ad.sum(W * ad.sqrt(t)), lambda v: np.sum(W * np.sqrt(v)), (0.3, 3), "f"),
    "sigmoid": (lambda t: ad.sum(W * ad.sigmoid(t)), lambda v: np.sum(W * _sig(v)), (-4, 4), "f"),
    "abs": (lambda t: ad.sum(W * ad.abs(t) ** 3), lambda v: np.sum(W * np.abs(v) ** 3), (-2, 2), "f"),
    "relu": (lambda t: ad.sum(W * ad.relu(t) ** 3), lambda v: np.sum(W * np.maximum(v, 0) ** 3), (-2, 2), "f"),
    "maximum": (lambda t: ad.sum(W * ad.maximum(t, C - 1) ** 3), lambda v: np.sum(W * np.maximum(v, C - 1) ** 3),
                (-1, 1), "f"),
    "minimum": (lambda t: ad.sum(W * ad.minimum(t, C - 1) ** 3), lambda v: np.sum(W * np.minimum(v, C - 1) ** 3),
                (-1, 1), "f"),
    "where": (lambda t: ad.sum(W * ad.where(t > 0, t ** 3, ad.sin(t))),
              lambda v: np.sum(W * np.where(v > 0, v ** 3, np.sin(v))), (-1, 1), "f"),
    "sum": (lambda t: ad.sum(ad.sum(ad.reshape(t, (2, 3)) ** 3, axis=0) * W[:3]),
            lambda v: np.sum(np.sum(v.reshape(2, 3) ** 3, axis=0) * W[:3]), (-1, 1), "f"),
    "mean": (lambda t: ad.mean(W * t ** 3), lambda v: np.mean(W * v ** 3), (-1, 1), "f"),
    "broadcast_to": (lambda t: ad.sum(ad.broadcast_to(t, (2, 6)) ** 3 * W),
                     lambda v: np.sum(np.broadcast_to(v, (2, 6)) ** 3 * W), (-1, 1), "f"),
    "getitem": (lambda t: ad.sum(t[1:4] ** 3 * W[:3]), lambda v: np.sum(v[1:4] ** 3 * W[:3]), (-1, 1), "f"),
    "scatter": (lambda t: ad.sum(t[1:4] ** 3 * W[:3]), lambda v: np.sum(v[1:4] ** 3 * W[:3]), (-1, 1), "trace"),
    "reshape": (lambda t: ad.sum(ad.reshape(t, (3, 2)) ** 3 * W.reshape(3, 2)),
                lambda v: np.sum(v.reshape(3, 2) ** 3 * W.reshape(3, 2)), (-1, 1), "f"),
    "transpose": (lambda t: ad.sum(ad.transpose(ad.reshape(t, (2, 3))) ** 3 * W.reshape(3, 2)),
                  lambda v: np.sum(v.reshape(2, 3).T ** 3 * W.reshape(3, 2)), (-1, 1), "f"),
    "stack": (lambda t: ad.sum(ad.stack([t ** 2, ad.sin(t)]) * np.stack([W, C])),
              lambda v: np.sum(np.stack([v ** 2, np.sin(v)]) * np.stack([W, C])), (-1, 1), "f"),
    "identity": (lambda t: ad.sum(W * ad.sin(t) * t), lambda v: np.sum(W * np.sin(v) * v), (-1, 1), "trace"),
    # the registry's stable functions, against their textbook NumPy formulas at moderate arguments
    "arcsinh": (lambda t: ad.sum(W * ad.arcsinh(t)), lambda v: np.sum(W * np.arcsinh(v)), (-3, 3), "f"),
    "expm1": (lambda t: ad.sum(W * ad.expm1(t)), lambda v: np.sum(W * (np.exp(v) - 1)), (-2, 2), "f"),
    "log1p": (lambda t: ad.sum(W * ad.log1p(t)), lambda v: np.sum(W * np.log(1 + v)), (-0.5, 2), "f"),
    "softplus": (lambda t: ad.sum(W * ad.softplus(t)), lambda v: np.sum(W * np.log(1 + np.exp(v))), (-4, 4), "f"),
    "log_sigmoid": (lambda t: ad.sum(W * ad.log_sigmoid(t)), lambda v: np.sum(W * np.log(_sig(v))), (-4, 4), "f"),
    "logsumexp": (lambda t: ad.sum(ad.logsumexp(ad.reshape(t, (2, 3)) * 2, axis=1) * W[:2]),
                  lambda v: np.sum(np.log(np.sum(np.exp(v.reshape(2, 3) * 2), axis=1)) * W[:2]), (-2, 2), "f"),
    "log_softmax": (lambda t: ad.sum(ad.log_softmax(ad.reshape(t, (2, 3)), axis=1) * W.reshape(2, 3) ** 2),
                    lambda v: np.sum((v.reshape(2, 3) - np.log(np.sum(np.exp(v.reshape(2, 3)), axis=1,
                                                                          keepdims=True))) * W.reshape(2, 3) ** 2),
                    (-2, 2), "f"),
}


def _ops(out) -> set:
    seen, stack, ops = set(), [out], set()
    while stack:
        node = stack.pop()
        if not isinstance(node, Tensor) or id(node) in seen:
            continue
        seen.add(id(node))
        if node.op:
            ops.add(node.op)
        stack.extend(node.args or ())
    return ops


def _fd_grad(fun, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        step = h * max(1.0, abs(x[i]))
        xp, xm = x.copy(), x.copy()
        xp[i] += step
        xm[i] -= step
        g[i] = (fun(xp) - fun(xm)) / (2 * step)
    return g


def _point(domain):
    lo, hi = domain
    x = RNG.uniform(lo, hi, 6)
    return np.where(np.abs(x) < 0.1, 0.35, x)      # clear of the kinks of abs, relu and where


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_of_the_table_is_checked(name):
    assert name in CHECKS, f"the rule {name!r} has no check: add one to CHECKS in {__name__}"
    f_ad, f_np, domain, record = CHECKS[name]
    x = _point(domain)
    if name in ("maximum", "minimum"):
        x = np.where(np.abs(x - (C - 1)) < 0.1, x + 0.25, x)     # no ties
    out = f_ad(Tensor(x)) if record == "f" else ad.grad(f_ad)(Tensor(x))
    assert name in _ops(out), f"the check for {name!r} does not record it"
    g = ad.grad(f_ad)(x)
    np.testing.assert_allclose(g, _fd_grad(f_np, x), rtol=1e-6, atol=1e-7)
    # second order through the traced backward pass, against differences of the checked gradient
    H = ad.hessian(f_ad)(x)
    H_fd = np.array([_fd_grad(lambda v, i=i: ad.grad(f_ad)(v)[i], x) for i in range(x.size)])
    np.testing.assert_allclose(H, H_fd, rtol=1e-5, atol=1e-6)
