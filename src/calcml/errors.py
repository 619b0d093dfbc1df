"""The errors calcml raises.

Every error calcml raises on purpose is a :class:`CalcmlError`, so a caller can
catch one thing. The subclasses say *what kind* of thing went wrong; the message
says what exactly and what to do instead.
"""

from __future__ import annotations

__all__ = [
    "CalcmlError",
    "ExpressionError",
    "ArgumentError",
    "DomainError",
    "ComputationError",
    "TimeLimitError",
    "MissingRuleError",
    "NotSeparableError",
    "NumpyFunctionError",
]


def shown(value) -> str:
    """A value for an error message, as a Python user would write it.

    NumPy scalars are shown as plain Python numbers (``0.48``, not
    ``np.float64(0.48)``), arrays as lists; everything else by its ``repr``.

    Examples
    --------
    >>> import numpy as np
    >>> shown(np.float64(0.48)), shown(np.int64(3)), shown(np.array([1.5, 2.0])), shown("x")
    ('0.48', '3', '[1.5, 2.0]', "'x'")
    """
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        value = value.tolist()
    return repr(value)


class CalcmlError(Exception):
    """Base class of every error calcml raises on purpose."""


class ExpressionError(CalcmlError, ValueError):
    """Math text that calcml refuses to read.

    Attributes
    ----------
    text : str
        The text that was being parsed.
    position : int or None
        0-based index into `text` of the offending character, when known.
    hint : str
        What to write instead.
    """

    def __init__(self, message: str, text: str = "", position: int | None = None, hint: str = ""):
        self.text = text
        self.position = position
        self.hint = hint
        self.reason = message
        full = message
        if position is not None:
            full = f"{message} at position {position + 1}"
        if hint:
            full = f"{full}. {hint}"
        super().__init__(full)

    def pointer(self) -> str:
        """Two lines: the text and a caret under the offending position."""
        if self.position is None or not self.text or len(self.text) > 200:
            return ""
        return f"{self.text}\n{' ' * self.position}^"


class ArgumentError(CalcmlError, ValueError):
    """A bad argument: a wrong type, an unknown option, a zero direction, a point of the wrong size...

    Also a ``ValueError``, so code written for Python's own conventions catches it.
    The message names the Python parameter (``var``, ``order``, ``time_limit``) and
    says what to pass instead; the command line translates parameter names into its
    own options (``--var``...) in one place.

    "Domain" keeps its mathematical meaning in calcml: a point outside a function's
    domain is an answer (``Status.OUT_OF_DOMAIN``), not an error.
    """

    def __init__(self, message: str, parameter: str | None = None):
        self.parameter = parameter
        super().__init__(message)


class DomainError(ArgumentError):
    """The former name of :class:`ArgumentError`, kept while code still raises it.

    New code raises :class:`ArgumentError`: "domain" is kept for its
    mathematical meaning (``Status.OUT_OF_DOMAIN``).
    """


class ComputationError(CalcmlError, RuntimeError):
    """A computation that ran but could not produce an answer (no convergence, no closed form)."""


class TimeLimitError(ComputationError):
    """Symbolic work that did not finish within its time limit."""


class MissingRuleError(CalcmlError, NotImplementedError):
    """An autodiff primitive that has no derivative rule registered."""


class NotSeparableError(DomainError):
    """Data that no hyperplane separates, given to a hard-margin SVM (use a finite C)."""


class NumpyFunctionError(ArgumentError, TypeError):
    """A NumPy function applied to a :class:`calcml.autodiff.Tensor` that calcml.autodiff cannot
    differentiate through (``np.log10``, ``np.max``, ``float(t)``...).

    The message names the NumPy function and what to write instead. It is an
    :class:`ArgumentError` (the function given is the problem) and a ``TypeError``,
    as NumPy's own refusal of an unsupported operand would be.
    """
