"""calcml's own reverse-mode automatic differentiation, over NumPy arrays.

The automatic lens of calcml: write a function with these NumPy-named
operations and get exact derivatives (up to rounding) by backpropagation.

- :class:`Tensor`: the traced value (micrograd's ``Value``, holding an array);
  ``t.backward()`` fills ``.grad`` of everything ``t`` was computed from.
- Primitives named as in NumPy: one per function of the registry
  :data:`calcml.functions.functions` (``exp log sin cos tan tanh arcsin arccos arctan
  sinh cosh sqrt abs sigmoid softplus log_sigmoid log1p expm1``), and ``relu
  logsumexp log_softmax maximum minimum where sum mean dot matmul reshape transpose
  broadcast_to stack``, plus the operators ``+ - * / ** @``, unary minus and
  indexing on Tensors. ``log(sigmoid(z))`` is computed as the stable ``log_sigmoid(z)``.
- Transforms that return functions (HIPS autograd's style): :func:`grad`,
  :func:`value_and_grad`, :func:`jacobian`, :func:`hessian` (= ``jacobian(grad(f))``),
  :func:`vjp`, :func:`jvp`.
- :func:`show_graph`: the graph as text, with each node's local Jacobian.
- :func:`primitive` and :func:`rule`: add your own primitive and its derivative.

Only NumPy is imported here.

Examples
--------
>>> import numpy as np
>>> import calcml.autodiff as ad
>>> f = lambda x: ad.sum(ad.tanh(x) ** 2)
>>> ad.grad(f)(np.array([0.5, 1.0]))
array([0.72686198, 0.63970001])
>>> t = np.tanh([0.5, 1.0]); 2 * t * (1 - t**2)        # by hand
array([0.72686198, 0.63970001])
"""

from . import functions as _functions
from .functions import *  # noqa: F403 - the primitives, listed in functions.__all__
from .graph import show_graph
from .numpy_dispatch import NumpyFunctionError
from .rules import rule
from .tensor import Tensor
from .transforms import grad, hessian, jacobian, jvp, value_and_grad, vjp

__all__ = [
    "Tensor",
    "grad", "value_and_grad", "jacobian", "hessian", "vjp", "jvp",
    *_functions.__all__,
    "show_graph", "rule", "NumpyFunctionError",
]
