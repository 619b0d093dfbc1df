"""What every command group of the CLI shares: the console, escaping, JSON output,
number arguments, the --plot check, step rendering, the exit codes and the
"computation failed" signal.

A command group is a module of this package with a ``register(app)`` function
(see :data:`calcml.cli.GROUPS`). It imports only typer at module level; SymPy,
NumPy, SciPy and matplotlib are imported inside the command that needs them.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from enum import IntEnum
from typing import Optional

#: The report folder of ``calcml course`` and ``make run``.
DEFAULT_OUT = "calcml-output"


class ExitCode(IntEnum):
    """The exit codes of every command (documented in the README)."""

    OK = 0  #: the command did what was asked
    FAILED = 1  #: the input was fine but the computation failed (or an answer was wrong)
    USAGE = 2  #: bad input or usage: an unknown option, unreadable math text, a bad argument
    INTERRUPTED = 130  #: Ctrl-C


EXIT_OK, EXIT_FAILED, EXIT_USAGE = ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE


@dataclass
class Session:
    """What one run of :func:`calcml.cli.main` knows about itself, resolved from its argv.

    ``main`` makes one per call and the commands read it through :func:`session`,
    so nothing is left behind between two calls in the same process.
    """

    verbose: bool = False
    json: bool = False
    command: Optional[str] = None
    emitted: bool = False  # a JSON object is already on stdout


_SESSION: ContextVar[Optional[Session]] = ContextVar("calcml_cli_session", default=None)


def session() -> Session:
    """The current call's :class:`Session` (a fresh default one outside ``main``)."""
    current = _SESSION.get()
    return current if current is not None else Session()


class _State(Mapping):
    # Read-only view kept for command groups written against the old ``state["verbose"]``.
    def __getitem__(self, key):
        if key != "verbose":
            raise KeyError(key)
        return session().verbose

    def __iter__(self):
        return iter(("verbose",))

    def __len__(self):
        return 1


#: Read-only: ``state["verbose"]`` is the current call's ``--verbose``.
state = _State()


class Failed(Exception):
    """The command printed its result but the computation did not succeed (exit 1).

    Raise it after printing. With ``reported=True`` the message is already part of
    what was printed, so ``main`` does not repeat it on stderr.
    """

    def __init__(self, message: str = "", reported: bool = False):
        super().__init__(message)
        self.reported = reported


#: The width of a console that is not a terminal: wide enough that no result line is wrapped.
UNWRAPPED_WIDTH = 100_000


def console(prose: bool = False):
    """A rich console for stdout.

    Piped or redirected output is not wrapped at 80 columns: a result (a
    derivative, a matrix, a step tree) stays one line for the program reading
    it. With `prose` (lessons: paragraphs, rules, panels) it keeps the usual
    width of 80 columns (or ``COLUMNS``).
    """
    from rich.console import Console

    con = Console(highlight=False)
    if not con.is_terminal and not prose:
        con = Console(highlight=False, width=UNWRAPPED_WIDTH)
    con.on_broken_pipe = _reader_gone  # rich would exit 1; `calcml ... | head -1` has not failed
    return con


def _reader_gone() -> None:
    """stdout's reader went away: silence stdout and let ``main`` end with exit code 0."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise BrokenPipeError("the program reading calcml's output closed the pipe")


def warn(message: str) -> None:
    """A one-line warning on stderr (stdout stays clean for --json)."""
    sys.stderr.write(f"warning: {message}\n")


def nested(x) -> str:
    """Nested lists as text, floats with 15 significant digits: ``[[1, 2.5], [3, 4]]``."""
    if isinstance(x, (tuple, list)):
        return "[" + ", ".join(nested(e) for e in x) + "]"
    if isinstance(x, float):
        return f"{x + 0.0:.15g}"  # + 0.0 turns -0.0 into 0.0: "-0" is noise here
    return str(x)


def esc(value) -> str:
    # rich reads "[word ...]" as a style tag and drops it, so computed text ("[y, x]",
    # "[exact]", "d/dx[x**2]") is escaped before it reaches con.print; only our own tags stay.
    from rich.markup import escape

    return escape(str(value))


def plot_path(path: Optional[str]) -> Optional[str]:
    """Check a --plot argument before any work is done; returns it unchanged.

    It must name a new .png file in an existing folder: an existing file (or
    folder, or symbolic link) at that name, a missing folder or a file where the
    folder should be is refused here, with exit 2, before anything is computed
    (:func:`calcml.plots.check_new_png`). :func:`calcml.plots.save` checks
    again when it writes, and never replaces anything.
    """
    if path is None:
        return None
    from ..plots import check_new_png

    check_new_png(path, "--plot")
    return path


def _finite_json(obj):
    # JSON has no nan/inf: they are written as the strings "nan", "inf", "-inf" (as results' to_dict do).
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, dict):
        return {k: _finite_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite_json(v) for v in obj]
    return obj


def emit_json(obj) -> None:
    """Print `obj` as the one JSON object of this command's output.

    Results go through calcml's one JSON encoder (``calcml.results.jsonable``)
    when the library has it; plain dicts of numbers and text need nothing more.
    """
    try:
        from ..results import jsonable
    except ImportError:  # the library's encoder is not there yet: non-finite floats as text is enough
        jsonable = _finite_json
    sys.stdout.write(json.dumps(jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    session().emitted = True


#: How people write an infinite limit: inf, oo (SymPy), ∞, infinity, each with an optional sign.
_INFINITY = {"inf", "infinity", "oo", "\u221e"}


def number(text: str, what: str, allow_infinite: bool = False) -> float:
    """The number an option's text stands for; `what` names the option (``"--at"``).

    Numbers go through the safe parser, so ``pi/4``, ``1e-3`` and ``-2`` work. With
    `allow_infinite` (integration limits) ``inf``, ``-inf``, ``oo`` and ``∞`` are accepted.
    Raises ExpressionError (a ValueError) otherwise, naming `what`.
    """
    from ..errors import ExpressionError
    from ..expressions import parse

    word = text.strip().lower().replace(" ", "")
    sign = -1.0 if word.startswith("-") else 1.0
    if word.lstrip("+-") == "nan":
        raise ExpressionError(f"{what} must be a finite number, got {text!r}")
    if word.lstrip("+-") in _INFINITY:
        if allow_infinite:
            return sign * math.inf
        raise ExpressionError(f"{what} must be a finite number, got {text!r}")
    try:
        value = parse(text, variables=[])
        out = float(value)
    except ExpressionError as err:
        raise ExpressionError(f"{what}: {err.reason}", err.text, err.position, err.hint) from None
    except (TypeError, ValueError):
        raise ExpressionError(f"{what} must be a number, got {text!r}", hint="write e.g. 2, -0.5, pi/4") from None
    if not math.isfinite(out):
        raise ExpressionError(f"{what} must be a finite number, got {text!r}")
    if out == 0 and value != 0:  # 1e-400: exact for the parser, 0 in float64 (smallest: about 5e-324)
        raise ExpressionError(f"{what} = {text} is too small for float64 (it would become 0)",
                              hint="the smallest positive float64 is about 5e-324; use a larger number, or 0")
    return out


def point(text: Optional[str], what: str = "--at") -> Optional[list[float]]:
    """A point typed as comma-separated numbers (``2,3`` or ``pi/4, -1``), each read by :func:`number`.

    None stays None (no point given). Raises ExpressionError naming `what` and the coordinate.
    """
    if text is None:
        return None
    from ..errors import ExpressionError

    parts = text.split(",")
    if any(not p.strip() for p in parts):
        raise ExpressionError(f"{what} must be numbers separated by commas, got {text!r}", hint="write e.g. 2,3")
    if len(parts) == 1:
        return [number(parts[0], what)]
    return [number(p, f"{what}, coordinate {i}") for i, p in enumerate(parts, 1)]


def _and(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def check_variables(ctx, param, value):
    """typer callback for an expression argument and its ``--var``/``--vars`` option.

    Attached to both (click runs them in the order they were typed); when the
    second runs, it checks that the named variables fit the expression, so
    ``diff "x^2" --var y`` is refused with or without ``--at`` (it is x's function)
    and ``grad "x^2 + y" --vars a,b`` does not answer [0, 0].
    """
    import typer

    ctx.params[param.name] = value
    exprs = ctx.params.get("expr", ctx.params.get("exprs"))
    if "var" in ctx.params:
        wanted, option = ctx.params["var"], "--var"
        wanted = None if wanted is None else [wanted]
    else:
        wanted, option = ctx.params.get("vars"), "--vars"
        wanted = None if wanted is None else [v.strip() for v in str(wanted).split(",") if v.strip()]
    if exprs is None or not wanted or not ({"var", "vars"} & set(ctx.params)):
        return value
    from ..errors import CalcmlError
    from ..expressions import free_variables, parse

    used: list[str] = []
    try:
        for text in [exprs] if isinstance(exprs, str) else list(exprs):
            used += [s.name for s in free_variables(parse(text))]
    except CalcmlError:
        return value  # the command reports unreadable text itself, with its position
    used = sorted(set(used))
    if not used:
        return value  # a constant: its derivative by any variable is 0
    missing = [v for v in used if v not in wanted]
    if option == "--var" and wanted[0] not in used:
        raise typer.BadParameter(
            f"{wanted[0]} is not a variable of the expression, whose variable{'s are' if len(used) > 1 else ' is'} "
            f"{_and(used)}; write {option} {used[0]}" + (" (or use calcml grad for all of them)" if len(used) > 1
                                                          else ""), param_hint="'--var'")
    if option == "--vars" and missing:
        raise typer.BadParameter(
            f"the expression uses {_and(missing)}, which {'is' if len(missing) == 1 else 'are'} not "
            f"{'among the variables ' if len(wanted) > 1 else 'the variable '}{_and(wanted)}; list every variable it uses, e.g. --vars {','.join(used)}",
            param_hint="'--vars'")
    return value


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

