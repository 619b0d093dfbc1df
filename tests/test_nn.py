"""calcml.nn: the MLP's backward pass against calcml.autodiff, its forward pass against scikit-learn,
layer Jacobians, unit activity, check_backprop, training and validation."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_circles
from sklearn.neural_network import MLPClassifier

import calcml.autodiff as ad
from calcml.errors import ComputationError, DomainError
from calcml.nn import MLP, check_backprop, unit_activity
from calcml.testing import check_grad

ACT = {"relu": ad.relu, "sigmoid": ad.sigmoid, "tanh": ad.tanh, "identity": lambda z: z}


def _data(n=60, seed=0):
    X, y = make_circles(n_samples=n, factor=0.5, noise=0.1, random_state=seed)
    return X, y


def _autodiff_loss(net, X, y):
    """The same network and mean loss written with calcml.autodiff primitives only."""
    Y = y.astype(float)[:, None]

    def loss(*params):
        a = X
        L = len(params) // 2
        for i in range(L):
            z = a @ params[2 * i] + params[2 * i + 1]
            a = ACT[net.activations[i]](z)
        if net.loss == "mse":
            return ad.mean((a - Y) ** 2)
        # softplus(z) - y z, softplus(z) = relu(z) + log(1 + exp(-|z|)): stable for every z
        return ad.mean(ad.relu(z) + ad.log(1.0 + ad.exp(-ad.abs(z))) - Y * z)

    return loss


@pytest.mark.parametrize("sizes, acts, loss", [
    ([2, 4, 3, 1], ["relu", "relu", "sigmoid"], "binary_cross_entropy"),
    ([2, 5, 1], ["tanh", "sigmoid"], "binary_cross_entropy"),
    ([2, 3, 3, 1], ["sigmoid", "identity", "sigmoid"], "mse"),
    ([2, 4, 4, 1], ["relu", "tanh", "identity"], "mse"),
])
def test_backward_agrees_with_autodiff_to_1e12(sizes, acts, loss):
    X, y = _data()
    # init="small" draws non-zero biases: with zero biases a sample whose ReLUs are all off has z = 0
    # exactly, where the autodiff formula's |z| and relu take their kink conventions (slope 0)
    net = MLP(sizes, acts, loss=loss, init="small", random_state=3).initialize()
    params = []
    for W, b in zip(net.coefs_, net.intercepts_):
        params += [W, b]
    want = ad.value_and_grad(_autodiff_loss(net, X, y), argnum=tuple(range(len(params))))(*params)
    got = net.backward(X, y)
    assert got.loss == pytest.approx(float(want[0]), rel=1e-13)
    for mine, theirs in zip([g for pair in zip(got.coefs, got.intercepts) for g in pair], want[1]):
        assert mine.shape == theirs.shape
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15)


def test_forward_agrees_with_scikit_learn():
    X, y = _data(80)
    net = MLP([2, 4, 3, 1], ["relu", "relu", "sigmoid"], random_state=1).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = MLPClassifier(hidden_layer_sizes=(4, 3), activation="relu", max_iter=1).fit(X, y)
    sk.coefs_ = [W.copy() for W in net.coefs_]
    sk.intercepts_ = [b.copy() for b in net.intercepts_]
    np.testing.assert_allclose(net.predict_proba(X), sk.predict_proba(X), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(net.predict(X), sk.predict(X))


def test_layer_jacobians_are_the_chain_rule_factors():
    net = MLP([3, 4, 2, 1], ["tanh", "relu", "sigmoid"], random_state=5).initialize()
    x = np.array([0.3, -0.7, 1.1])
    jacs = net.layer_jacobians(x)
    assert [J.jacobian.shape for J in jacs] == [(4, 3), (2, 4), (1, 2)]
    for J, W in zip(jacs, net.coefs_):
        np.testing.assert_array_equal(J.weights, W.T)                     # dz/da = W^T
        assert np.count_nonzero(J.derivative - np.diag(np.diag(J.derivative))) == 0  # diagonal
        np.testing.assert_allclose(J.jacobian, J.derivative @ W.T, rtol=1e-15)
    # their product is d(output)/dx: compare with reverse mode on the same function
    total = jacs[2].jacobian @ jacs[1].jacobian @ jacs[0].jacobian

    def out(v):
        a = v
        for W, b, name in zip(net.coefs_, net.intercepts_, net.activations):
            a = ACT[name](a @ W + b)
        return a

    np.testing.assert_allclose(total, ad.jacobian(out)(x), rtol=1e-12)
    with pytest.raises(DomainError, match=r"one sample x of shape \(3,\)"):
        net.layer_jacobians(np.ones((2, 3)))


def test_unit_activity_counts_by_hand():
    X, y = _data(50)
    net = MLP([2, 4, 3, 1], ["relu", "relu", "sigmoid"], init="small", random_state=0).initialize()
    act = unit_activity(net, X)
    assert act.layers == (1, 2)
    z1 = X @ net.coefs_[0] + net.intercepts_[0]
    a1 = np.maximum(z1, 0)
    z2 = a1 @ net.coefs_[1] + net.intercepts_[1]
    np.testing.assert_array_equal(act.fraction_active[0], (z1 > 0).mean(axis=0))
    np.testing.assert_array_equal(act.fraction_active[1], (z2 > 0).mean(axis=0))
    dead = [(1, u + 1) for u in range(4) if not np.any(z1[:, u] > 0)]
    dead += [(2, u + 1) for u in range(3) if not np.any(z2[:, u] > 0)]
    assert list(act.dead) == dead and act.n_dead == len(dead)
    # a dead unit's incoming weights get exactly zero gradient
    g = net.backward(X, y)
    for layer, unit in act.dead:
        assert np.all(g.coefs[layer - 1][:, unit - 1] == 0) and g.intercepts[layer - 1][unit - 1] == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_check_backprop_passes_the_lesson_network_at_every_step(seed):
    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=seed)
    for init in ("he", "small"):
        net = MLP([2, 4, 3, 1], ["relu", "relu", "sigmoid"], init=init, random_state=seed).initialize()
        for step in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8):
            res = check_backprop(net, X, y, step=step)
            assert res.ok, (init, step, res.message)


def test_check_backprop_catches_a_one_percent_error_in_any_single_entry():
    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=4)
    net = MLP([2, 4, 3, 1], ["relu", "relu", "sigmoid"], random_state=4).initialize()
    params = net.parameters()
    exact = net.backward(X, y).as_dict()
    checked = 0
    for name, arr in exact.items():
        for idx in np.ndindex(arr.shape):
            if arr[idx] == 0:  # a dead unit: 1% of zero is zero
                continue

            def off(p, name=name, idx=idx):
                d = net.backward(X, y, params=p).as_dict()
                d[name] = d[name].copy()
                d[name][idx] *= 1.01
                return d

            res = check_grad(lambda p: net.mean_loss(X, y, params=p), off, params)
            assert not res.ok, (name, idx)
            assert res.worst_index == (name,) + idx
            checked += 1
    assert checked >= 20


def test_training_learns_the_circles():
    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
    net = MLP([2, 4, 3, 1], ["relu", "relu", "sigmoid"], learning_rate=1.0, epochs=800, random_state=0)
    assert net.fit(X, y) is net
    assert net.n_iter_ == 800 and len(net.loss_curve_) == 800
    assert net.loss_curve_[-1] < 0.5 * net.loss_curve_[0]
    assert net.score(X, y) > 0.95
    # the curve's last entry is the mean loss before the last step: close to the loss now
    assert net.mean_loss(X, y) <= net.loss_curve_[-1] + 1e-3
    p = net.predict_proba(X)
    assert p.shape == (1000, 2) and np.allclose(p.sum(axis=1), 1.0)


def test_labels_column_and_strings():
    X, y = _data(100)
    labels = np.where(y == 1, "inner", "outer")
    net = MLP([2, 8, 1], ["tanh", "sigmoid"], epochs=300, random_state=0).fit(X, labels[:, None])
    assert list(net.classes_) == ["inner", "outer"]
    assert set(net.predict(X)) <= {"inner", "outer"}
    assert net.score(X, labels) > 0.8


def test_minibatch_and_float32():
    X, y = _data(200)
    net = MLP([2, 8, 1], ["relu", "sigmoid"], batch_size=32, epochs=50, random_state=0, dtype="float32").fit(X, y)
    assert all(W.dtype == np.float32 for W in net.coefs_ + net.intercepts_)
    assert net.forward(X).output.dtype == np.float32
    assert all(g.dtype == np.float32 for g in net.backward(X, y).coefs)
    assert len(net.loss_curve_) == 50 and net.loss_curve_[-1] < net.loss_curve_[0]


def test_non_finite_loss_names_the_learning_rate():
    X, y = _data(50)
    net = MLP([2, 4, 1], ["relu", "identity"], loss="mse", learning_rate=1e6, epochs=200, random_state=0)
    with pytest.raises(ComputationError, match="Lower learning_rate"):
        with np.errstate(all="ignore"):
            net.fit(X, y)


@pytest.mark.parametrize("kwargs, match", [
    (dict(layer_sizes=[2], activations=[]), "at least two sizes"),
    (dict(layer_sizes="2,4,1", activations=["relu", "sigmoid"]), "list of integers"),
    (dict(layer_sizes=[2, 0, 1], activations=["relu", "sigmoid"]), r"layer_sizes\[1\] = 0"),
    (dict(layer_sizes=[2, 4, 1], activations=["relu"]), "one activation per layer"),
    (dict(layer_sizes=[2, 4, 1], activations=["relu", "softmax"]), r"activations\[1\] = 'softmax'"),
    (dict(layer_sizes=[2, 4, 1], activations=["relu", "tanh"]), "needs the last activation 'sigmoid'"),
    (dict(layer_sizes=[2, 4, 2], activations=["relu", "sigmoid"]), "must end with 1"),
    (dict(layer_sizes=[2, 4, 1], activations=["relu", "sigmoid"], loss="hinge"), "loss='hinge'"),
    (dict(layer_sizes=[2, 4, 1], activations=["relu", "sigmoid"], init="zeros"), "init='zeros'"),
    (dict(layer_sizes=[2, 4, 1], activations=["relu", "sigmoid"], learning_rate=-1), "learning_rate"),
    (dict(layer_sizes=[2, 4, 1], activations=["relu", "sigmoid"], epochs=2.5), "epochs"),
    (dict(layer_sizes=[2, 4, 1], activations=["relu", "sigmoid"], batch_size=0), "batch_size"),
    (dict(layer_sizes=[2, 4, 1], activations=["relu", "sigmoid"], dtype="int8"), "dtype"),
])
def test_bad_settings_are_named(kwargs, match):
    X, y = _data(20)
    net = MLP(**kwargs)  # __init__ only stores
    with pytest.raises(DomainError, match=match) as info:
        net.fit(X, y)
    assert isinstance(info.value, ValueError)


def test_bad_data_is_named():
    X, y = _data(20)
    net = MLP([2, 3, 1], ["relu", "sigmoid"], epochs=1)
    with pytest.raises(DomainError, match="exactly two classes"):
        net.fit(X, np.arange(20) % 3)
    with pytest.raises(DomainError, match=r"X has 3 features"):
        net.fit(np.ones((20, 3)), y)
    with pytest.raises(DomainError, match=r"y must have shape \(20,\)"):
        net.fit(X, y[:10])
    with pytest.raises(DomainError, match="call fit"):
        MLP([2, 3, 1], ["relu", "sigmoid"]).predict(X)


def test_scikit_learn_can_clone_and_cross_validate_it():
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score

    net = MLP([2, 6, 1], ["tanh", "sigmoid"], epochs=150, random_state=0)
    twin = clone(net)
    assert twin is not net and twin.get_params() == net.get_params() and not hasattr(twin, "coefs_")
    X, y = _data(120)
    scores = cross_val_score(net, X, y, cv=3)
    assert scores.shape == (3,) and np.all((0 <= scores) & (scores <= 1))
    assert net.set_params(epochs=5) is net and net.epochs == 5


@pytest.mark.parametrize("seed", [1, 4, 7])
def test_check_backprop_passes_trained_networks_whose_loss_cancels(seed):
    # a trained network's mean loss is small while its terms softplus(z) - y z are large and cancel:
    # its round-off is far above eps * |loss|, and the check must measure it, not assume it
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=1000, noise=0.1, random_state=seed)
    net = MLP([2, 4, 3, 1], ["relu", "relu", "sigmoid"], epochs=300, random_state=seed).fit(X, y)
    for step in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, None):
        res = check_backprop(net, X, y) if step is None else check_backprop(net, X, y, step=step)
        assert res.ok, (step, res.message)
