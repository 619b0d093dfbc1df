"""The command line as people type it, rewritten into what the parser expects.

Two habits break a strict option parser:

- math text that begins with a minus (``calcml diff "-x^2 + 3x"``) looks like an
  unknown option ``-x``;
- ``--verbose`` (``-v``) typed after the command (``calcml hessian ... --verbose``),
  where the parser only knows it before the command.

:func:`normalise` reads the argv once, with the real command's own option table
(so ``--at -1`` keeps ``-1`` as the value of ``--at``), and returns an argv with
``--verbose`` in front of the command and the positionals after a ``--`` when
one of them begins with ``-``. It also reports what ``main`` needs to know before
anything runs: the command, ``--verbose`` and ``--json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_VERBOSE = ("-v", "--verbose")

#: Options that only do something together with another one: command -> option -> needed options.
#: ``main`` warns when one is given without any of the options it needs.
NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "diff": {"--method": ("--at",)},
    "integrate": {"--n": ("--from", "--to"), "--method": ("--from", "--to")},
}


@dataclass(frozen=True)
class Invocation:
    """An argv ready for the parser, and what was learnt reading it."""

    args: list[str]
    command: str | None = None
    verbose: bool = False
    json: bool = False
    options: tuple[str, ...] = ()  # the command's options as typed (names only, e.g. "--at")
    unused: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # (option, options it needs)


def _option_table(command) -> dict[str, bool]:
    """Every option name of a click command -> whether it takes a value."""
    table: dict[str, bool] = {}
    for param in getattr(command, "params", ()):
        if getattr(param, "param_type_name", "") != "option":
            continue
        takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
        for name in (*param.opts, *param.secondary_opts):
            table[name] = takes_value
    for name in ("--help",):
        table.setdefault(name, False)
    return table


def normalise(argv: list[str], group) -> Invocation:
    """Rewrite `argv` for `group` (the click group of the app); see the module docstring."""
    args = list(argv)
    root = _option_table(group)
    verbose = False
    head: list[str] = []
    i = 0
    while i < len(args):  # options before the command
        tok = args[i]
        if tok in _VERBOSE:
            verbose = True
        elif tok.startswith("-") and tok != "-" and (tok in root or tok.split("=", 1)[0] in root):
            head.append(tok)
        else:
            break
        i += 1
    if i == len(args) or args[i] not in getattr(group, "commands", {}):
        # no command (or an unknown one): let the parser say so, with --verbose in place
        return Invocation((["--verbose"] if verbose else []) + head + args[i:], None, verbose,
                          "--json" in args[i:])
    name = args[i]
    command = group.commands[name]
    table = _option_table(command)
    options: list[str] = []
    positionals: list[str] = []
    typed: list[str] = []
    dangling = None
    rest = args[i + 1:]
    j = 0
    while j < len(rest):
        tok = rest[j]
        key = tok.split("=", 1)[0] if tok.startswith("--") else tok
        if tok == "--":
            positionals.extend(rest[j + 1:])
            break
        if key in table:
            typed.append(key)
            if table[key] and "=" not in tok:
                if j + 1 == len(rest):  # "--at" with nothing after it: last, so the parser says so
                    dangling = tok
                    j += 1
                    continue
                options.extend((tok, rest[j + 1]))  # its value, even when it begins with '-' (--at -1)
                j += 2
                continue
            options.append(tok)
        elif tok in _VERBOSE:
            verbose = True
        elif tok.startswith("--"):
            options.append(tok)  # an unknown long option: the parser names it and suggests one
        else:
            positionals.append(tok)  # includes math text that begins with '-'
        j += 1
    out = (["--verbose"] if verbose else []) + head + [name] + options
    if dangling is not None:  # the parser will say the option needs a value; nothing else matters
        out.append(dangling)
    else:
        if any(p.startswith("-") for p in positionals):
            out.append("--")
        out.extend(positionals)
    unused = tuple((opt, needs) for opt, needs in NEEDS.get(name, {}).items()
                   if opt in typed and not any(n in typed for n in needs))
    return Invocation(out, name, verbose, "--json" in options, tuple(typed), unused)
