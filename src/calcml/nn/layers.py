"""Activations and losses of a small neural network, each with its derivative.

An activation is applied elementwise, so its Jacobian is diagonal:
``d a / d z = diag(f'(z))``. The backward pass multiplies by that diagonal,
which is an elementwise product with ``f'(z)``; the derivative is written in
terms of whatever is cheapest (``z`` for ReLU, the output ``a`` for sigmoid and
tanh).

The losses take the network's last pre-activation ``z`` (the logits) rather
than its output: binary cross-entropy computed from a probability needs
``log(p)`` and ``log(1 - p)``, which overflow or lose every digit once ``p``
rounds to 0 or 1; from logits it is ``softplus(z) - y z``, exact for every
finite ``z`` (see Goodfellow, Bengio and Courville, *Deep Learning*, 6.2.2.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["Activation", "ACTIVATIONS", "Loss", "LOSSES", "sigmoid", "softplus"]


def sigmoid(z):
    """The logistic function 1 / (1 + e^-z), without overflow for any z.

    Written as ``(1 + tanh(z/2)) / 2``, the same function (tanh(t) = 2 sigma(2t) - 1),
    which never exponentiates a large number.

    >>> sigmoid(np.array([-800.0, 0.0, 800.0]))
    array([0. , 0.5, 1. ])
    """
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softplus(z):
    """log(1 + e^z), exact for every finite z (NumPy's ``logaddexp(0, z)``).

    >>> softplus(np.array([-800.0, 0.0, 800.0])).tolist()
    [0.0, 0.6931471805599453, 800.0]
    >>> float(np.log(2.0))            # softplus(0) = log 2
    0.6931471805599453
    """
    return np.logaddexp(0.0, z)


@dataclass(frozen=True)
class Activation:
    """An elementwise activation ``a = f(z)`` and its derivative.

    Attributes
    ----------
    name : str
    f : callable
        ``f(z)``, elementwise.
    df : callable
        ``df(z, a)``: f'(z), given both z and a = f(z) (whichever is cheaper); ReLU's is a
        boolean mask (True = 1), which multiplies like 0/1 floats.
    formula : str
        The derivative in words, as the lesson writes it.
    """

    name: str
    f: Callable
    df: Callable
    formula: str


def _relu(z):
    return np.maximum(z, 0.0)


def _drelu(z, a):
    # d relu = 1 where z > 0, else 0 (the convention 0 at the kink z = 0, as in calcml.autodiff).
    # A boolean mask: multiplying by it is the same as by 0/1 floats, one pass cheaper.
    return z > 0


def _dsigmoid(z, a):
    # d sigma = sigma (1 - sigma): no factor 2 (the original lesson's bug)
    return a * (1.0 - a)


def _dtanh(z, a):
    # d tanh = 1 - tanh^2
    return 1.0 - a * a


def _identity(z):
    return z


def _didentity(z, a):
    return np.ones_like(z)


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", _relu, _drelu, "1 where z > 0, 0 elsewhere"),
    "sigmoid": Activation("sigmoid", sigmoid, _dsigmoid, "s (1 - s) with s = sigmoid(z)"),
    "tanh": Activation("tanh", np.tanh, _dtanh, "1 - tanh(z)^2"),
    "identity": Activation("identity", _identity, _didentity, "1"),
}


@dataclass(frozen=True)
class Loss:
    """A loss averaged over samples, and its gradient with respect to the last layer.

    Attributes
    ----------
    name : str
    value : callable
        ``value(z, a, y)``: the mean loss over the n samples, a float. ``z`` is the
        last pre-activation, ``a`` the network's output, ``y`` the targets, all (n, k).
    grad_z : callable
        ``grad_z(z, a, y, df)``: dL/dz for the last layer, shape (n, k), where
        ``df`` is the last activation's derivative.
    """

    name: str
    value: Callable
    grad_z: Callable


def _bce_value(z, a, y):
    # -[y log s(z) + (1 - y) log(1 - s(z))] = softplus(z) - y z, averaged over the n samples
    return float(np.mean(softplus(z) - y * z))


def _bce_grad(z, a, y, df):
    # d/dz [softplus(z) - y z] = sigmoid(z) - y; the mean divides by n.
    # (The sigmoid's Jacobian and the log's derivative cancel: that is why the pair is used.)
    return (a - y) / z.shape[0]


def _mse_value(z, a, y):
    r = a - y
    return float(np.mean(r * r))


def _mse_grad(z, a, y, df):
    # d/da mean((a - y)^2) = 2 (a - y) / (n k), then the activation's diagonal Jacobian
    return (2.0 / a.size) * (a - y) * df(z, a)


LOSSES: dict[str, Loss] = {
    "binary_cross_entropy": Loss("binary_cross_entropy", _bce_value, _bce_grad),
    "mse": Loss("mse", _mse_value, _mse_grad),
}
