"""What the hidden units do on a data set, and the gradient check of a model's backward pass."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["UnitActivity", "unit_activity", "check_backprop"]


@dataclass(frozen=True)
class UnitActivity:
    """Per ReLU unit, how often it is active (z > 0) on a data set.

    Attributes
    ----------
    layers : tuple of int
        The ReLU layers (1 = first hidden layer).
    fraction_active : tuple of numpy.ndarray
        One array per layer in `layers`: for each unit the fraction of samples with z > 0.
    dead : tuple of (int, int)
        ``(layer, unit)`` (unit counted from 1) of every unit active on no sample: its
        output is 0 and its gradient is 0 for every sample, so gradient descent never
        changes its incoming weights.
    """

    layers: tuple
    fraction_active: tuple
    dead: tuple

    @property
    def n_dead(self) -> int:
        return len(self.dead)


def unit_activity(model, X) -> UnitActivity:
    """How often each ReLU unit of `model` is active on `X`, and which units are dead.

    Parameters
    ----------
    model : MLP
        A fitted (or initialised) :class:`calcml.nn.MLP`.
    X : array_like, shape (n, n_features)

    Returns
    -------
    UnitActivity

    Examples
    --------
    A ReLU unit whose weights point away from all the data never fires:

    >>> import numpy as np
    >>> from calcml.nn import MLP
    >>> net = MLP([1, 2, 1], ["relu", "sigmoid"]).initialize()
    >>> net.coefs_[0][:] = [[1.0, -1.0]]; net.intercepts_[0][:] = [0.0, -5.0]
    >>> act = unit_activity(net, np.linspace(0.5, 2.0, 4)[:, None])
    >>> act.fraction_active[0], act.dead
    (array([1., 0.]), ((1, 2),))
    """
    fp = model.forward(X)
    layers, fractions, dead = [], [], []
    for l, (name, z) in enumerate(zip(model.activations, fp.z), 1):
        if name != "relu":
            continue
        frac = np.mean(z > 0, axis=0)
        layers.append(l)
        fractions.append(frac)
        dead.extend((l, int(u) + 1) for u in np.flatnonzero(frac == 0))
    return UnitActivity(tuple(layers), tuple(fractions), tuple(dead))


def check_backprop(model, X, y, **options):
    """Check `model`'s :meth:`~calcml.nn.MLP.backward` against numeric differentiation of its loss.

    The parameters are checked as named groups (``W1``, ``b1``, ``W2``, ...) with
    :func:`calcml.check_grad`, with the batch size ``N = len(X)`` so that a
    mean-versus-sum mistake is named as such.

    Parameters
    ----------
    model : MLP
    X, y : the data the loss is averaged over.
    **options
        Passed to :func:`calcml.check_grad` (``step``, ``rtol``).

    Returns
    -------
    calcml.testing.GradCheck

    Examples
    --------
    >>> import numpy as np
    >>> from calcml.nn import MLP
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(20, 2)), rng.integers(0, 2, 20)
    >>> net = MLP([2, 3, 1], ["tanh", "sigmoid"], random_state=0).initialize()
    >>> check_backprop(net, X, y).ok
    True
    """
    from ..testing import check_grad

    X = np.asarray(X, dtype=float)
    options.setdefault("batch_size", X.shape[0])
    return check_grad(lambda p: model.mean_loss(X, y, params=p),
                      lambda p: model.backward(X, y, params=p).as_dict(),
                      model.parameters(), **options)
