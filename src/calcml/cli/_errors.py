"""Errors on the command line: what kind, which exit code, and in whose words.

The library names Python parameters (``var=``, ``at=``) and functions
(``gradient()``); the command line has flags and commands. :func:`translate` is
the one place that turns the first vocabulary into the second. :func:`describe`
sorts an exception into a kind and an exit code; :func:`report` prints it, as
``error: ...`` lines on stderr or, with ``--json``, as the one JSON object on
stdout::

    {"error": {"kind": "expression", "message": "...", "position": 3, "text": "x +* 2", "hint": "..."}}

Kinds: ``usage`` (the command line itself), ``expression`` (math text calcml
cannot read), ``input`` (a bad value), ``computation`` (the input was fine, the
computation failed), ``interrupted`` and ``internal`` (a bug in calcml).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Optional

from ._shared import ExitCode, Failed, emit_json, session

#: Python parameter -> command-line option, for every command (integrate adds its limits below).
FLAGS: dict[str, str] = {
    "var": "--var", "vars": "--vars", "at": "--at", "order": "--order", "method": "--method",
    "lens": "--lens", "n": "--n", "resolution": "--resolution", "rtol": "--rtol", "atol": "--atol",
}
#: Parameters whose flag depends on the command.
COMMAND_FLAGS: dict[str, dict[str, str]] = {"integrate": {"a": "--from", "b": "--to"}}
#: Library functions named in messages -> the command that does the same (None: drop the advice).
COMMANDS: dict[str, dict[str, Optional[str]]] = {
    "calcml.gradient()": {"diff": "calcml grad", "integrate": None, "*": "calcml grad"},
    "calcml.gradient": {"diff": "calcml grad", "integrate": None, "*": "calcml grad"},
    "gradient()": {"diff": "calcml grad", "integrate": None, "*": "calcml grad"},
    "calcml.jacobian()": {"diff": "calcml jacobian", "integrate": None, "*": "calcml jacobian"},
    "calcml.jacobian": {"diff": "calcml jacobian", "integrate": None, "*": "calcml jacobian"},
    "jacobian()": {"diff": "calcml jacobian", "integrate": None, "*": "calcml jacobian"},
    "calcml.derivative()": {"*": "calcml diff"},
    "calcml.integral()": {"*": "calcml integrate --from A --to B"},
    "calcml.integral": {"*": "calcml integrate --from A --to B"},
}

_VALUE = r"""('[^']*'|"[^"]*"|\.\.\.|[^\s,;:)]+)"""


def translate(message: str, command: Optional[str]) -> str:
    """`message` with Python parameter names turned into the command's flags.

    ``"pass var=... (one of x, y)"`` becomes ``"pass --var ... (one of x, y)"``,
    ``"method='complex' needs order=1"`` becomes ``"--method complex needs --order 1"``.
    Advice to use a library function becomes the command that does it, or is
    dropped where it does not apply (no gradient for an integral).
    """
    flags = {**FLAGS, **COMMAND_FLAGS.get(command or "", {})}

    def flag(m: re.Match) -> str:
        value = m.group(2)
        if value[:1] in "'\"" and value[-1:] == value[:1]:
            value = value[1:-1]
        return f"{flags[m.group(1)]} {value}"

    names = "|".join(sorted(map(re.escape, flags), key=len, reverse=True))
    message = re.sub(rf"(?<![\w.\-])({names})={_VALUE}", flag, message)
    # "method must be None or one of ...": a parameter that starts a sentence
    message = re.sub(rf"(^|; )({names}) (must be|must|is|needs) (None or )?",
                     lambda m: f"{m.group(1)}{flags[m.group(2)]} {m.group(3)} ", message)
    message = re.sub(_NOT_AMONG, lambda m: _not_among(m, command), message)
    if command in _POINT_COMMANDS:  # the library's "point" is what --at typed
        message = re.sub(r"^the point (needs|must|has)\b", r"--at \1", message)
    for name, by_command in COMMANDS.items():  # longest first, so "calcml.gradient()" before "gradient()"
        if not re.search(rf"(?<![\w.]){re.escape(name)}(?![\w(])", message):
            continue
        replacement = by_command.get(command or "", by_command.get("*", name))
        if replacement is None:  # e.g. ", or use gradient() for all of them" on an integral
            message = re.sub(rf",?\s*(or\s+)?use {re.escape(name)}(?![\w(])[^;.]*", "", message)
        else:
            message = re.sub(rf"(?<![\w.]){re.escape(name)}(?![\w(])", replacement, message)
    return message


_NOT_AMONG = r"the expression uses (.+?),? which (?:is|are) not among the variables ([^.;]+)[.;] ?list every variable the expression uses"
_POINT_COMMANDS = {"grad", "jacobian", "hessian", "steepest", "diff"}
#: What to do about variables without a value, per command.
_NOT_AMONG_ADVICE = {
    "diff": "a numeric estimate needs a function of the one variable --var names; for several, use calcml grad",
    "integrate": "a definite integral needs a function of the one variable --var names",
}


def _not_among(m: re.Match, command: Optional[str]) -> str:
    used = [v.strip() for v in m.group(1).split(",") if v.strip()]
    given = [v.strip() for v in m.group(2).split(",") if v.strip() and v.strip() != "(none)"]
    verb = "is" if len(used) == 1 else "are"
    where = ("not among the variables " + ", ".join(given)) if len(given) > 1 else (
        f"not the variable {given[0]}" if given else "not given a value")
    advice = _NOT_AMONG_ADVICE.get(command or "", "list every variable it uses with --vars")
    return f"the expression uses {', '.join(used)}, which {verb} {where}; {advice}"


@dataclass(frozen=True)
class Problem:
    """One error, sorted: its kind, exit code and the words to show."""

    kind: str
    code: ExitCode
    message: str
    position: Optional[int] = None  # 1-based, into `text`
    text: Optional[str] = None
    hint: Optional[str] = None
    pointer: str = ""
    usage: str = ""  # the command's usage line, for usage errors
    printed: bool = False  # the message is already on the screen (a Failed raised after its report)


def click_exceptions():
    """The click exceptions module typer uses (vendored since typer 0.20, click before)."""
    try:
        from typer._click import exceptions
    except ImportError:  # an older typer on top of click
        from click import exceptions
    return exceptions


def describe(err: BaseException, command: Optional[str]) -> Problem:
    """Sort `err` into a :class:`Problem` (never raises)."""
    ClickException, UsageError = click_exceptions().ClickException, click_exceptions().UsageError

    from ..errors import CalcmlError, ComputationError, ExpressionError, MissingRuleError

    if isinstance(err, UsageError):
        usage = ""
        if err.ctx is not None:
            usage = f"{err.ctx.get_usage()}\nTry '{err.ctx.command_path} --help' for help."
        return Problem("usage", ExitCode.USAGE, err.format_message(), usage=usage)
    if isinstance(err, ClickException):
        return Problem("usage", ExitCode(err.exit_code if err.exit_code in (1, 2) else 2), err.format_message())
    if isinstance(err, Failed):
        return Problem("computation", ExitCode.FAILED, translate(str(err), command), printed=err.reported)
    if isinstance(err, KeyboardInterrupt):
        return Problem("interrupted", ExitCode.INTERRUPTED, "interrupted")
    if isinstance(err, ExpressionError):
        position = None if err.position is None else err.position + 1
        return Problem("expression", ExitCode.USAGE, translate(str(err), command), position,
                       err.text or None, err.hint or None, err.pointer())
    if isinstance(err, (ComputationError, MissingRuleError)):
        return Problem("computation", ExitCode.FAILED, translate(str(err), command))
    if isinstance(err, (CalcmlError, ValueError, TypeError)):
        # A bad argument: calcml's own errors are ValueErrors; a plain ValueError or
        # TypeError from below is reported the same way, never as an internal error.
        return Problem("input", ExitCode.USAGE, translate(str(err), command))
    return Problem("internal", ExitCode.FAILED,
                   f"internal error: {type(err).__name__}: {err} (run with --verbose for the traceback)")


def report(problem: Problem) -> None:
    """Print `problem`: one JSON object on stdout with --json, else ``error:`` lines on stderr."""
    current = session()
    if current.json:
        if not current.emitted:  # a result already printed says what went wrong
            emit_json({"error": {"kind": problem.kind, "message": problem.message,
                                 "position": problem.position, "text": problem.text, "hint": problem.hint}})
        return
    if problem.printed:
        return
    if problem.usage:
        sys.stderr.write(problem.usage + "\n")
    sys.stderr.write(f"error: {problem.message}\n")
    if problem.pointer:
        sys.stderr.write("".join(f"  {line}\n" for line in problem.pointer.splitlines()))
