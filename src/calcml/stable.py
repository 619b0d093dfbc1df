"""Numerically stable evaluations of the registry's functions (see :mod:`calcml.functions`).

NumPy and mpmath evaluate most elementary functions well; these are the ones
they lack, or evaluate badly for calcml's purposes:

- ``sigmoid(x) = 1/(1 + e^-x)``: only exponentials of numbers <= 0 are taken, so
  neither tail overflows and both keep full relative accuracy.
- ``softplus(x) = log(1 + e^x)`` is ``max(x, 0) + log1p(e^-|x|)``: exact to
  rounding for every float, ``x`` itself for large x.
- ``log_sigmoid(x) = log(sigmoid(x)) = -softplus(-x)``: about ``x`` for very
  negative x, where ``log`` of the rounded sigmoid would give ``-inf``.
- complex versions for the complex-step derivative: the same splits on the real
  part; ``log1p`` and ``expm1`` that keep the digits of a small argument (NumPy's
  complex ``log1p`` loses them); and ``abs`` extended analytically from each side
  (NumPy's complex ``abs`` is the modulus, whose complex step is 0).

Real evaluations keep the float type of their input (float32 stays float32) and
work in place on large arrays. mpmath is imported only by the mpmath versions.

Examples
--------
>>> import numpy as np
>>> softplus_numpy(np.array([-700.0, 0.0, 800.0])).tolist()    # log(1 + e^x): e^-700, log 2, 800
[9.85967654375977e-305, 0.6931471805599453, 800.0]
>>> with np.errstate(over="ignore"):                           # the textbook formula
...     np.log(1 + np.exp(np.array([-700.0, 800.0]))).tolist()
[0.0, inf]
"""

from __future__ import annotations

import numpy as np


def _finish(out):
    return out[()] if getattr(out, "ndim", 1) == 0 else out


def _real_work_array(x):
    """`x` as a float array of at least one axis (in-place work needs arrays), and its shape."""
    if x.dtype.kind != "f":
        x = x.astype(float)
    return (x.reshape(1) if x.ndim == 0 else x), x.shape


def _shaped(out, shape):
    return out[0] if shape == () else out


def sigmoid_numpy(x):
    """``1 / (1 + e^-x)`` on real input, as ``e^min(x, 0) / (1 + e^-|x|)``.

    Only exponentials of numbers <= 0 are taken: no overflow in either tail, and
    full relative accuracy in both (``e^x / (1 + e^x)`` for x < 0). Worked in
    place, with no branch, for speed on large arrays.
    """
    x = np.asarray(x)
    if x.dtype.kind == "c":
        return sigmoid_complex(x)
    x, shape = _real_work_array(x)
    one = x.dtype.type(1)
    top = np.minimum(x, x.dtype.type(0))
    np.exp(top, out=top)
    bottom = np.abs(x)
    np.negative(bottom, out=bottom)
    np.exp(bottom, out=bottom)
    bottom += one
    return _shaped(np.divide(top, bottom, out=top), shape)


def sigmoid_complex(z):
    """The same split on the real part, for complex input."""
    z = np.asarray(z)
    pos = np.real(z) >= 0
    e = np.exp(np.where(pos, -z, z))
    return _finish(np.where(pos, 1 / (1 + e), e / (1 + e)))


def sigmoid_mpmath(x):
    import mpmath

    return 1 / (1 + mpmath.exp(-x))


def softplus_numpy(x):
    """``log(1 + e^x) = max(x, 0) + log1p(e^-|x|)``: no overflow, full accuracy (NumPy's logaddexp(0, x))."""
    x = np.asarray(x)
    if x.dtype.kind == "c":
        return softplus_complex(x)
    x, shape = _real_work_array(x)
    t = np.abs(x)
    np.negative(t, out=t)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    return _shaped(np.add(t, np.maximum(x, x.dtype.type(0)), out=t), shape)


def softplus_complex(z):
    """``log(1 + e^z)`` split on the real part: ``z + log1p(e^-z)`` where Re z > 0."""
    z = np.asarray(z, dtype=complex)
    pos = np.real(z) > 0
    w = np.where(pos, -z, z)
    return _finish(np.where(pos, z, 0) + log1p_complex(np.exp(w)))


def softplus_mpmath(x):
    import mpmath

    return mpmath.log1p(mpmath.exp(x))


def log_sigmoid_numpy(x):
    """``log(sigmoid(x)) = -softplus(-x) = min(x, 0) - log1p(e^-|x|)``: about x for very negative x."""
    x = np.asarray(x)
    if x.dtype.kind == "c":
        return log_sigmoid_complex(x)
    x, shape = _real_work_array(x)
    t = np.abs(x)
    np.negative(t, out=t)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    return _shaped(np.subtract(np.minimum(x, x.dtype.type(0)), t, out=t), shape)


def log_sigmoid_complex(z):
    return _finish(-softplus_complex(-np.asarray(z)))


def log_sigmoid_mpmath(x):
    import mpmath

    return -mpmath.log1p(mpmath.exp(-x))


def log1p_complex(z):
    """``log(1 + z)`` for complex z, without losing the digits of a small z.

    ``log|1 + z| = log1p(2x + x^2 + y^2) / 2`` for ``z = x + iy`` near 0 (and
    ``log(hypot(1 + x, y))`` otherwise); the angle is ``atan2(y, 1 + x)``.
    """
    z = np.asarray(z, dtype=complex)
    x, y = z.real, z.imag
    with np.errstate(all="ignore"):
        near = np.abs(x) < 0.5
        real = np.where(near, 0.5 * np.log1p(x * (2 + x) + y * y), np.log(np.hypot(1 + x, y)))
    return _finish(real + 1j * np.arctan2(y, 1 + x))


def expm1_complex(z):
    """``e^z - 1`` for complex z: real part ``expm1(x) cos y - 2 sin^2(y/2)``, imaginary ``e^x sin y``."""
    z = np.asarray(z, dtype=complex)
    x, y = z.real, z.imag
    s = np.sin(0.5 * y)
    return _finish(np.expm1(x) * np.cos(y) - 2 * s * s + 1j * np.exp(x) * np.sin(y))


def abs_complex(z):
    """``|x|`` extended analytically from each side: ``-z`` where Re z < 0, ``z`` where Re z > 0.

    (NumPy's ``abs`` of a complex number is its modulus, whose complex step is 0.)
    At the kink, Re z = 0, it stays the modulus: no analytic extension exists
    there, and a real result tells the complex-step method to step aside.
    """
    z = np.asarray(z)
    re = np.real(z)
    return _finish(np.where(re < 0, -z, np.where(re > 0, z, np.abs(z))))


def abs_mpmath(x):
    return abs(x)
