"""A small Markdown subset to HTML, for lesson text: safe by construction.

Blank-line-separated paragraphs, ``#`` headings (shifted down to fit inside a
lesson section), ``-`` lists, ``**bold**``, ``*italic*``, ```code```, and math:
inline ``$...$`` and display ``$$...$$`` LaTeX rendered offline by
:mod:`calcml.course.mathrender`. Everything else is HTML-escaped.
"""

from __future__ import annotations

import html
import re

from calcml.course.mathrender import render_latex

__all__ = ["markdown_to_html", "escape", "inline"]


def escape(text: str) -> str:
    return html.escape(str(text), quote=True)


# Inline Markdown: `code`, $math$, **bold**, *italic*, and \$ for a literal
# dollar. Emphasis needs a non-word character before the opening * and after
# the closing one, so that x**2 and 2*x*y stay as they are.
_INLINE = re.compile(
    r"(?P<code>`[^`\n]+`)"
    r"|(?P<math>(?<![\\$])\$(?=[^\s$])(?:\\.|[^$\\])+?(?<=\S)\$(?!\$))"
    r"|(?P<bold>(?<![\w*])\*\*(?=\S).+?(?<=\S)\*\*(?![\w*]))"
    r"|(?P<italic>(?<![\w*])\*(?=[^\s*])[^*\n]*?(?<=[^\s*])\*(?![\w*]))"
    r"|(?P<dollar>\\\$)"
)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_LIST_ITEM = re.compile(r"^\s*[-*]\s+(.*)$")
_HEADING = re.compile(r"^(#{1,4})\s+(.*)$")


def inline(text: str) -> str:
    """HTML for one line of inline Markdown; everything else is escaped."""
    out, last = [], 0
    for match in _INLINE.finditer(text):
        out.append(escape(text[last : match.start()]))
        token = match.group(0)
        if match.group("code"):
            out.append(f"<code>{escape(token[1:-1])}</code>")
        elif match.group("math"):
            out.append(render_latex(token[1:-1], display=False))
        elif match.group("bold"):
            out.append(f"<strong>{inline(token[2:-2])}</strong>")
        elif match.group("italic"):
            out.append(f"<em>{inline(token[1:-1])}</em>")
        else:
            out.append("$")
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def markdown_to_html(markdown: str) -> str:
    """HTML for the Markdown subset lesson prose is written in.

    Paragraphs (separated by blank lines), ``#``/``##``/``###`` headings (as
    ``h3``/``h3``/``h4``: the page and the lessons own ``h1`` and ``h2``), ``- ``
    lists, ``**bold**``, ``*italic*``, ```code```, inline ``$...$`` and display ``$$...$$``
    math. HTML comments are dropped; everything else is text, HTML-escaped: a
    lesson cannot inject markup.

    Examples
    --------
    >>> print(markdown_to_html("## Rule\\nThe **slope** of `f` is <b>not</b> f.\\n\\n- one\\n- two"))
    <h3>Rule</h3>
    <p>The <strong>slope</strong> of <code>f</code> is &lt;b&gt;not&lt;/b&gt; f.</p>
    <ul><li>one</li><li>two</li></ul>
    """
    displays: list[str] = []

    def stash(match: re.Match) -> str:
        displays.append(render_latex(match.group(1).strip(), display=True))
        return f"\x00{len(displays) - 1}\x00"

    # \x00 marks where display math was taken out; none may come from the text itself.
    # HTML comments (section markers in the lesson files) are not shown, as in Markdown.
    text = re.sub(r"<!--.*?-->", "", str(markdown).replace("\x00", "").replace("\r\n", "\n"), flags=re.DOTALL)
    text = _DISPLAY.sub(stash, text)

    def flow(line: str) -> list[str]:
        # A paragraph's text, cut where display math stands: a <div> may not sit in a <p>.
        parts = []
        for k, piece in enumerate(_PLACEHOLDER.split(line)):
            if k % 2:
                parts.append(displays[int(piece)])
            elif piece.strip():
                parts.append(f"<p>{inline(piece.strip())}</p>")
        return parts

    out: list[str] = []
    for chunk in re.split(r"\n[ \t]*\n", text):
        paragraph: list[str] = []
        items: list[str] = []

        def flush() -> None:
            if paragraph:
                out.extend(flow(" ".join(paragraph)))
                paragraph.clear()
            if items:
                rendered = "".join(
                    f"<li>{_PLACEHOLDER.sub(lambda m: displays[int(m.group(1))], inline(item))}</li>"
                    for item in items
                )
                out.append(f"<ul>{rendered}</ul>")
                items.clear()

        for line in chunk.split("\n"):
            heading, item = _HEADING.match(line.strip()), _LIST_ITEM.match(line)
            if heading:
                flush()
                level = "h4" if len(heading.group(1)) >= 3 else "h3"
                out.append(f"<{level}>{inline(heading.group(2).strip())}</{level}>")
            elif item:
                if paragraph:
                    flush()
                items.append(item.group(1).strip())
            elif items and line.strip():
                items[-1] += " " + line.strip()  # a wrapped list item continues
            elif line.strip():
                paragraph.append(line.strip())
        flush()
    return "\n".join(out)
