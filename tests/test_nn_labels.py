"""MLP refuses NaN and infinite labels with the index of the first one (not as an unknown class)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcml.errors import DomainError
from calcml.nn import MLP

X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])


def _net():
    return MLP([2, 3, 1], ["tanh", "sigmoid"], random_state=0, epochs=2)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_fit_names_the_index_of_a_non_finite_label(bad):
    y = [0.0, 1.0, bad, 1.0]
    net = _net()
    with pytest.raises(DomainError, match=r"y has a non-finite value .* at index 2") as err:
        net.fit(X, y)
    assert isinstance(err.value, ValueError) and "classes seen in fit" not in str(err.value)
    assert not hasattr(net, "classes_")  # refused before anything is learned
    with pytest.raises(DomainError, match=r"at index 0"):
        _net().fit(X, np.array([bad, "a", "b", "a"], dtype=object))


def test_score_names_the_index_of_a_non_finite_label():
    net = _net().fit(X, [0, 1, 1, 0])
    with pytest.raises(DomainError, match=r"y has a non-finite value .* at index 3"):
        net.score(X, [0.0, 1.0, 1.0, math.nan])
