"""Quick conversion of option values, so that running a command does not import pydantic.

typer 0.2x converts every parameter value with a pydantic ``TypeAdapter``; the
first conversion imports pydantic (about 0.3 s, a fifth of SymPy's import),
which made ``calcml diff ... --json`` 1.5 times as slow as ``import sympy``.
calcml's parameters are all plain: ``str``, ``int``, ``float`` or ``bool`` (optionally
``None``, optionally with ``min``/``max``), ``bool`` flags and lists of ``str`` or ``int``.
:func:`install` gives exactly those parameters a small converter with the same
behaviour (and click's wording for a bad value); any other parameter, or a typer
without this mechanism (older versions built on click), is left to typer.
"""

from __future__ import annotations

import typing


class _Plain:
    """Converts a command-line string to int, float or str, checking min/max like typer does."""

    def __init__(self, kind: type, info, optional: bool, is_list: bool):
        self.kind, self.info, self.optional, self.is_list = kind, info, optional, is_list

    def coerce(self, value, param=None, ctx=None):
        if value is None:
            return None
        if self.is_list:
            return [self._one(v, param, ctx) for v in value]
        return self._one(value, param, ctx)

    def _one(self, value, param, ctx):
        from typer import BadParameter

        if self.kind is bool:
            if isinstance(value, bool):
                return value
            raise BadParameter(f"{value!r} is not a valid boolean.", ctx=ctx, param=param)
        if self.kind is str or isinstance(value, self.kind) and not isinstance(value, bool):
            out = value
        else:
            try:
                out = self.kind(value)
            except (TypeError, ValueError):
                noun = "integer" if self.kind is int else "number"
                raise BadParameter(f"{value!r} is not a valid {noun}.", ctx=ctx, param=param) from None
        lo, hi = getattr(self.info, "min", None), getattr(self.info, "max", None)
        if self.kind is not str and ((lo is not None and out < lo) or (hi is not None and out > hi)):
            if lo is not None and hi is not None:
                rng = f"the range {lo}<=x<={hi}"
            elif lo is not None:
                rng = f"the range x>={lo}"
            else:
                rng = f"the range x<={hi}"
            raise BadParameter(f"{out} is not in {rng}.", ctx=ctx, param=param)
        return out


def _plain_type(annotation):
    """(kind, optional, is_list) for a plain annotation, else None."""
    optional = False
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or (origin is not None and getattr(origin, "__name__", "") == "UnionType"):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            return None
        optional, annotation = True, rest[0]
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and len(args) == 1 and args[0] in (str, int, float):
        return args[0], optional, True
    if annotation in (str, int, float, bool):
        return annotation, optional, False
    return None


def install(command) -> None:
    """Give the plain parameters of every command of `command` (a click group) the quick converter."""
    import typer

    commands = getattr(command, "commands", {}) or {}
    for cmd in (command, *commands.values()):
        params = list(getattr(cmd, "params", ()))
        try:  # --help is made on first use, and its value is converted too
            help_option = cmd.get_help_option(typer.Context(cmd, info_name=cmd.name))
            if help_option is not None:
                params.append(help_option)
        except Exception:  # noqa: BLE001 - an optimisation only: typer does the rest
            pass
        for param in params:
            desc = getattr(param, "type_descriptor", None)
            if desc is None or getattr(param, "_runtime_param", False) is not None:
                continue  # not typer's lazy mechanism, or already converted once
            if getattr(desc, "is_choice", False) or getattr(desc, "is_file", False) or getattr(desc, "is_path", False):
                continue
            plain = _plain_type(desc.annotation)
            if plain is not None:
                param._runtime_param = _Plain(plain[0], desc.parameter_info, plain[1], plain[2])
