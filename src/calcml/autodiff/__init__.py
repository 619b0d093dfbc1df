"""calcml's own reverse-mode automatic differentiation, over NumPy arrays.

The automatic lens of calcml: write a function with these NumPy-named
operations and get exact derivatives (up to rounding) by backpropagation.

- :class:`Tensor`: the traced value (micrograd's ``Value``, holding an array);
  ``t.backward()`` fills ``.grad`` of everything ``t`` was computed from.
- Primitives named as in NumPy: ``exp log sin cos tan tanh arcsin arccos arctan sinh cosh sqrt abs sigmoid relu
  maximum minimum where sum mean dot matmul reshape transpose broadcast_to stack``,
  plus the operators ``+ - * / ** @``, unary minus and indexing on Tensors.
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

from .functions import (abs, arccos, arcsin, arctan, broadcast_to, cos, cosh, dot, exp, log, matmul, maximum,
                        mean, minimum,
                        primitive, relu, reshape, sigmoid, sin, sinh, sqrt, stack, sum, tan, tanh,
                        transpose, where)
from .graph import show_graph
from .rules import rule
from .tensor import Tensor
from .transforms import grad, hessian, jacobian, jvp, value_and_grad, vjp

__all__ = [
    "Tensor",
    "grad", "value_and_grad", "jacobian", "hessian", "vjp", "jvp",
    "exp", "log", "sin", "cos", "tan", "tanh", "arcsin", "arccos", "arctan", "sinh", "cosh",
    "sqrt", "abs", "sigmoid", "relu",
    "maximum", "minimum", "where", "sum", "mean", "dot", "matmul",
    "reshape", "transpose", "broadcast_to", "stack",
    "show_graph", "primitive", "rule",
]
