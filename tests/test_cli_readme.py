"""The README's command-line examples, reproduced by the real entry point.

Every ```console block of README.md is split into ``$ calcml ...`` commands and
the lines printed after each; the test runs the command through
``calcml.cli.main`` and compares what it prints (stdout, then stderr) with the
README, exactly (a line ``...`` stands for lines left out, as in a doctest).
JSON output is compared as JSON (the same object).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from calcml.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def examples() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        command, lines = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    found.append((command, "\n".join(lines)))
                command, lines = line[2:], []
            elif command is not None:
                lines.append(line)
        if command is not None:
            found.append((command, "\n".join(lines)))
    return [(c, out) for c, out in found if c.startswith("calcml ")]


def test_the_readme_has_examples():
    assert len(examples()) >= 10


@pytest.mark.parametrize("command, expected", examples(), ids=[c for c, _ in examples()])
def test_readme_example(capsys, command, expected):
    argv = shlex.split(command)[1:]
    capsys.readouterr()
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    # trailing spaces (rich pads a centred table title) cannot be seen in the README
    printed = "\n".join(line.rstrip() for line in (out + err).rstrip("\n").splitlines())
    if "--json" in argv:
        obj = json.loads(printed)
        assert obj == json.loads(expected)
        failed = isinstance(obj.get("error"), dict) or obj.get("status", "success") != "success"
    elif any(line.strip() == "..." for line in expected.splitlines()):
        # A line "..." in the README stands for lines left out (as in a doctest); the rest match exactly.
        pattern = "\n".join(".*?" if line.strip() == "..." else re.escape(line.rstrip())
                             for line in expected.splitlines())
        assert re.fullmatch(pattern, printed, flags=re.S), printed
    else:
        assert printed == expected
    if "--json" not in argv:
        failed = printed.startswith(("error:", "not right yet")) or "\nerror:" in printed
    # the exit code the README's text implies
    assert (code != 0) == failed, (code, printed)
