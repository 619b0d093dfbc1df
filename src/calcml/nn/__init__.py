"""Neural networks with backpropagation written out as Jacobian products (lesson 5).

- :class:`MLP`: a multilayer perceptron with scikit-learn's estimator contract
  (``fit``/``predict``/``predict_proba``/``score``, learned ``coefs_``,
  ``intercepts_``, ``loss_curve_``, ``n_iter_``) whose ``forward``, ``backward``
  and ``layer_jacobians`` show every matrix of the chain rule.
- :func:`unit_activity`: how often each ReLU unit fires, and which are dead.
- :func:`check_backprop`: the gradient check of a model's backward pass, parameter
  group by parameter group, naming a constant-factor bug when there is one.

Teaching simplification: plain full-batch or minibatch gradient descent, no
momentum, no regularisation; see scikit-learn's ``MLPClassifier`` for the real thing.
"""

from .activity import UnitActivity, check_backprop, unit_activity
from .layers import ACTIVATIONS, LOSSES, sigmoid, softplus
from .mlp import MLP, ForwardPass, Gradients, LayerJacobian

__all__ = ["MLP", "ForwardPass", "Gradients", "LayerJacobian", "UnitActivity", "unit_activity",
           "check_backprop", "ACTIVATIONS", "LOSSES", "sigmoid", "softplus"]
