"""The ``calcml`` command line: a thin typer app.

Each command parses its arguments, calls the library and renders the result,
as rich text or, with ``--json``, as one JSON object. Errors become exit codes
here and only here: 0 ok, 1 the computation failed, 2 bad input or usage.
Heavy imports (SymPy, SciPy, matplotlib) happen inside the command that needs
them, so ``calcml --help`` stays quick.
"""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

app = typer.Typer(
    name="calcml",
    help="The calculus behind machine learning: derivatives, integrals, gradients and "
         "Jacobians, three ways that check each other. Run 'calcml course' for the whole course.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

from ._shared import Failed as _Failed, state as _state


# --- global options ---------------------------------------------------------------------------

def _version(value: bool):
    if value:
        from .. import __version__

        typer.echo(f"calcml {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks on errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
):
    _state["verbose"] = verbose


# --- command groups in their own modules --------------------------------------------------------

#: Modules of this package that add commands: each defines ``register(app)``.
GROUPS: tuple[str, ...] = (
    "calculus",
    "multivariable",
    "course",
)


def _register_groups() -> None:
    import importlib

    for name in GROUPS:
        importlib.import_module(f".{name}", __name__).register(app)


_register_groups()


# --- entry point ------------------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> None:
    """Run the app; turn calcml's errors into one-line messages and exit codes."""
    from ..errors import CalcmlError, ComputationError

    try:
        app(args=argv, standalone_mode=True)
    except SystemExit:
        raise
    except _Failed as err:
        _error(str(err), code=1)
    except ComputationError as err:
        _error(str(err), code=1)
    except CalcmlError as err:
        pointer = err.pointer() if hasattr(err, "pointer") else ""
        _error(str(err), code=2, detail=pointer)
    except KeyboardInterrupt:
        _error("interrupted", code=130)
    except Exception as err:  # noqa: BLE001 - the last line of defence: one line, exit 1
        _error(f"internal error: {type(err).__name__}: {err} (run with --verbose for the traceback)", code=1)


def _error(message: str, code: int, detail: str = "") -> None:
    if _state["verbose"]:
        import traceback

        traceback.print_exc()
    sys.stderr.write(f"error: {message}\n")
    if detail:
        sys.stderr.write("".join(f"  {line}\n" for line in detail.splitlines()))
    raise SystemExit(code)
