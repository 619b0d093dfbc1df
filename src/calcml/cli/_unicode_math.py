"""The lessons' LaTeX as Unicode text for the terminal (``calcml lesson N``).

The HTML report renders LaTeX as MathML (latex2mathml); a terminal can only
show characters. This is a small converter for the subset of LaTeX the
lessons write (their prose and their formulas, including SymPy's ``latex()``):
Greek letters and operators become their Unicode characters, ``^``/``_`` become
superscript/subscript characters when every character has one (else ``^(...)``),
``\\frac{a}{b}`` becomes ``a/b`` (parenthesised when a part is compound),
spacing commands become spaces, and a matrix environment becomes a block of
lines with bracket characters, one line per row, aligned in columns. What it
does not know it writes without the backslash, never as raw LaTeX.

SymPy's own pretty printer is not used: most formulas are hand-written LaTeX
(prose, the SVM's problems), not SymPy objects, and one converter keeps the
rendering of the same notation the same everywhere.

A teaching simplification, labelled: fractions are written on one line, and
only matrices are laid out in two dimensions.
"""

from __future__ import annotations

import re

__all__ = ["latex_to_unicode", "split_math"]

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_SYMBOLS = {
    "partial": "∂", "nabla": "∇", "cdot": "·", "times": "×", "approx": "≈", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "Rightarrow": "⇒", "mapsto": "↦", "infty": "∞", "sum": "Σ", "prod": "Π", "int": "∫", "in": "∈",
    "circ": "∘", "pm": "±", "mp": "∓", "dots": "…", "ldots": "…", "cdots": "⋯", "lVert": "‖\u2064", "rVert": "\u2064‖",
    "Vert": "‖", "|": "‖", "lvert": "|", "rvert": "|", "vert": "|", "mid": "|", "prime": "′", "top": "T",
    "ell": "ℓ", "odot": "⊙", "propto": "∝", "equiv": "≡", "sim": "∼", "forall": "∀", "exists": "∃",
    "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉",
    "{": "{", "}": "}", "%": "%", "$": "$", "#": "#", "&": "&", "_": "_",
}
_NBSP = "\u00a0"  # a space that the tidying below keeps (explicit LaTeX spacing, \text)
_SEP = "\u2063"  # after a name or fraction: a space if a letter or digit follows ("sin x", "d/dx x")
_SPACES = {",": _NBSP, ";": _NBSP, ":": _NBSP, " ": _NBSP, "!": "", "quad": "\u2003", "qquad": "\u2003\u2003"}
# relations and binary operators get a space on each side, as LaTeX typesets them
_SPACED = {"cdot", "times", "approx", "le", "leq", "ge", "geq", "ne", "neq", "to", "rightarrow", "leftarrow",
           "Rightarrow", "mapsto", "in", "pm", "mp", "equiv", "propto", "sim"}
_BIG = {"sum": "Σ", "int": "∫", "prod": "Π", "oint": "∮", "lim": "lim", "min": "min", "max": "max",
        "sup": "sup", "inf": "inf", "argmin": "argmin", "argmax": "argmax"}
_IGNORED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
            "displaystyle", "limits", "nolimits"}
_TEXTUAL = {"text", "mathrm", "operatorname", "mathbf", "mathit", "mathcal", "mathbb", "boldsymbol", "textbf",
            "mathsf", "mathtt", "bm"}
_SUP = dict(zip("∘*0123456789+-=()nijkaAbBcdDeEfgGhHIJklLmMNoOprRsStTuUvVwWxyz",
                "°*⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱʲᵏᵃᴬᵇᴮᶜᵈᴰᵉᴱᶠᵍᴳʰᴴᴵᴶᵏˡᴸᵐᴹᴺᵒᴼᵖʳᴿˢˢᵗᵀᵘᵁᵛⱽʷᵂˣʸᶻ"))
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_BRACKETS = {  # environment: (top-left, middle-left, bottom-left, single-left) and the mirrored right side
    "bmatrix": ("⎡⎢⎣[", "⎤⎥⎦]"), "pmatrix": ("⎛⎜⎝(", "⎞⎟⎠)"), "matrix": ("    ", "    "),
    "vmatrix": ("││││", "││││"), "cases": ("⎧⎨⎩{", "    "),
}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)


class _Box:
    """Lines of text with a baseline row: a formula laid out in two dimensions."""

    def __init__(self, lines, base=0):
        width = max((len(s) for s in lines), default=0)
        self.lines = [s.ljust(width) for s in lines]
        self.base = base

    @property
    def width(self):
        return len(self.lines[0]) if self.lines else 0


def _hconcat(boxes):
    """Boxes side by side, their baselines on one row."""
    above = max(b.base for b in boxes)
    below = max(len(b.lines) - b.base for b in boxes)
    rows = []
    for r in range(above + below):
        rows.append("".join(b.lines[r - above + b.base] if 0 <= r - above + b.base < len(b.lines)
                            else " " * b.width for b in boxes))
    return _Box(rows, above)


def _tidy(text: str) -> str:
    """SymPy writes "2 x y" for 2xy: drop a space between a term's factors, keep the rest."""
    text = re.sub(r"(?<=[\w\u00b2\u00b3\u00b9\u2070-\u209f\u1d2c-\u1dbf)′∂∇])[ \t]+(?=[A-Za-z\u0370-\u03ff(√])",
                  "", text)
    text = re.sub(r"[ \t]*\u2064[ \t]*", "", text)  # an opening/closing delimiter hugs its content
    text = re.sub(_SEP + r"[ \t]*(?=[A-Za-z0-9\u0370-\u03ff√∂∇])", " ", text).replace(_SEP, "")
    return re.sub(r"[ \t\u00a0]{2,}", " ", text.replace(_NBSP, " "))


def _compound(s: str) -> bool:
    return bool(re.search(r"[\s+\-−=/·,]", s.strip())) or s.strip().startswith("-")


def _script(s: str, table: dict, mark: str) -> str:
    s = s.strip()
    if s and all(c in table for c in s):
        return "".join(table[c] for c in s)
    return f"{mark}{s}" if len(s) == 1 else f"{mark}({s})"


class _Parser:
    def __init__(self, latex: str):
        self.tokens = _TOKEN.findall(latex)
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def group_text(self) -> str:
        """The next argument (a {group} or one token) as one line of text."""
        while self.peek() is not None and self.peek().isspace():
            self.i += 1
        return _flat(self.items(stop="}") if self.peek() == "{" and self.take() else self.atom())

    def raw_group(self) -> str:
        """The next {group} as written (for \\text and \\begin{name})."""
        while self.peek() is not None and self.peek().isspace():
            self.i += 1
        if self.peek() != "{":
            return self.take() or ""
        self.take()
        depth, out = 1, []
        while self.peek() is not None:
            tok = self.take()
            depth += tok == "{"
            depth -= tok == "}"
            if depth == 0:
                break
            out.append(tok)
        return "".join(out)

    def items(self, stop=None, env=None):
        """Pieces up to `stop` ("}"), or up to \\end{env}: strings and boxes."""
        out = []
        while self.peek() is not None:
            if stop is not None and self.peek() == stop:
                self.take()
                break
            if env is not None and self.peek() == "\\end":
                self.take()
                self.raw_group()
                break
            out.extend(self.atom())
        return out

    def atom(self):
        tok = self.take()
        if tok is None:
            return []
        if tok == "{":
            return self.items(stop="}")
        if tok == "}":
            return []
        if tok in ("^", "_"):
            arg = self.group_text()
            return [_script(arg, _SUP if tok == "^" else _SUB, tok)]
        if tok.isspace():
            return [" "]
        if tok == "~":
            return [_NBSP]
        if not tok.startswith("\\"):
            return [tok]
        name = tok[1:]
        if name in _GREEK:
            return [_GREEK[name]]
        if name in _BIG:  # a big operator: its limits, then a space before what it applies to
            out, scripted = _BIG[name], False
            while self.peek() in ("^", "_"):
                tok = self.take()
                out += _script(self.group_text(), _SUP if tok == "^" else _SUB, tok)
                scripted = True
            return [out + (_NBSP if scripted or not out.isalpha() else _SEP)]
        if name in _SYMBOLS:
            return [f" {_SYMBOLS[name]} " if name in _SPACED else _SYMBOLS[name]]
        if name in _SPACES:
            return [_SPACES[name]]
        if name in _IGNORED:
            if name in ("left", "right") and self.peek() == ".":
                self.take()  # \left. is an invisible delimiter
            return []
        if name == "\\":
            return ["\n"]
        if name in _TEXTUAL:
            if name in ("text", "mathrm", "operatorname", "textbf"):
                text = re.sub(r"\\ ", " ", self.raw_group())
                return [text.replace(" ", _NBSP) + _SEP]
            return [self.group_text()]
        if name in ("frac", "dfrac", "tfrac"):
            num, den = self.group_text(), self.group_text()
            num = f"({num})" if _compound(num) else num
            den = f"({den})" if _compound(den) else den
            return [f"{num}/{den}{_SEP}"]
        if name == "sqrt":
            arg = self.group_text()
            return [f"√{arg}" if not _compound(arg) and len(arg) == 1 else f"√({arg})"]
        if name == "begin":
            return [self.environment(self.raw_group().strip())]
        return [name + _SEP]  # \sin, \log, \max, \tanh ... and anything unknown: its name, never a backslash

    def environment(self, env: str) -> _Box:
        """A matrix (or cases) environment as a box: rows on their own lines, columns aligned."""
        rows, row, cell = [], [], []
        while self.peek() is not None:
            tok = self.peek()
            if tok == "\\end":
                self.take()
                self.raw_group()
                break
            if tok == "&":
                self.take()
                row.append(_flat(cell))
                cell = []
            elif tok == "\\\\":
                self.take()
                row.append(_flat(cell))
                rows.append(row)
                row, cell = [], []
            else:
                cell.extend(self.atom())
        if cell or row:
            row.append(_flat(cell))
            rows.append(row)
        rows = [r for r in rows if any(c for c in r)] or [[""]]
        ncol = max(len(r) for r in rows)
        rows = [r + [""] * (ncol - len(r)) for r in rows]
        widths = [max(len(r[j]) for r in rows) for j in range(ncol)]
        left, right = _BRACKETS.get(env, _BRACKETS["bmatrix"])
        lines = []
        for k, r in enumerate(rows):
            body = "  ".join(c.rjust(w) if env != "cases" else c.ljust(w) for c, w in zip(r, widths))
            pos = 3 if len(rows) == 1 else (0 if k == 0 else 2 if k == len(rows) - 1 else 1)
            lines.append(f"{left[pos]} {body} {right[pos]}".rstrip() if env == "cases"
                         else f"{left[pos]} {body} {right[pos]}")
        return _Box(lines, (len(rows) - 1) // 2)


def _flat(items) -> str:
    """Pieces as one line (a box inside a fraction or a script is joined with '; ')."""
    out = []
    for it in items:
        out.append("; ".join(s.strip() for s in it.lines) if isinstance(it, _Box) else it)
    return _tidy("".join(out).replace("\n", "; ")).strip()


def latex_to_unicode(latex: str) -> str:
    """LaTeX math (without the ``$`` delimiters) as Unicode text; several lines for a matrix or ``\\\\``.

    Parameters
    ----------
    latex : str
        A formula in the subset of LaTeX the lessons write.

    Returns
    -------
    str
        The formula as characters; lines are separated by ``\\n``.

    Examples
    --------
    >>> latex_to_unicode(r"\\frac{d}{dx} x^{n} = n x^{n-1},\\; \\epsilon \\approx 2.2\\times 10^{-16}")
    'd/dx xⁿ = nxⁿ⁻¹, ε ≈ 2.2 × 10⁻¹⁶'
    >>> print(latex_to_unicode(r"H = \\begin{bmatrix} 2 y & 2 x \\\\ 2 x & 6 y \\end{bmatrix}"))
    H = ⎡ 2y  2x ⎤
        ⎣ 2x  6y ⎦
    """
    lines_out = []
    for part in _split_lines(_Parser(latex).items()):
        pieces, text = [], []
        for it in part:
            if isinstance(it, _Box):
                if text:
                    pieces.append(_Box([_tidy("".join(text))]))
                    text = []
                pieces.append(it)
            else:
                text.append(it)
        if text or not pieces:
            pieces.append(_Box([_tidy("".join(text))]))
        if pieces[0].lines and len(pieces[0].lines) == 1:  # a line starts at its first character
            pieces[0] = _Box([pieces[0].lines[0].lstrip()])
        box = _hconcat(pieces)
        lines_out.extend(s.rstrip() for s in box.lines)
    while lines_out and not lines_out[0].strip():
        lines_out.pop(0)
    while lines_out and not lines_out[-1].strip():
        lines_out.pop()
    common = min((len(s) - len(s.lstrip()) for s in lines_out if s.strip()), default=0)
    return "\n".join(s[common:] for s in lines_out)


def _split_lines(items):
    """Split top-level pieces at LaTeX line breaks (``\\\\`` outside a matrix)."""
    parts, cur = [], []
    for it in items:
        if it == "\n":
            parts.append(cur)
            cur = []
        else:
            cur.append(it)
    parts.append(cur)
    return parts


_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def split_math(markdown: str):
    """Lesson prose for the terminal: a list of ``("markdown", text)`` and ``("display", unicode)`` parts.

    Display math (``$$...$$``) becomes its own part, converted to Unicode
    lines (a terminal paragraph would run a matrix's rows together); inline
    math (``$...$``) is converted in place and escaped so that Markdown keeps
    every character (``*``, ``_`` and ``\\`` included). An inline formula
    that needs several lines becomes a display part too.

    Examples
    --------
    >>> split_math(r"Nudge by $h$: it moves by $f'(x)\\,h$.")
    [('markdown', "Nudge by h: it moves by f'(x) h.")]
    """
    parts = []
    pos = 0
    for m in _DISPLAY.finditer(markdown):
        parts.extend(_inline_parts(markdown[pos:m.start()]))
        parts.append(("display", latex_to_unicode(m.group(1))))
        pos = m.end()
    parts.extend(_inline_parts(markdown[pos:]))
    return [p for p in parts if p[1].strip()]


def _inline_parts(text: str):
    parts, buf, pos = [], [], 0
    for m in _INLINE.finditer(text):
        buf.append(text[pos:m.start()])
        math = latex_to_unicode(m.group(1))
        if "\n" in math:
            parts.append(("markdown", "".join(buf)))
            parts.append(("display", math))
            buf = []
        else:
            buf.append(_MD_SPECIAL.sub(r"\\\1", math))
        pos = m.end()
    buf.append(text[pos:])
    parts.append(("markdown", "".join(buf)))
    return parts
