"""The ``calcml`` command line: a thin typer app.

Each command parses its arguments, calls the library and renders the result,
as rich text or, with ``--json``, as one JSON object. The commands live in one
module per group (:data:`GROUPS`), each with a ``register(app)`` function; what
they share is in ``_shared`` (console, JSON, numbers, exit codes), how argv is
read in ``_argv`` and how errors are shown in ``_errors``. Errors become exit
codes here and only here (:class:`~calcml.cli._shared.ExitCode`: 0 ok, 1 the
computation failed, 2 bad input or usage). Heavy imports (SymPy, SciPy,
matplotlib) happen inside the command that needs them, so ``calcml --help``
stays quick.
"""

from __future__ import annotations

import sys
import warnings
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

# --- global options ---------------------------------------------------------------------------

def _version(value: bool):
    if value:
        from .. import __version__

        typer.echo(f"calcml {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks on errors (also after the command)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
):
    # --verbose is read from argv by main() for each call (it may come after the command);
    # it is declared here so that --help lists it.
    del verbose, version


# --- command groups in their own modules --------------------------------------------------------

#: Modules of this package that add commands: each defines ``register(app)``.
GROUPS: tuple[str, ...] = (
    "calculus",
    "multivariable",
    "course",
    "nn",
    "optimize",
    "svm",
    "notebooks",
)


def _register_groups() -> None:
    import importlib

    for name in GROUPS:
        importlib.import_module(f".{name}", __name__).register(app)


_register_groups()


# --- entry point ------------------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> None:
    """Run ``calcml ARGV``; turn every outcome into output and an exit code.

    Exits (``SystemExit``) with the :class:`~calcml.cli._shared.ExitCode` unless it is 0.
    """
    from ._argv import normalise
    from ._coerce import install
    from ._shared import _SESSION, Session, warn

    group = typer.main.get_command(app)
    install(group)  # plain values without pydantic: a quicker start (see _coerce)
    inv = normalise(list(sys.argv[1:] if argv is None else argv), group)
    token = _SESSION.set(Session(verbose=inv.verbose, json=inv.json, command=inv.command))
    try:
        for option, needs in inv.unused:
            warn(f"{option} has no effect without {' or '.join(needs)}")
        with warnings.catch_warnings():
            # calcml's warnings (e.g. "'xy' is read as one variable") as one line each, on stderr;
            # other libraries' only with --verbose
            warnings.simplefilter("default")
            warnings.showwarning = lambda message, category, filename, *args, **kwargs: (
                warn(str(message)) if inv.verbose or _is_calcml(filename) else None)
            code = _run(group, inv)
    finally:
        _SESSION.reset(token)
    if code:
        raise SystemExit(int(code))


def _is_calcml(filename: str) -> bool:
    from pathlib import Path

    return Path(__file__).resolve().parents[1] in Path(filename).resolve().parents


def _run(group, inv) -> int:
    from ._errors import click_exceptions

    NoArgsIsHelpError = getattr(click_exceptions(), "NoArgsIsHelpError", ())
    try:
        rv = group.main(args=inv.args, prog_name="calcml", standalone_mode=False)
        if rv == 130:  # Ctrl-C, which typer turns into an exit code
            raise KeyboardInterrupt
        return rv if isinstance(rv, int) else 0
    except NoArgsIsHelpError as err:  # bare "calcml": the help, as a usage error
        err.show()
        return err.exit_code
    except typer.Abort:
        sys.stderr.write("aborted\n")
        return 1
    except SystemExit as exit_:
        # click turns a closed pipe into exit 1 after wrapping stdout in a PacifyFlushWrapper; the reader
        # went away (calcml ... | head -1), which is not a failed computation
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            return 0
        raise exit_
    except BrokenPipeError:
        # The reader went away (calcml ... | head -1): what it wanted was printed; nothing failed.
        # Point stdout at /dev/null so that Python's own flush at exit does not complain.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (Exception, KeyboardInterrupt) as err:  # noqa: BLE001 - every error ends here, as a message
        from ._errors import describe, report

        problem = describe(err, inv.command)
        if inv.verbose and problem.kind != "usage":  # a usage error has no traceback worth reading
            import traceback

            traceback.print_exc()
        report(problem)
        return problem.code
