"""LaTeX to inline SVG, offline: formulas for the course report without MathJax.

The course report must open from disk with no network, so formulas cannot be
typeset by a script from a CDN. Instead each formula is laid out by
matplotlib's *mathtext* (a TeX-like layout engine for a subset of LaTeX) and
its glyph outlines are written as one SVG ``<path>``: the page carries the
shapes, not a font, and looks the same in every browser.

mathtext is a subset of LaTeX. Two things are done about the gap:

- :func:`to_mathtext` rewrites the common commands mathtext lacks into ones it
  has (``\\le`` to ``\\leq``, ``\\tfrac`` to ``\\frac``, ``\\lVert`` to ``\\|``,
  sizing commands such as ``\\big`` dropped, SymPy's ``\\left(x\\right)`` around
  short arguments to plain parentheses, ...);
- environments with rows and columns (``bmatrix``, ``pmatrix``, ``matrix``,
  ``cases``, ``aligned``, ...), which mathtext cannot lay out at all, become a
  grid of HTML cells, each cell its own SVG, the brackets SVG strokes stretched
  to the grid's height (the layout is :data:`MATH_CSS`).

Whatever still fails is shown as its LaTeX source in
``<code class="latex-fallback">``: a report with one unreadable formula beats
no report. Renders are cached, so a formula used twice is laid out once.

Sizes are in ``em``: an SVG scales with the text around it.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from calcml.errors import DomainError

__all__ = ["render_latex", "latex_to_svg", "to_mathtext", "MATRIX_ENVIRONMENTS", "MATH_CSS"]

# mathtext lays out at this size (points); the SVG's user units are points, so
# dividing a length by it gives the length in em of the surrounding text.
_FONT_SIZE = 10.0
# "cm" is Computer Modern, the typeface of LaTeX itself, bundled with matplotlib.
_FONTSET = "cm"

# Environments drawn as an HTML grid: name -> (left bracket, right bracket, column alignment).
# Bracket codes: b [ ], p ( ), v | |, V || ||, B { }, "" none. Alignment: "c" centred,
# "l" left, "rl" alternate right/left (the & of aligned marks the alignment point).
MATRIX_ENVIRONMENTS = {
    "matrix": ("", "", "c"),
    "smallmatrix": ("", "", "c"),
    "array": ("", "", "c"),
    "bmatrix": ("b", "b", "c"),
    "pmatrix": ("p", "p", "c"),
    "vmatrix": ("v", "v", "c"),
    "Vmatrix": ("V", "V", "c"),
    "Bmatrix": ("B", "B", "c"),
    "cases": ("B", "", "l"),
    "aligned": ("", "", "rl"),
    "align": ("", "", "rl"),
    "align*": ("", "", "rl"),
    "gathered": ("", "", "c"),
}
_DELIMITERS = {
    "[": "b", "\\lbrack": "b", "]": "b", "\\rbrack": "b",
    "(": "p", ")": "p",
    "|": "v", "\\vert": "v", "\\lvert": "v", "\\rvert": "v",
    "\\|": "V", "\\Vert": "V", "\\lVert": "V", "\\rVert": "V",
    "\\{": "B", "\\lbrace": "B", "\\}": "B", "\\rbrace": "B",
    ".": "",
}
# Brackets as strokes in a 10 x 100 box (opening, closing); stretched to any
# height, the stroke keeps its width (non-scaling-stroke).
_DELIMITER_PATHS = {
    "b": ("M9 1H3V99H9", "M1 1H7V99H1"),
    "p": ("M9 1C1 22 1 78 9 99", "M1 1C9 22 9 78 1 99"),
    "v": ("M5 0V100", "M5 0V100"),
    "V": ("M3 0V100M7 0V100", "M3 0V100M7 0V100"),
    "B": (
        "M9 1C5 1 5 4 5 10V40C5 46 4 50 1 50C4 50 5 54 5 60V90C5 96 5 99 9 99",
        "M1 1C5 1 5 4 5 10V40C5 46 6 50 9 50C6 50 5 54 5 60V90C5 96 5 99 1 99",
    ),
}
_DELIM_PATTERN = r"(\\[a-zA-Z]+|\\[{}|]|[\[\]()|.])"
_LEFT_BEFORE = re.compile(r"\\left\s*" + _DELIM_PATTERN + r"\s*$")
_RIGHT_AFTER = re.compile(r"^\s*\\right\s*" + _DELIM_PATTERN)
_BEGIN_END = re.compile(r"\\(begin|end)\s*\{([A-Za-z]+\*?)\}")

# The layout of what render_latex writes; a page that shows formulas includes it.
MATH_CSS = """
svg.mt { display: inline-block; overflow: visible; }
.math-inline { white-space: nowrap; font-size: 1.2em; line-height: 1; }
.math-display { display: block; text-align: center; margin: 1rem 0; font-size: 1.45em;
  overflow-x: auto; overflow-y: hidden; padding: .25em 0; }
.math-row { display: inline-flex; align-items: center; gap: .2em; vertical-align: middle; }
.mx { display: inline-block; position: relative; vertical-align: middle; margin: 0 .1em; }
.mx-open { padding-left: .45em; }
.mx-close { padding-right: .45em; }
.mx-grid { display: inline-table; border-collapse: separate; border-spacing: .7em .3em;
  margin: 0 -.5em; vertical-align: middle; }
.mx-aligned .mx-grid { border-spacing: 0 .3em; margin: 0; }
.mx-aligned .mx-al-l { padding-left: .2em; }
.mx-row { display: table-row; }
.mx-cell { display: table-cell; vertical-align: middle; text-align: center; white-space: nowrap; }
.mx-al-l { text-align: left; }
.mx-al-r { text-align: right; }
svg.delim { position: absolute; top: 0; height: 100%; width: .4em; overflow: visible; }
svg.delim-open { left: 0; }
svg.delim-close { right: 0; }
code.latex-fallback { color: #8a1c1c; }
"""

# LaTeX that mathtext lacks, rewritten into what it has. The (?![a-zA-Z]) guards
# keep "\le" from matching the start of "\left".
_REWRITES = [
    (re.compile(r"\\(?:big|Big|bigg|Bigg)[lrm]?(?![a-zA-Z])"), ""),  # sizes: mathtext sizes \left/\right itself
    (re.compile(r"\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits|nonumber|notag)(?![a-zA-Z])"), ""),
    (re.compile(r"\\(?:tag|label)\*?\s*\{[^{}]*\}"), ""),
    (re.compile(r"\\hspace\*?\s*\{[^{}]*\}"), r"\\quad "),
    (re.compile(r"\\operatorname\*"), r"\\operatorname"),
    (re.compile(r"\\tfrac(?![a-zA-Z])"), r"\\frac"),
    (re.compile(r"\\le(?![a-zA-Z])"), r"\\leq"),
    (re.compile(r"\\ge(?![a-zA-Z])"), r"\\geq"),
    (re.compile(r"\\implies(?![a-zA-Z])"), r"\\Longrightarrow"),
    (re.compile(r"\\iff(?![a-zA-Z])"), r"\\Leftrightarrow"),
    (re.compile(r"\\[lr]Vert(?![a-zA-Z])"), r"\\|"),
    (re.compile(r"\\[lr]vert(?![a-zA-Z])"), "|"),
    (re.compile(r"\\bmod(?![a-zA-Z])"), r"\\;\\mathrm{mod}\\;"),
]


def to_mathtext(latex: str) -> str:
    """Rewrite LaTeX commands that mathtext lacks into equivalents it has.

    Only spelling changes: the mathematics is the same.

    Examples
    --------
    >>> to_mathtext(r"0 \\le \\lVert x \\rVert")
    '0 \\\\leq \\\\| x \\\\|'
    >>> to_mathtext(r"\\sin{\\left(x^{2} \\right)} + \\left(\\frac{1}{2}\\right)")
    '\\\\sin{(x^{2} )} + \\\\left(\\\\frac{1}{2}\\\\right)'
    >>> to_mathtext(r"\\displaystyle\\tfrac{1}{2}")
    '\\\\frac{1}{2}'
    """
    for pattern, replacement in _REWRITES:
        latex = pattern.sub(replacement, latex)
    return _plain_short_delimiters(latex)


_SIZED = re.compile(r"\\(left|right)\s*(\\[a-zA-Z]+|\\[{}|]|[\[\]()|.])")
_TALL = re.compile(
    r"\\(?:d?frac|sum|prod|int|oint|iint|lim|binom|begin|left|overset|underset|stackrel)(?![a-zA-Z])"
)


def _plain_short_delimiters(latex: str) -> str:
    """Turn \\left( x \\right) into ( x ) when nothing inside is tall.

    SymPy writes \\left(...\\right) around every argument. mathtext sizes such a
    pair to its contents, and around something short like ``x`` that is
    *smaller* than a plain parenthesis; LaTeX never goes below the normal size.
    """
    tokens = list(_SIZED.finditer(latex))
    plain, stack = set(), []
    for k, token in enumerate(tokens):
        if token.group(1) == "left":
            stack.append(k)
        elif stack:
            opening = stack.pop()
            if not _TALL.search(latex, tokens[opening].end(), token.start()):
                plain.update((opening, k))
    out, last = [], 0
    for k in sorted(plain):
        token = tokens[k]
        delimiter = token.group(2)
        out.append(latex[last : token.start()])
        if delimiter != ".":  # \\left. is an invisible delimiter
            out.append(delimiter + (" " if delimiter[-1].isalpha() else ""))
        last = token.end()
    out.append(latex[last:])
    return "".join(out)


def _display_fractions(latex: str) -> str:
    """In display math, fractions outside braces are display size (\\dfrac), as in LaTeX."""
    out, depth, env, i = [], 0, 0, 0
    while i < len(latex):
        if latex.startswith("\\frac", i) and not latex[i + 5 : i + 6].isalpha():
            out.append("\\dfrac" if depth == 0 and env == 0 else "\\frac")
            i += 5
            continue
        token = _BEGIN_END.match(latex, i)
        if token:
            env += 1 if token.group(1) == "begin" else -1
            out.append(token.group(0))
            i = token.end()
            continue
        char = latex[i]
        if char == "\\":
            out.append(latex[i : i + 2])
            i += 2
            continue
        depth += char == "{"
        depth -= char == "}"
        out.append(char)
        i += 1
    return "".join(out)


def _number(v: float) -> str:
    # Two decimals of a point is far below what a screen or a printer resolves.
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@lru_cache(maxsize=4096)
def latex_to_svg(latex: str) -> str:
    """Lay out one formula (no matrices) with mathtext and return an inline ``<svg>``.

    Parameters
    ----------
    latex : str
        LaTeX without the surrounding ``$``, in the subset mathtext reads
        once :func:`to_mathtext` has rewritten it.

    Returns
    -------
    str
        An ``<svg>`` element with one filled ``<path>`` (the glyph outlines in
        ``currentColor``), sized in em and lowered by the formula's depth so its
        baseline sits on the text's baseline. It has no ids, so any number of
        them can share a page.

    Raises
    ------
    ValueError
        When mathtext cannot read `latex` (:func:`render_latex` turns this into
        a visible fallback).

    Examples
    --------
    >>> svg = latex_to_svg(r"\\frac{1}{x}")
    >>> svg.startswith("<svg") and "<path" in svg and "http" not in svg
    True
    """
    # Imported here: matplotlib is heavy, and only the report needs it.
    import numpy as np
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path

    source = f"${to_mathtext(latex)}$"
    prop = FontProperties(size=_FONT_SIZE, math_fontfamily=_FONTSET)
    text_to_path = _text_to_path()
    width, height, depth = text_to_path.get_text_width_height_descent(source, prop, ismath=True)
    vertices, codes = text_to_path.get_text_path(prop, source, ismath=True)
    # The outlines come at matplotlib's internal glyph size (FONT_SCALE points),
    # with y up and the baseline at y = 0. SVG has y down, so after scaling to
    # our size y is negated and the view box spans [-(height - depth), depth].
    vertices = np.asarray(vertices, dtype=float).reshape(-1, 2) * (_FONT_SIZE / text_to_path.FONT_SCALE)
    commands = []
    letters = {Path.MOVETO: "M", Path.LINETO: "L", Path.CURVE3: "Q", Path.CURVE4: "C"}
    if len(vertices):
        for points, code in Path(vertices, codes).iter_segments(simplify=False, curves=True):
            if code == Path.CLOSEPOLY:
                commands.append("Z")
            elif code in letters:
                coords = " ".join(
                    f"{_number(points[i])} {_number(-points[i + 1])}" for i in range(0, len(points), 2)
                )
                commands.append(f"{letters[code]}{coords}")
    label = html.escape(latex, quote=True)
    return (
        f'<svg class="mt" viewBox="0 {_number(-(height - depth))} {_number(width)} {_number(height)}" '
        f'width="{_em(width)}" height="{_em(height)}" '
        f'style="vertical-align:{_em(-depth)}" role="img" aria-label="{label}">'
        f"<title>{label}</title>"
        f'<path fill="currentColor" d="{"".join(commands)}"/></svg>'
    )


def _em(points: float) -> str:
    text = f"{points / _FONT_SIZE:.3f}".rstrip("0").rstrip(".")
    return ("0" if text in ("-0", "") else text) + "em"


@lru_cache(maxsize=1)
def _text_to_path():
    # One TextToPath for the process: it holds the glyph cache.
    from matplotlib.textpath import TextToPath

    return TextToPath()


def _find_environment(latex: str):
    """Locate the first \\begin{...}...\\end{...}: (start, body_start, body_end, end, name) or None."""
    first = _BEGIN_END.search(latex)
    if first is None:
        return None
    if first.group(1) == "end":
        raise ValueError(f"\\end{{{first.group(2)}}} without a \\begin")
    name, depth = first.group(2), 0
    for token in _BEGIN_END.finditer(latex, first.start()):
        depth += 1 if token.group(1) == "begin" else -1
        if depth == 0:
            if token.group(2) != name:
                raise ValueError(f"\\begin{{{name}}} closed by \\end{{{token.group(2)}}}")
            return first.start(), first.end(), token.start(), token.end(), name
    raise ValueError(f"\\begin{{{name}}} without \\end{{{name}}}")


def _split_top_level(body: str, separator: str) -> list[str]:
    """Split at `separator` ("\\\\" or "&") outside braces and nested environments."""
    parts, start, brace, env, i = [], 0, 0, 0, 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            if separator == "\\\\" and body.startswith("\\\\", i) and brace == 0 and env == 0:
                parts.append(body[start:i])
                i += 2
                # "\\[4pt]" asks for extra space after the row: dropped.
                spacing = re.match(r"\s*\[[^\]]*\]", body[i:])
                if spacing:
                    i += spacing.end()
                start = i
                continue
            token = _BEGIN_END.match(body, i)
            if token:
                env += 1 if token.group(1) == "begin" else -1
                i = token.end()
                continue
            i += 2  # an escaped character such as \& or \{ is never a separator
            continue
        if char == "{":
            brace += 1
        elif char == "}":
            brace -= 1
        elif char == "&" and separator == "&" and brace == 0 and env == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    parts.append(body[start:])
    return parts


def _balanced(latex: str) -> bool:
    """Braces and \\left/\\right pairs balanced: the text can be laid out on its own."""
    stripped = re.sub(r"\\[{}]", "", latex)
    lefts = len(re.findall(r"\\left(?![a-zA-Z])", latex))
    rights = len(re.findall(r"\\right(?![a-zA-Z])", latex))
    return stripped.count("{") == stripped.count("}") and lefts == rights


def _delimiter(code: str, side: str) -> str:
    """A bracket drawn as a stroked path, stretched to the grid's height by CSS."""
    if not code:
        return ""
    opening, closing = _DELIMITER_PATHS[code]
    return (
        f'<svg class="delim delim-{side}" viewBox="0 0 10 100" preserveAspectRatio="none" aria-hidden="true">'
        f'<path d="{opening if side == "open" else closing}" fill="none" stroke="currentColor" '
        f'stroke-width="1.3" vector-effect="non-scaling-stroke"/></svg>'
    )


def _grid(rows: list[list[str]], left: str, right: str, align: str) -> str:
    html_rows = []
    for row in rows:
        cells = []
        for k, cell in enumerate(row):
            if align == "rl":  # aligned: right-align before each &, left-align after it
                side = "r" if k % 2 == 0 else "l"
            else:
                side = align
            content = cell.strip()
            cells.append(f'<span class="mx-cell mx-al-{side}">{_pieces(content) if content else ""}</span>')
        html_rows.append(f'<span class="mx-row">{"".join(cells)}</span>')
    classes = "mx" + (" mx-open" if left else "") + (" mx-close" if right else "")
    classes += " mx-aligned" if align == "rl" else ""
    return (
        f'<span class="{classes}">{_delimiter(left, "open")}'
        f'<span class="mx-grid">{"".join(html_rows)}</span>{_delimiter(right, "close")}</span>'
    )


def _pieces(latex: str) -> str:
    """HTML for `latex`: SVGs, with environments and top-level rows as grids. Raises ValueError."""
    found = _find_environment(latex)
    if found is None:
        if len(_split_top_level(latex, "\\\\")) > 1:  # several lines without an environment
            rows = [[line] for line in _split_top_level(latex, "\\\\") if line.strip()]
            return _grid(rows, "", "", "c")
        return latex_to_svg(latex) if latex.strip() else ""
    start, body_start, body_end, end, name = found
    if name not in MATRIX_ENVIRONMENTS:
        raise ValueError(f"the environment {name!r} is not supported")
    left, right, align = MATRIX_ENVIRONMENTS[name]
    before, after = latex[:start], latex[end:]
    # \left[ \begin{matrix} ... \end{matrix} \right] (SymPy's spelling): the
    # \left/\right pair becomes the grid's brackets.
    opening, closing = _LEFT_BEFORE.search(before), _RIGHT_AFTER.search(after)
    if opening and closing:
        left = _DELIMITERS.get(opening.group(1), left)
        right = _DELIMITERS.get(closing.group(1), right)
        before, after = before[: opening.start()], after[closing.end() :]
    if not _balanced(before):
        raise ValueError("a matrix inside a braced group or a \\left ... \\right pair")
    body = latex[body_start:body_end]
    if name == "array":  # skip the column specification {cc}
        body = re.sub(r"^\s*\{[^{}]*\}", "", body)
    body = re.sub(r"\\hline(?![a-zA-Z])", "", body)
    rows = [_split_top_level(row, "&") for row in _split_top_level(body, "\\\\")]
    if rows and len(rows) > 1 and not "".join(rows[-1]).strip():
        rows.pop()  # a trailing \\ ends the last row, it does not start an empty one
    if after.lstrip().startswith(("^", "_")):
        after = "{}" + after.lstrip()  # J^T: the exponent needs a base for mathtext
    return (_pieces(before) if before.strip() else "") + _grid(rows, left, right, align) + (
        _pieces(after) if after.strip() else ""
    )


@lru_cache(maxsize=4096)
def render_latex(latex: str, display: bool = False) -> str:
    """HTML for one formula, rendered offline; never raises for a string.

    Parameters
    ----------
    latex : str
        LaTeX without ``$`` delimiters, as SymPy's ``latex()`` writes it or by
        hand. Matrices (``bmatrix``, ``pmatrix``, ``matrix``, SymPy's
        ``\\left[\\begin{matrix}...\\end{matrix}\\right]``, ``cases``,
        ``aligned``), also inside a larger formula, become HTML grids.
    display : bool
        True for a formula on its own line (a ``<div class="math
        math-display">``), False for one inside text (a ``<span class="math
        math-inline">``).

    Returns
    -------
    str
        HTML: SVGs in a wrapper; or, if mathtext cannot read the formula, its
        source in ``<code class="latex-fallback">`` with the reason as title.

    Raises
    ------
    DomainError
        When `latex` is not a string.

    Examples
    --------
    >>> out = render_latex(r"J = \\begin{bmatrix} 1 & 0 \\\\ 0 & 1 \\end{bmatrix}", display=True)
    >>> out.startswith('<div class="math math-display">'), out.count('class="mx-cell'), "delim-open" in out
    (True, 4, True)
    >>> render_latex(r"\\unknowncommand{x}")  # doctest: +ELLIPSIS
    '<span class="math math-inline"><code class="latex-fallback" title="could not render: ...
    """
    if not isinstance(latex, str):
        raise DomainError(f"latex must be a string of LaTeX, got {type(latex).__name__}")
    tag, kind = ("div", "display") if display else ("span", "inline")
    try:
        inner = _pieces(_display_fractions(latex.strip()) if display else latex.strip())
    except Exception as error:  # never crash the report: show the source instead
        reason = str(error).strip().splitlines()
        reason = reason[-1] if reason else type(error).__name__
        inner = (
            f'<code class="latex-fallback" title="could not render: {html.escape(reason, quote=True)}">'
            f"{html.escape(latex)}</code>"
        )
    if '<span class="mx' in inner:
        inner = f'<span class="math-row">{inner}</span>'
    return f'<{tag} class="math math-{kind}">{inner}</{tag}>'
