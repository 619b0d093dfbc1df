"""The backward pass: order the graph, then apply the rules from the output back.

Two steps, both loops (no recursion, so a chain of 100,000 operations is fine):

1. :func:`toposort` lists the nodes so that every node comes after its inputs
   (a search with an explicit stack, then a sort by creation order).
2. :func:`backward_pass` walks that list from the end. Each node's gradient is
   complete when its turn comes, because everything computed from it comes later
   in the list and has already passed its share back. The node's rule splits the
   gradient among its inputs; an input used several times collects the sum.
"""

from __future__ import annotations

import sys
from operator import attrgetter

import numpy as np

from ..errors import MissingRuleError
from .functions import TENSOR_OPS
from .rules import NUMPY_OPS, RULES
from .tensor import Tensor

_serial = attrgetter("serial")
_refcount = getattr(sys, "getrefcount", None)  # CPython; elsewhere nothing is released


def _local_refs():
    # References that a local variable passed to getrefcount adds (2 on CPython 3.11;
    # newer interpreters may borrow the argument). Measured, not assumed.
    probe = object()
    holder = [probe]
    return _refcount(probe) - len(holder)


_LOCAL_REFS = _local_refs() if _refcount is not None else 0

__all__ = ["toposort", "backward_pass", "reads_any"]


def toposort(root, starts=None):
    """Nodes of the graph of `root`, each after its inputs.

    Parameters
    ----------
    root : Tensor
        The output.
    starts : tuple of Tensor, optional
        Differentiate with respect to these only: keep just the nodes that depend
        on one of them, and do not look past them. Nodes created before the oldest
        start cannot depend on it, so the search does not enter them either (this
        keeps an inner ``grad`` from walking the whole graph of an outer one).

    Returns
    -------
    order : list of Tensor
        Inputs first, `root` last (when `root` is kept at all).
    members : set of int
        ``id`` of every node in `order`: a rule's input needs a gradient iff it is here.

    Notes
    -----
    A node is always created after its inputs, so its serial number is larger
    than theirs: sorting the reachable nodes by serial number is a topological
    order. Finding them is a depth-first search with an explicit stack.
    """
    if starts is None:
        start_ids, oldest = (), -1
    else:
        start_ids, oldest = {id(s) for s in starts}, min(s.serial for s in starts)
    seen = {id(root)}
    nodes = [root]
    stack = [root]
    while stack:
        node = stack.pop()
        if node.serial <= oldest or id(node) in start_ids:
            continue  # older than every start, or a start itself: do not look past it
        for a in node.args:
            if isinstance(a, Tensor) and id(a) not in seen:
                seen.add(id(a))
                nodes.append(a)
                stack.append(a)
    nodes.sort(key=_serial)
    if starts is None:
        return nodes, seen
    # Keep the nodes that depend on a start: a start, or a node with a kept input.
    members = set(start_ids)
    order = []
    for node in nodes:
        if id(node) in members:
            order.append(node)
            continue
        for a in node.args:
            if id(a) in members:
                members.add(id(node))
                order.append(node)
                break
    return order, members


def reads_any(order, members, targets):
    """True when a node of `order` reads, through an input outside `members`, one of `targets`.

    `targets` holds the ``id`` of the inputs of enclosing transforms. A closure such
    as ``grad(lambda y: x * y)`` inside a function of ``x`` makes the inner gradient
    depend on ``x``; the inner transform must then record its backward pass so the
    outer one can differentiate through it.
    """
    clean = set()  # nodes already known not to lead to any target
    for node in order:
        for a in node.args:
            if isinstance(a, Tensor) and id(a) not in members and _leads_to(a, targets, clean):
                return True
    return False


def _leads_to(t, targets, clean):
    stack = [t]
    while stack:
        n = stack.pop()
        k = id(n)
        if k in targets:
            return True
        if k in clean:
            continue
        clean.add(k)  # safe: if a target is found below, the caller stops at once
        for a in n.args:
            if isinstance(a, Tensor) and id(a) not in clean:
                stack.append(a)
    return False


def backward_pass(root, order, members, seed, starts=(), *, traced=False, keep_all=False,
                  release=False):
    """Propagate `seed` = d(loss)/d(root) back through `order`.

    Parameters
    ----------
    root, order, members
        The output and the result of :func:`toposort` for it.
    seed : numpy.ndarray or Tensor
        The gradient of the output, shaped like it.
    starts : tuple of Tensor
        Nodes whose gradient is wanted; the pass stops at them.
    traced : bool
        False: NumPy arrays only (fast, first order). True: the rules run on
        Tensors, so the gradients returned are Tensors whose graph can be
        differentiated again (``grad(grad(f))``, ``hessian``).
    keep_all : bool
        Keep the gradient of every node (for ``Tensor.backward``); otherwise a
        gradient is dropped as soon as it has been passed on, to save memory.
    release : bool
        For a one-shot first-order pass over a graph nobody else can see (what
        ``grad`` does): once a node's rule has run, its value is dead for the rest
        of the pass, so drop it, letting the remaining steps reuse that memory
        (PyTorch frees its saved tensors after ``backward`` the same way). A node
        is only released when its reference count shows that nothing outside the
        graph holds it, so a Tensor that `f` stored somewhere keeps its value.

    Returns
    -------
    dict
        ``id(node) -> gradient``.
    """
    grads = {}
    if not order or order[-1] is not root:
        return grads  # the output does not depend on the starts
    grads[id(root)] = seed
    ops = TENSOR_OPS if traced else NUMPY_OPS
    stop = {id(s) for s in starts}
    owned = set()  # gradients this pass allocated itself: safe to add into in place
    release = release and not traced and _refcount is not None
    uses = _count_uses(order, members) if release else None
    for node in reversed(order):
        k = id(node)
        g = grads.get(k)
        if g is None:
            continue
        args = node.args
        if not args or k in stop:
            continue
        if not keep_all:
            del grads[k]
        if not traced and node.op == "getitem":
            _index_into(grads, owned, members, args[0], g, node.params)
        elif not traced and node.op == "relu":
            _relu_into(grads, owned, members, args[0], g)
        else:
            _apply_rule(node, g, grads, owned, members, ops, traced)
        # Held by `order`, by the loop variable (and getrefcount's argument), and by
        # its users' args: anything more means someone else can still read it.
        if release and _refcount(node) == 1 + _LOCAL_REFS + uses.get(k, 0):
            node.value = None
    return grads


def _count_uses(order, members):
    """How many references to each node the args of the nodes in `order` hold."""
    uses = {}
    for node in order:
        for a in node.args:
            if id(a) in members:
                uses[id(a)] = uses.get(id(a), 0) + 1
    return uses


def _apply_rule(node, g, grads, owned, members, ops, traced):
    """Run the rule of `node` on `g` and add each part to its input's gradient."""
    fn = RULES.get(node.op)
    if fn is None:
        raise MissingRuleError(
            f"no derivative rule for primitive {node.op!r}: register one with "
            f"@calcml.autodiff.rule({node.op!r}) (see calcml/autodiff/rules.py)")
    args = node.args
    need = []
    if traced:
        ans, vals = node, args
        for a in args:
            need.append(id(a) in members)
    else:
        ans, vals = node.value, []
        for a in args:
            need.append(id(a) in members)
            vals.append(a.value if isinstance(a, Tensor) else a)
    params = node.params
    if params is None:
        parts = fn(g, ans, need, ops, *vals)
    else:
        parts = fn(g, ans, need, ops, *vals, **params)
    for a, ga, wanted in zip(args, parts, need):
        if not wanted or ga is None:
            continue
        _accumulate(grads, owned, id(a), ga, traced)


def _accumulate(grads, owned, ka, ga, traced=False):
    """Add `ga` to the gradient of the node with id `ka` (the multivariable chain rule's sum)."""
    cur = grads.get(ka)
    if cur is None:
        grads[ka] = ga  # may be a view of another gradient: never write into it
    elif traced:
        grads[ka] = cur + ga
    elif ka in owned:
        cur += ga
        grads[ka] = cur
    else:
        grads[ka] = cur + ga
        owned.add(ka)


def _relu_into(grads, owned, members, x, g):
    """First-order fast path for ``relu(x)``: the same numbers as its rule, ten times quicker.

    The rule writes ``where(x > 0, g, 0)``; on a large array with a mixed mask NumPy's
    ``where`` is slow (about 3 ms for 1024 x 256, against 0.3 ms for a product), so
    here the gradient is ``g * [x > 0]``. The product differs from ``where`` only where
    ``g`` is infinite or NaN at an inactive unit (inf * 0 = NaN); then the rule's
    ``where`` is used, so the result is always the rule's.
    """
    if not isinstance(x, Tensor) or id(x) not in members:
        return
    mask = x.value > 0
    ga = g * mask
    # one cheap pass: the sum is finite iff every entry is (or, rarely, the finite entries overflow it,
    # and then the rule's where gives the same numbers anyway)
    if not np.isfinite(ga.sum()):
        ga = np.where(mask, g, 0.0)
    _accumulate(grads, owned, id(x), ga)


def _index_into(grads, owned, members, x, g, params):
    """First-order fast path for ``x[index]``: add `g` into x's gradient in place.

    The getitem rule scatters `g` into a new array of zeros, which the pass then
    adds to x's gradient: two full-size arrays for every use of ``x[...]``. Here
    the gradient buffer of x (allocated once, owned by this pass) takes ``g`` at
    ``index`` directly. Same numbers, fewer passes over memory. Traced passes and
    show_graph use the rule itself.
    """
    kx = id(x)
    if kx not in members:
        return
    index = params["index"]
    cur = grads.get(kx)
    if cur is None:
        buf = np.zeros(x.value.shape, dtype=np.result_type(x.value, g))
        owned.add(kx)
    elif kx in owned:
        buf = cur
    else:
        buf = np.array(cur, dtype=np.result_type(cur, g))  # a copy we may write into
        owned.add(kx)
    if params["unique"]:
        buf[index] += g  # each position once: a plain in-place add is exact
    else:
        np.add.at(buf, index, g)  # repeated positions must each add their share
    grads[kx] = buf
