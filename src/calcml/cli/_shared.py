"""What every command group of the CLI shares: the console, escaping, JSON output,
number arguments, the --plot check, step rendering and the "computation failed" signal.

A command group is a module of this package with a ``register(app)`` function
(see :data:`calcml.cli.GROUPS`). It imports only typer at module level; SymPy,
NumPy, SciPy and matplotlib are imported inside the command that needs them.
"""

from __future__ import annotations

import json
import sys
from typing import Optional

#: The report folder of ``calcml course`` and ``make run``.
DEFAULT_OUT = "calcml-output"

state = {"verbose": False}


class Failed(Exception):
    """The command printed its result but the computation did not succeed (exit 1)."""


def console():
    from rich.console import Console

    return Console(highlight=False)


def esc(value) -> str:
    # rich reads "[word ...]" as a style tag and drops it, so computed text ("[y, x]",
    # "[exact]", "d/dx[x**2]") is escaped before it reaches con.print; only our own tags stay.
    from rich.markup import escape

    return escape(str(value))


def plot_path(path: Optional[str]) -> Optional[str]:
    """Check a --plot argument before any work is done: it must name a .png file."""
    if path is None:
        return None
    from pathlib import Path

    from ..errors import DomainError

    if Path(path).suffix.lower() != ".png" or Path(path).name == ".png":
        raise DomainError(f"--plot must name a .png file, got {path!r}; write e.g. --plot figure.png")
    return path


def emit_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def number(text: str, what: str) -> float:
    # Numbers on the command line go through the safe parser too, so "pi/4" and "1e-3" work.
    from ..errors import ExpressionError
    from ..expressions import parse

    try:
        value = parse(text, variables=[])
        out = float(value)
    except ExpressionError as err:
        raise ExpressionError(f"{what}: {err.reason}", err.text, err.position, err.hint) from None
    except (TypeError, ValueError):
        raise ExpressionError(f"{what} must be a number, got {text!r}", hint="write e.g. 2, -0.5, pi/4") from None
    import math

    if not math.isfinite(out):
        raise ExpressionError(f"{what} must be finite, got {text!r}")
    return out


def steps_json(step) -> list[dict]:
    """Steps flattened depth-first: every entry has rule, expression, result and its depth."""
    out = []
    stack = [(step, 0)]
    while stack:
        s, depth = stack.pop()
        out.append({"rule": s.rule, "expression": str(s.expression), "result": str(s.result), "depth": depth})
        stack.extend((c, depth + 1) for c in reversed(s.substeps))
    return out


def steps_tree(step, title: str):
    from rich.tree import Tree

    def label(s):
        return f"[bold]{esc(s.rule)}[/bold]: {esc(s.expression)}  \u2192  {esc(s.result)}"

    root = Tree(title)
    stack = [(step, root)]
    while stack:
        s, parent = stack.pop()
        node = parent.add(label(s))
        stack.extend((c, node) for c in reversed(s.substeps))
    return root


# --- global options ---------------------------------------------------------------------------
