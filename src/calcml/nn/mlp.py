"""A multilayer perceptron with backpropagation written out as Jacobian products.

Conventions (scikit-learn's): a batch ``X`` has one sample per row, shape
(n, n_features). Layer ``l`` (numbered from 1, as in the lesson) computes

    z_l = a_{l-1} @ W_l + b_l        W_l: (n_{l-1}, n_l), b_l: (n_l,)
    a_l = f_l(z_l)                   elementwise

with ``a_0 = X``. ``W_l`` is ``coefs_[l-1]`` and ``b_l`` is ``intercepts_[l-1]``.
For one sample written as a column vector this is ``z = W_l^T a + b``, so the
lesson's matrix W (outputs by inputs) is ``coefs_[l-1].T``.

Backpropagation is the chain rule for one sample, layer by layer:

    dL/da_{l-1} = J_z(l)^T dL/dz_l = W_l dL/dz_l          (J_z(l) = dz_l/da_{l-1} = W_l^T)
    dL/dz_{l-1} = J_a(l-1)^T dL/da_{l-1} = f'(z_{l-1}) * dL/da_{l-1}   (J_a diagonal)

and the parameters collect ``dL/dW_l = a_{l-1}^T dL/dz_l`` and
``dL/db_l = sum over samples of dL/dz_l``. With a *mean* loss the 1/n is in
dL/dz_L already, so both are sums: weights and biases on one scale (the original
lesson averaged one and summed the other).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sklearn.base import BaseEstimator, ClassifierMixin

from ..errors import ComputationError, DomainError
from .layers import ACTIVATIONS, LOSSES

__all__ = ["MLP", "ForwardPass", "Gradients", "LayerJacobian"]

INITS = ("he", "glorot", "small")


@dataclass(frozen=True)
class ForwardPass:
    """Everything a forward pass computed, layer by layer.

    Attributes
    ----------
    z : tuple of numpy.ndarray
        ``z[l-1]`` = z_l, the pre-activation of layer l, shape (n, n_l).
    a : tuple of numpy.ndarray
        ``a[0]`` is the input X (n, n_features); ``a[l]`` = f_l(z_l), shape (n, n_l).
    """

    z: tuple
    a: tuple

    @property
    def output(self) -> np.ndarray:
        """The network's output a_L, shape (n, n_outputs)."""
        return self.a[-1]


@dataclass(frozen=True)
class Gradients:
    """The gradient of the mean loss with respect to every parameter.

    Attributes
    ----------
    coefs : tuple of numpy.ndarray
        dL/dW_l, shaped like ``coefs_[l-1]``: (n_{l-1}, n_l).
    intercepts : tuple of numpy.ndarray
        dL/db_l, shaped like ``intercepts_[l-1]``: (n_l,).
    loss : float
        The mean loss at these parameters.
    """

    coefs: tuple
    intercepts: tuple
    loss: float

    def as_dict(self) -> dict:
        """``{"W1": dL/dW_1, "b1": dL/db_1, "W2": ...}``, the names :func:`check_backprop` uses."""
        out = {}
        for i, (gw, gb) in enumerate(zip(self.coefs, self.intercepts), 1):
            out[f"W{i}"], out[f"b{i}"] = gw, gb
        return out


@dataclass(frozen=True)
class LayerJacobian:
    """The Jacobian of one layer for one sample, as the two factors of the chain rule.

    Attributes
    ----------
    layer : int
        1 for the first hidden layer.
    activation : str
    weights : numpy.ndarray
        dz_l/da_{l-1} = W_l^T, shape (n_l, n_{l-1}): rows are outputs, columns inputs.
    derivative : numpy.ndarray
        da_l/dz_l = diag(f'(z_l)), shape (n_l, n_l).
    jacobian : numpy.ndarray
        da_l/da_{l-1} = diag(f'(z_l)) W_l^T, shape (n_l, n_{l-1}).
    """

    layer: int
    activation: str
    weights: np.ndarray
    derivative: np.ndarray
    jacobian: np.ndarray


def _check_int_list(value, name, minimum):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise DomainError(f"{name} must be a list of integers such as [2, 4, 3, 1]; got {value!r}")
    out = []
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
            raise DomainError(f"{name}[{i}] = {v!r}: every layer size must be an integer >= {minimum}")
        out.append(int(v))
    return out


class MLP(ClassifierMixin, BaseEstimator):
    """A fully connected network trained by gradient descent, with readable backpropagation.

    Parameters
    ----------
    layer_sizes : list of int
        Units per layer, input first and output last: ``[2, 4, 3, 1]`` is the
        lesson's network (2 inputs, hidden layers of 4 and 3, one output).
    activations : list of str
        One per layer after the input: ``"relu"``, ``"sigmoid"``, ``"tanh"`` or
        ``"identity"``.
    loss : {"binary_cross_entropy", "mse"}
        Binary cross-entropy needs a single sigmoid output and is computed from
        the logits (stable). MSE compares the output with the 0/1 coding of the
        two classes.
    init : {"he", "glorot", "small"}
        He: weights N(0, 2/fan_in), for ReLU (He et al. 2015). Glorot: uniform with
        variance 2/(fan_in + fan_out), for tanh and sigmoid (Glorot and Bengio 2010).
        Small: weights and biases N(0, 0.1^2), the original lesson's choice (kept to
        show what goes wrong). He and Glorot start the biases at 0.
    learning_rate : float
        Step of plain gradient descent on the mean loss.
    epochs : int
        Passes over the data.
    batch_size : int or None
        None: full batch (one step per epoch). Otherwise shuffled minibatches.
    random_state : int or None
        Seed for the initial weights and the shuffling.
    dtype : {"float64", "float32"}

    Attributes
    ----------
    coefs_ : list of numpy.ndarray
        ``coefs_[l-1]`` = W_l, shape (n_{l-1}, n_l).
    intercepts_ : list of numpy.ndarray
        ``intercepts_[l-1]`` = b_l, shape (n_l,).
    classes_ : numpy.ndarray
        The two class labels; the second is the positive class (output 1).
    loss_curve_ : list of float
        Mean loss over each epoch (before each step's update).
    n_iter_ : int
        Epochs run.
    n_features_in_ : int

    Raises
    ------
    DomainError
        From :meth:`fit` (and :meth:`initialize`) for an invalid setting, naming it.
    ComputationError
        From :meth:`fit` when the loss becomes NaN or infinite (lower the learning rate).

    Examples
    --------
    >>> from sklearn.datasets import make_circles
    >>> X, y = make_circles(n_samples=400, factor=0.5, noise=0.1, random_state=0)
    >>> net = MLP([2, 8, 1], ["relu", "sigmoid"], learning_rate=1.0, epochs=600, random_state=0)
    >>> net.fit(X, y).score(X, y) > 0.9
    True
    >>> [w.shape for w in net.coefs_]
    [(2, 8), (8, 1)]
    """

    def __init__(self, layer_sizes, activations, loss="binary_cross_entropy", init="he", learning_rate=1.0,
                 epochs=1000, batch_size=None, random_state=None, dtype="float64"):
        self.layer_sizes = layer_sizes
        self.activations = activations
        self.loss = loss
        self.init = init
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state
        self.dtype = dtype

    # ----- validation ---------------------------------------------------------------------
    def _validate(self):
        sizes = _check_int_list(self.layer_sizes, "layer_sizes", 1)
        if len(sizes) < 2:
            raise DomainError(f"layer_sizes needs at least two sizes (inputs and outputs), e.g. [2, 4, 1]; "
                              f"got {sizes}")
        acts = self.activations
        if isinstance(acts, str) or not hasattr(acts, "__len__"):
            raise DomainError(f"activations must be a list of names, one per layer after the input; got {acts!r}")
        acts = list(acts)
        if len(acts) != len(sizes) - 1:
            raise DomainError(f"activations has {len(acts)} entries but layer_sizes {sizes} has {len(sizes) - 1} "
                              f"layers after the input: give one activation per layer, e.g. "
                              f"{','.join(['relu'] * (len(sizes) - 2) + ['sigmoid'])}")
        for i, a in enumerate(acts):
            if a not in ACTIVATIONS:
                raise DomainError(f"activations[{i}] = {a!r} is not known; choose one of {', '.join(ACTIVATIONS)}")
        if self.loss not in LOSSES:
            raise DomainError(f"loss={self.loss!r} is not known; choose one of {', '.join(LOSSES)}")
        if sizes[-1] != 1:
            raise DomainError(f"layer_sizes must end with 1: the network has one output, the probability of the "
                              f"second class; got {sizes[-1]}")
        if self.loss == "binary_cross_entropy" and acts[-1] != "sigmoid":
            raise DomainError("loss='binary_cross_entropy' needs the last activation 'sigmoid' "
                              f"(got {acts[-1]!r}); or use loss='mse'")
        if self.init not in INITS:
            raise DomainError(f"init={self.init!r} is not known; choose one of {', '.join(INITS)}")
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not (np.isfinite(lr) and lr > 0):
            raise DomainError(f"learning_rate must be a positive finite number; got {lr!r}")
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, (int, np.integer)) or self.epochs < 0:
            raise DomainError(f"epochs must be an integer >= 0; got {self.epochs!r}")
        bs = self.batch_size
        if bs is not None and (isinstance(bs, bool) or not isinstance(bs, (int, np.integer)) or bs < 1):
            raise DomainError(f"batch_size must be None (full batch) or an integer >= 1; got {bs!r}")
        if str(self.dtype) not in ("float64", "float32"):
            raise DomainError(f"dtype must be 'float64' or 'float32'; got {self.dtype!r}")
        return sizes, acts

    def _X(self, X, fitting=False):
        try:
            X = np.asarray(X, dtype=np.dtype(str(self.dtype)))
        except (TypeError, ValueError) as exc:
            raise DomainError(f"X must be an array of numbers of shape (n_samples, n_features); {exc}") from exc
        if X.ndim != 2:
            raise DomainError(f"X must have shape (n_samples, n_features); got shape {X.shape}")
        n_in = int(self.layer_sizes[0]) if fitting else self.n_features_in_
        if X.shape[1] != n_in:
            raise DomainError(f"X has {X.shape[1]} features but the network's first layer has {n_in} inputs "
                              f"(layer_sizes[0])")
        if not np.all(np.isfinite(X)):
            raise DomainError("X contains NaN or infinite values; remove or impute them first")
        return X

    def _y(self, y, n):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or y.shape[0] != n:
            raise DomainError(f"y must have shape ({n},) or ({n}, 1), one label per row of X; got {y.shape}")
        # a NaN or infinite label is no class (and NaN != NaN would make it look like a third one)
        if y.dtype.kind in "fc":
            bad = np.flatnonzero(~np.isfinite(y))
        elif y.dtype.kind == "O":
            bad = [i for i, v in enumerate(y.tolist())
                   if isinstance(v, (float, complex, np.floating, np.complexfloating)) and not np.isfinite(v)]
        else:
            bad = []
        if len(bad):
            i = int(bad[0])
            raise DomainError(f"y has a non-finite value ({y[i]!r}) at index {i}; labels must be finite numbers "
                              "(such as 0 and 1) or strings")
        return y

    def _encode(self, y):
        """0/1 column (n, 1) for labels y, with classes_ known."""
        codes = np.searchsorted(self.classes_, y)
        codes = np.clip(codes, 0, 1)
        if not np.all(self.classes_[codes] == y):
            raise DomainError(f"y contains labels other than the classes seen in fit, {list(self.classes_)}")
        return codes.astype(self._dtype)[:, None]

    def _check_fitted(self):
        if not hasattr(self, "coefs_"):
            raise DomainError("this MLP has no parameters yet: call fit(X, y) (or initialize()) first")

    # ----- parameters ---------------------------------------------------------------------
    def initialize(self):
        """Draw the initial parameters (as `fit` does) without training; returns self."""
        sizes, acts = self._validate()
        self._dtype = np.dtype(str(self.dtype))
        self._acts = [ACTIVATIONS[a] for a in acts]
        self._loss = LOSSES[self.loss]
        rng = np.random.default_rng(self.random_state)
        self._rng = rng
        self.coefs_, self.intercepts_ = [], []
        for n_in, n_out in zip(sizes, sizes[1:]):
            if self.init == "he":
                W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
                b = np.zeros(n_out)
            elif self.init == "glorot":
                limit = np.sqrt(6.0 / (n_in + n_out))
                W = rng.uniform(-limit, limit, size=(n_in, n_out))
                b = np.zeros(n_out)
            else:  # "small": the original lesson's 0.1 * randn for both
                W = 0.1 * rng.standard_normal((n_in, n_out))
                b = 0.1 * rng.standard_normal(n_out)
            self.coefs_.append(W.astype(self._dtype))
            self.intercepts_.append(b.astype(self._dtype))
        self.n_features_in_ = sizes[0]
        if not hasattr(self, "classes_"):
            self.classes_ = np.array([0, 1])
        self.loss_curve_ = []
        self.n_iter_ = 0
        return self

    def parameters(self) -> dict:
        """Copies of the parameters by name: ``{"W1": coefs_[0], "b1": intercepts_[0], ...}``."""
        self._check_fitted()
        out = {}
        for i, (W, b) in enumerate(zip(self.coefs_, self.intercepts_), 1):
            out[f"W{i}"], out[f"b{i}"] = W.copy(), b.copy()
        return out

    def _unpack(self, params):
        if params is None:
            return self.coefs_, self.intercepts_
        L = len(self.coefs_)
        return ([np.asarray(params[f"W{i}"]) for i in range(1, L + 1)],
                [np.asarray(params[f"b{i}"]) for i in range(1, L + 1)])

    # ----- the forward and backward passes --------------------------------------------------
    def _forward(self, X, coefs, intercepts):
        zs, as_ = [], [X]
        a = X
        for W, b, act in zip(coefs, intercepts, self._acts):
            z = a @ W + b          # (n, n_{l-1}) @ (n_{l-1}, n_l) + (n_l,) -> (n, n_l)
            a = act.f(z)           # elementwise
            zs.append(z)
            as_.append(a)
        return zs, as_

    def _backward(self, zs, as_, Y, coefs):
        """Gradients of the mean loss, from the output back; returns (dW list, db list)."""
        L = len(coefs)
        dW, db = [None] * L, [None] * L
        act = self._acts[-1]
        delta = self._loss.grad_z(zs[-1], as_[-1], Y, act.df)   # dL/dz_L, (n, n_L)
        for l in range(L - 1, -1, -1):
            dW[l] = as_[l].T @ delta                  # (n_{l-1}, n) @ (n, n_l): sum over samples
            db[l] = delta.sum(axis=0)                 # sum over samples, like dW (1/n is in delta)
            if l:
                da = delta @ coefs[l].T               # dL/da_{l-1} = W_l dL/dz_l per sample: (n, n_{l-1})
                act = self._acts[l - 1]
                delta = da * act.df(zs[l - 1], as_[l])  # times diag(f'(z_{l-1})): elementwise
        return dW, db

    def forward(self, X) -> ForwardPass:
        """Run the network on `X` (n, n_features); every z_l and a_l, layer by layer."""
        self._check_fitted()
        X = self._X(X)
        zs, as_ = self._forward(X, self.coefs_, self.intercepts_)
        return ForwardPass(tuple(zs), tuple(as_))

    def backward(self, X, y, params=None) -> Gradients:
        """Gradients of the mean loss by backpropagation.

        Parameters
        ----------
        X : array_like, shape (n, n_features)
        y : array_like, shape (n,) or (n, 1)
            Labels among ``classes_`` (for MSE too: the output is compared with their 0/1 coding).
        params : dict, optional
            Parameters by name (``"W1"``, ``"b1"``, ...) to use instead of the model's own.

        Returns
        -------
        Gradients
            ``coefs[l-1]`` has the shape of W_l, (n_{l-1}, n_l); ``intercepts[l-1]`` of b_l, (n_l,).
            Written as: dL/dz_L from the loss; then for l = L..1: dL/dW_l = a_{l-1}^T dL/dz_l,
            dL/db_l = sum over samples of dL/dz_l, dL/da_{l-1} = dL/dz_l W_l^T (each row: W_l times
            that sample's dL/dz_l, the lesson's "W^T dy/dz"), dL/dz_{l-1} = dL/da_{l-1} * f'(z_{l-1}).

        Examples
        --------
        One weight's gradient next to a central difference of the mean loss:

        >>> import numpy as np
        >>> rng = np.random.default_rng(1)
        >>> X, y = rng.normal(size=(30, 2)), rng.integers(0, 2, 30)
        >>> net = MLP([2, 3, 1], ["tanh", "sigmoid"], random_state=0).initialize()
        >>> g = net.backward(X, y)
        >>> p, h = net.parameters(), 1e-6
        >>> p["W1"][0, 1] += h; up = net.mean_loss(X, y, params=p)
        >>> p["W1"][0, 1] -= 2 * h; down = net.mean_loss(X, y, params=p)
        >>> bool(abs(g.coefs[0][0, 1] - (up - down) / (2 * h)) < 1e-9)
        True
        """
        self._check_fitted()
        X = self._X(X)
        Y = self._encode(self._y(y, X.shape[0]))
        coefs, intercepts = self._unpack(params)
        zs, as_ = self._forward(X, coefs, intercepts)
        dW, db = self._backward(zs, as_, Y, coefs)
        return Gradients(tuple(dW), tuple(db), self._loss.value(zs[-1], as_[-1], Y))

    def mean_loss(self, X, y, params=None) -> float:
        """The mean loss over the samples (at `params`, by name, if given)."""
        self._check_fitted()
        X = self._X(X)
        Y = self._encode(self._y(y, X.shape[0]))
        zs, as_ = self._forward(X, *self._unpack(params))
        return self._loss.value(zs[-1], as_[-1], Y)

    def layer_jacobians(self, x) -> tuple:
        """Each layer's Jacobian da_l/da_{l-1} for one sample `x` (n_features,).

        Returns
        -------
        tuple of LayerJacobian
            Layer l's ``jacobian`` is diag(f_l'(z_l)) W_l^T, shape (n_l, n_{l-1}). Their
            product, last layer first, is d(output)/dx, shape (n_outputs, n_features).

        Examples
        --------
        >>> import numpy as np
        >>> import calcml.autodiff as ad
        >>> net = MLP([2, 3, 1], ["tanh", "sigmoid"], random_state=0).initialize()
        >>> J1, J2 = net.layer_jacobians(np.array([0.5, -1.0]))
        >>> J1.jacobian.shape, J2.jacobian.shape
        ((3, 2), (1, 3))
        >>> W1, b1, W2, b2 = net.coefs_[0], net.intercepts_[0], net.coefs_[1], net.intercepts_[1]
        >>> out = lambda v: ad.sigmoid(ad.tanh(v @ W1 + b1) @ W2 + b2)
        >>> bool(np.allclose(J2.jacobian @ J1.jacobian, ad.jacobian(out)(np.array([0.5, -1.0])), rtol=1e-12))
        True
        """
        self._check_fitted()
        x = np.asarray(x, dtype=self._dtype)
        if x.shape != (self.n_features_in_,):
            raise DomainError(f"layer_jacobians needs one sample x of shape ({self.n_features_in_},); "
                              f"got {x.shape}")
        zs, as_ = self._forward(self._X(x[None, :]), self.coefs_, self.intercepts_)
        out = []
        for l, (W, act) in enumerate(zip(self.coefs_, self._acts), 1):
            d = np.diag(act.df(zs[l - 1][0], as_[l][0]).astype(self._dtype))
            out.append(LayerJacobian(l, act.name, W.T.copy(), d, d @ W.T))
        return tuple(out)

    # ----- training and prediction ----------------------------------------------------------
    def fit(self, X, y, callback=None):
        """Train by gradient descent on the mean loss; returns self.

        Parameters
        ----------
        X : array_like, shape (n, n_features)
        y : array_like, shape (n,) or (n, 1), two classes
        callback : callable, optional
            ``callback(epoch, mean_loss)`` after each epoch (epochs counted from 1), e.g. for a
            progress bar; the model's parameters are the updated ones.

        Raises
        ------
        DomainError
            Invalid settings, X or y (y must hold exactly two classes).
        ComputationError
            The loss became NaN or infinite: the learning rate is too large.
        """
        self._validate()
        X = self._X(X, fitting=True)
        y = self._y(y, X.shape[0])
        classes = np.unique(y)
        if classes.size != 2:
            raise DomainError(f"y must contain exactly two classes; found {classes.size}: {list(classes)[:5]}")
        self.classes_ = classes
        self.initialize()
        Y = self._encode(y)
        lr = self._dtype.type(self.learning_rate)
        coefs, intercepts, loss = self.coefs_, self.intercepts_, self._loss
        n = X.shape[0]
        bs = n if self.batch_size is None else min(int(self.batch_size), n)
        curve = self.loss_curve_
        for epoch in range(int(self.epochs)):
            if bs == n:
                batches = ((X, Y),)
            else:
                order = self._rng.permutation(n)
                batches = [(X[order[i:i + bs]], Y[order[i:i + bs]]) for i in range(0, n, bs)]
            total = 0.0
            for Xb, Yb in batches:
                zs, as_ = self._forward(Xb, coefs, intercepts)
                total += loss.value(zs[-1], as_[-1], Yb) * Xb.shape[0]
                dW, db = self._backward(zs, as_, Yb, coefs)
                for W, b, gW, gb in zip(coefs, intercepts, dW, db):
                    W -= lr * gW
                    b -= lr * gb
            mean = total / n
            curve.append(mean)
            self.n_iter_ = epoch + 1
            if not np.isfinite(mean):
                raise ComputationError(f"the loss became {mean} at epoch {epoch + 1}: training diverged. "
                                       f"Lower learning_rate (now {self.learning_rate!r}), e.g. by a factor 10")
            if callback is not None:
                callback(epoch + 1, mean)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n, 2): columns follow ``classes_``."""
        self._check_fitted()
        p = self.forward(X).output[:, 0]
        p = np.clip(p, 0.0, 1.0)
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        """The predicted label of each row of X: the second class where its probability exceeds 0.5."""
        self._check_fitted()
        return self.classes_[(self.predict_proba(X)[:, 1] > 0.5).astype(int)]

    def score(self, X, y) -> float:
        """Accuracy: the fraction of rows of X whose label is predicted right."""
        X = self._X(X)
        y = self._y(y, X.shape[0])
        return float(np.mean(self.predict(X) == y))
