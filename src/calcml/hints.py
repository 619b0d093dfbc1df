"""Hints for math text as learners write it.

The parser (:func:`calcml.expressions.parse`) rejects what is outside its
grammar with a position and a general hint. Some mistakes are so common that
they deserve a precise one, the same whichever command or function parsed the
text:

===================  ==================================================
typed                hint
===================  ==================================================
``x(x+1)``           ``x`` is not a function: write ``x*(x+1)``
``sin^2(x)``         write ``sin(x)^2``
``f'(x) = 3x^2``     write only the right-hand side, ``3x^2``
``√x``, ``√(x+1)``   write ``sqrt(x)``, ``sqrt(x+1)``
``log10(x)``         write ``log(x)/log(10)`` (``log`` is the natural logarithm)
``log(x, 10)``       the same
===================  ==================================================

:func:`explain` turns the parser's error into the sharper one;
:func:`explained` is the context manager the parser wraps itself in. Text that
parses but is probably not what was meant (``xy``, read as one variable)
gets a :class:`ReadingWarning` from :func:`warn_suspicious_names`.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager

from .errors import ExpressionError

__all__ = ["ReadingWarning", "explain", "explained", "warn_suspicious_names"]


class ReadingWarning(UserWarning):
    """Text that parses, but probably not as the writer meant (``xy`` is one variable)."""


# Names of two or three letters that are read as one variable on purpose (Greek letters, ...).
_WORDS = {"pi", "mu", "nu", "xi", "phi", "chi", "psi", "eta", "tau", "rho", "lr", "ln", "exp", "log", "abs"}


def _functions() -> tuple[str, ...]:
    from . import expressions

    return tuple(getattr(expressions, "FUNCTIONS", ()))


def _balanced(text: str, open_at: int) -> int | None:
    """Index just after the ')' matching the '(' at `open_at`, or None."""
    depth = 0
    for i in range(open_at, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    return None


def _definition(text: str, err: ExpressionError):
    # "f'(x) = 3x^2 - 4x", "y = x^2", "f(x)=x^2": the left-hand side is not part of the expression
    # (a bare "x = 2" is left to the parser's own hint about '=')
    m = re.match(r"\s*([A-Za-z]\w*'*\s*\([^()=]*\)|[A-Za-z]\w*'+)\s*=\s*(\S.*)$", text)
    if m is None:
        return None
    rhs = m.group(2).strip()
    return ExpressionError(f"the left-hand side \"{m.group(1).strip()} =\" is not part of the expression",
                           text, text.index("="),
                           f"write only the right-hand side: {rhs}")


def _function_power(text: str, err: ExpressionError):
    # "sin^2(x)" means (sin x)^2 in textbooks; calcml wants sin(x)^2
    for m in re.finditer(r"\b([a-z]+)\s*(\^|\*\*)\s*(\d+)\s*\(", text):
        if m.group(1) not in _functions():
            continue
        end = _balanced(text, m.end() - 1)
        arg = text[m.end():end - 1] if end else "x"
        return ExpressionError(f"{m.group(1)}{m.group(2)}{m.group(3)}(...) is not read as a power of {m.group(1)}",
                               text, m.start(), f"write {m.group(1)}({arg})^{m.group(3)}")
    return None


def _root_sign(text: str, err: ExpressionError):
    i = text.find("\u221a")
    if i < 0:
        return None
    rest = text[i + 1:].lstrip()
    if rest.startswith("("):
        end = _balanced(rest, 0)
        arg, typed = (rest[1:end - 1], rest[:end]) if end else ("x", "(x)")
    else:
        m = re.match(r"[A-Za-z_]\w*|\d+\.?\d*", rest)
        arg = typed = m.group() if m else "x"
    return ExpressionError("unexpected character '\u221a'", text, i, f"write sqrt({arg}) for \u221a{typed}")


def _log_base(text: str, err: ExpressionError):
    m = re.search(r"\blog(10|2)\s*\(", text)
    if m is not None:
        end = _balanced(text, m.end() - 1)
        arg = text[m.end():end - 1] if end else "x"
        return ExpressionError(f"unknown function 'log{m.group(1)}'", text, m.start(),
                               f"write log({arg})/log({m.group(1)}): log is the natural logarithm")
    m = re.search(r"\blog\s*\(", text)
    if m is not None and err.reason.startswith("log() takes one argument"):
        end = _balanced(text, m.end() - 1)
        inner = text[m.end():end - 1] if end else ""
        arg, _, base = inner.rpartition(",")
        return ExpressionError("log() takes one argument", text, m.start(),
                               f"for the base-{base.strip() or 'b'} logarithm write "
                               f"log({arg.strip() or 'x'})/log({base.strip() or 'b'}): log is the natural logarithm")
    return None


def _name_call(text: str, err: ExpressionError):
    # "x(x+1)": a variable followed by '(' reads as a call; the writer meant a product
    if err.position is None:
        return None
    for m in re.finditer(r"(?<![A-Za-z_0-9.])(?:[0-9.]+)?([A-Za-z_]\w*)\s*\(", text):
        name = m.group(1)
        if name in _functions() or name.lower() in _functions():
            continue
        if err.position not in (m.start(1), m.end() - 1):
            continue
        end = _balanced(text, m.end() - 1)
        arg = text[m.end() - 1:end] if end else "(...)"
        if len(name) > 1 and err.reason.startswith("unknown function"):  # foo(x): a typo or a product
            return ExpressionError(err.reason, text, m.start(1), f"{err.hint}; to multiply, write {name}*{arg}")
        return ExpressionError(f"'{name}' is not a function", text, m.start(1),
                               f"to multiply, write {name}*{arg}")
    return None


def _glued_variables(text: str, err: ExpressionError):
    # "xy" with variables x and y given: one unknown name, two known variables
    m = re.match(r"unknown name '([A-Za-z]+)'", err.reason)
    hint = err.hint or ""
    if m is None or not hint.startswith("the variables are "):
        return None
    allowed = {v.strip() for v in hint[len("the variables are "):].split(",")}
    name = m.group(1)
    if len(name) > 1 and all(ch in allowed for ch in name):
        return ExpressionError(err.reason, text, err.position,
                               f"'{name}' is read as one name; for a product write {'*'.join(name)} "
                               f"({hint})")
    return None


_RULES = (_definition, _function_power, _root_sign, _log_base, _name_call, _glued_variables)


def explain(err: ExpressionError) -> ExpressionError:
    """A precise error for a common way of writing math the parser does not read; `err` if none applies.

    Parameters
    ----------
    err : ExpressionError
        The parser's error, with ``text`` and ``position``.

    Returns
    -------
    ExpressionError
        A new error (same kind, position and text) with a message and a hint
        for the mistake recognised, or `err` itself.

    Examples
    --------
    >>> from calcml.expressions import parse
    >>> parse("sin^2(x)")
    Traceback (most recent call last):
    ...
    calcml.errors.ExpressionError: sin^2(...) is not read as a power of sin at position 1. write sin(x)^2
    >>> parse("x(x+1)")
    Traceback (most recent call last):
    ...
    calcml.errors.ExpressionError: 'x' is not a function at position 1. to multiply, write x*(x+1)
    """
    text = err.text or ""
    if not text:
        return err
    for rule in _RULES:
        better = rule(text, err)
        if better is not None:
            return better
    return err


def warn_suspicious_names(text: str, names) -> None:
    """Warn (:class:`ReadingWarning`) about names that are probably products: ``xy``, ``abc``.

    A name of two or three letters, each of which is also used alone in the text
    or is one of x, y, z, is read as one variable; the writer probably meant
    the product. Greek letters and known names are not warned about.
    """
    singles = {n for n in names if len(n) == 1} | {"x", "y", "z"}
    for name in sorted(set(names)):
        if (2 <= len(name) <= 3 and name.isalpha() and name.lower() not in _WORDS
                and name not in _functions() and all(ch in singles for ch in name)):
            warnings.warn(f"'{name}' is read as one variable named {name}; for a product write "
                          f"{'*'.join(name)}", ReadingWarning, stacklevel=4)


@contextmanager
def explained(text: str):
    """Wrap a parse of `text`: sharper errors (:func:`explain`) and warnings for suspicious names."""
    try:
        yield
    except ExpressionError as err:
        better = explain(err)
        if better is err:
            raise
        raise better from None
    if isinstance(text, str):
        warn_suspicious_names(text, re.findall(r"(?<![\w.])[A-Za-z_]\w*(?!\s*\()", text))
