"""The errors calcml raises.

Every error calcml raises on purpose is a :class:`CalcmlError`, so a caller can
catch one thing. The subclasses say *what kind* of thing went wrong; the message
says what exactly and what to do instead.
"""

from __future__ import annotations

__all__ = [
    "CalcmlError",
    "ExpressionError",
    "DomainError",
    "ComputationError",
    "TimeLimitError",
    "MissingRuleError",
    "NotSeparableError",
]


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


class DomainError(CalcmlError, ValueError):
    """An argument outside what the computation accepts (a zero direction, a < b reversed, ...)."""


class ComputationError(CalcmlError, RuntimeError):
    """A computation that ran but could not produce an answer (no convergence, no closed form)."""


class TimeLimitError(ComputationError):
    """Symbolic work that did not finish within its time limit."""


class MissingRuleError(CalcmlError, NotImplementedError):
    """An autodiff primitive that has no derivative rule registered."""


class NotSeparableError(DomainError):
    """Data that no hyperplane separates, given to a hard-margin SVM (use a finite C)."""
