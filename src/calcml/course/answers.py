"""Reading answer text: numbers, vectors and matrices, with positions kept.

A vector answer may be written ``4, 27``, ``(4, 27)``, ``[4, 27]`` or ``4 27``;
a matrix as ``a, b; c, d`` or ``[[a, b], [c, d]]``. The text is cut at the
separators that lie outside all brackets, and each piece goes through the safe
parser (:func:`calcml.parse`) on its own. Each piece keeps its offset in the
whole answer, so an error inside the third entry still points at the right
character of what the learner typed.

>>> read_numbers("(2*sqrt(2), 4)", 2)
[2*sqrt(2), 4]
>>> read_numbers("1, 2, 3", 2)
Traceback (most recent call last):
...
calcml.errors.ExpressionError: expected 2 numbers, got 3. write 2 numbers separated by commas, e.g. 1, 2
"""

from __future__ import annotations

from ..errors import ExpressionError
from ..expressions import parse
from ..functions import NAMES as FUNCTION_NAMES  # every function name and alias the parser accepts

__all__ = ["split_vector", "split_matrix", "read_numbers", "read_matrix", "parse_piece"]

_PAIRS = {"(": ")", "[": "]"}


def _closing(s: str, i: int) -> int:
    """Index of the bracket that closes the one at s[i], or -1."""
    depth = 0
    for j in range(i, len(s)):
        if s[j] in "([":
            depth += 1
        elif s[j] in ")]":
            depth -= 1
            if depth == 0:
                return j
    return -1


def _strip(text: str, offset: int, brackets: bool = True):
    """Trim spaces and (optionally) one pair of brackets around all of `text`; keep track of the offset."""
    lead = len(text) - len(text.lstrip())
    s, offset = text.strip(), offset + lead
    if brackets and len(s) >= 2 and s[0] in _PAIRS and _closing(s, 0) == len(s) - 1 and s[-1] == _PAIRS[s[0]]:
        return _strip(s[1:-1], offset + 1, brackets=False)
    return s, offset


def _split_at(text: str, sep: str, offset: int) -> list:
    """Pieces of `text` between the separators that lie outside all brackets, with their offsets."""
    pieces, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            pieces.append((text[start:i], offset + start))
            start = i + 1
    pieces.append((text[start:], offset + start))
    return pieces


def _split_spaces(text: str, offset: int) -> list:
    """Split at top-level spaces between two complete numbers: '4 27' and '4 -3', not '4 - 3'."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        depth += ch in "(["
        depth -= ch in ")]"
        if ch.isspace() and depth == 0:
            j = i
            while j < len(text) and text[j].isspace():
                j += 1
            before = text[start:i].rstrip()
            after = text[j:j + 2]
            ends = before[-1:].isalnum() or before[-1:] in ").]"
            word = before.split()[-1] if before.split() else ""
            starts = (after[:1].isalnum() or after[:1] in "(.") or \
                     (after[:1] in "+-" and len(after) > 1 and not after[1].isspace())
            if ends and starts and word not in FUNCTION_NAMES:
                pieces.append((text[start:i], offset + start))
                start = j
            i = j
            continue
        i += 1
    pieces.append((text[start:], offset + start))
    return pieces


def split_vector(text: str) -> list:
    """The components of a vector answer as (text, offset) pairs.

    >>> [p for p, _ in split_vector("(4, 27)")], [p for p, _ in split_vector("4 -3")]
    (['4', ' 27'], ['4', '-3'])
    """
    body, off = _strip(text, 0)
    parts = _split_at(body, ",", off)
    return parts if len(parts) > 1 else _split_spaces(body, off)


def split_matrix(text: str) -> list:
    """The rows of a matrix answer, each a list of (text, offset) entries.

    >>> [[e.strip() for e, _ in row] for row in split_matrix("[[1, 2], [3, 4]]")]
    [['1', '2'], ['3', '4']]
    """
    body, off = _strip(text, 0)
    rows = _split_at(body, ";", off)
    if len(rows) == 1:
        pieces = _split_at(body, ",", off)
        bracketed = [_strip(p, o) for p, o in pieces]
        if len(pieces) > 1 and all(p.strip()[:1] in _PAIRS and len(_split_at(b, ",", o)) > 1
                                   for (p, _), (b, o) in zip(pieces, bracketed)):
            rows = pieces
    out = []
    for r, o in rows:
        body, off = _strip(r, o)
        out.append(_split_at(body, ",", off))
    return out


def parse_piece(piece: str, offset: int, full: str, variables, hint: str = ""):
    """Parse one component; an error points into the whole answer `full`."""
    try:
        return parse(piece, variables)
    except ExpressionError as err:
        pos = None if err.position is None else offset + err.position
        better = hint if hint and err.reason.startswith("unknown name") else err.hint
        raise ExpressionError(err.reason, full, pos, better) from err


def read_numbers(text: str, n: int, *, hint: str = "") -> list:
    """Read `n` numbers from `text` (any of the vector formats) as SymPy numbers.

    Parameters
    ----------
    text : str
        The answer, e.g. ``"12, 31"`` or ``"[sqrt(2), 1]"``.
    n : int
        How many numbers the answer must have.
    hint : str
        Said instead of the parser's hint when a piece uses a variable name
        (e.g. "give numbers: evaluate at the point (1, 1)").

    Raises
    ------
    ExpressionError
        For the wrong count ("expected 2 numbers, got 3"), or a piece the parser
        refuses, with the position in `text`.
    """
    parts = split_vector(text)
    if len(parts) != n:
        word = "number" if n == 1 else "numbers"
        raise ExpressionError(f"expected {n} {word}, got {len(parts)}", text,
                              hint=f"write {n} {word} separated by commas, e.g. "
                                   + ", ".join(str(k + 1) for k in range(n)))
    return [parse_piece(p, o, text, (), hint) for p, o in parts]


def read_matrix(text: str, shape: tuple, variables) -> list:
    """Read a matrix answer of the given (rows, columns) shape into rows of SymPy expressions.

    Entries go through the safe parser with `variables`; an answer of another
    shape raises an :class:`~calcml.errors.ExpressionError` saying both shapes.

    >>> read_matrix("[[x, 1], [0, x^2]]", (2, 2), ["x"])
    [[x, 1], [0, x**2]]
    """
    rows = split_matrix(text)
    r, k = shape
    if len(rows) != r or any(len(row) != k for row in rows):
        lengths = sorted({len(row) for row in rows})
        got = (f"{len(rows)} row{'s' * (len(rows) != 1)} of {lengths[0]} "
               f"entr{'ies' if lengths[0] != 1 else 'y'}" if len(lengths) == 1
               else f"{len(rows)} rows with " + ", ".join(str(len(row)) for row in rows) + " entries")
        raise ExpressionError(f"expected a {r}x{k} matrix ({r} rows of {k} entries), got {got}", text,
                              hint="separate rows with ';' and entries with ',', e.g. a, b; c, d")
    return [[parse_piece(p, o, text, variables) for p, o in row] for row in rows]


