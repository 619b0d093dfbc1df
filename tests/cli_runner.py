"""Running ``calcml`` in-process for the CLI tests: one helper, shared by every test module."""

from __future__ import annotations

import json

from calcml.cli import main


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``calcml ARGS`` through the real entry point: (exit code, stdout, stderr)."""
    capsys.readouterr()  # drop anything printed before
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys, *args: str, code: int = 0) -> dict:
    """Run ``calcml ARGS --json``, check the exit code, return the one JSON object."""
    got, out, err = cli(capsys, *args, "--json")
    assert got == code, (got, out, err)
    return json.loads(out)
