"""Lessons 3 and 4 on the command line: ``grad``, ``jacobian``, ``hessian`` and ``steepest``."""

from __future__ import annotations

from typing import List, Optional

import typer

from ._shared import (
    point as _point_of,
    check_variables as _check_variables,
    Failed as _Failed,
    console as _console,
    emit_json as _emit_json,
    esc as _esc,
    nested as _nested,
    plot_path as _plot_path,
)


# --- lessons 3 and 4: grad, jacobian, hessian, steepest ------------------------------------------

def _render_comparison(r, title: str) -> None:
    import numpy as np

    con = _console()
    if r.expressions is not None:
        con.print(f"[bold]{title} = {_esc(_nested(r.expressions))}[/bold]")
    if r.at is not None:
        con.print(f"at ({', '.join(f'{n} = {v:g}' for n, v in zip(r.variables, r.at))}):")
        for name, ans in r.lenses.items():
            val = _nested(np.asarray(ans.value).tolist()) if ans.value is not None else "-"
            extra = f"  {_esc(f'[{ans.method}]')}" if ans.method else ""
            mark = "" if ans.ok else f"  [red]{_esc(ans.status.value)}: {_esc(ans.message)}[/red]"
            con.print(f"  {name:<9} {_esc(val)}{extra}{mark}")
        if r.agree is not None:
            con.print(f"  lenses agree: {'yes' if r.agree else '[red]NO[/red]'}")


def _finish_comparison(r, as_json: bool, title: str) -> None:
    if as_json:
        _emit_json(r.to_dict())
    else:
        _render_comparison(r, title)
    # Exit 1 when there is no trusted answer or the lenses contradict each other. A lens that could
    # not answer (floats overflow where the exact lens still answers) is shown with its reason above.
    failed = [f"{n}: {a.message or a.status.value}" for n, a in r.lenses.items() if not a.ok]
    if r.agree is False:
        raise _Failed("the lenses disagree", reported=True)
    if r.at is not None and r.value is None:
        raise _Failed("; ".join(failed) or "no lens could answer", reported=True)


def grad(
    expr: str = typer.Argument(..., metavar="EXPR", callback=_check_variables, help="A function of several variables, e.g. 'x^2 + y^3'."),
    vars: Optional[str] = typer.Option(None, "--vars", callback=_check_variables,
        help="Variables in order, e.g. x,y (default: sorted)."),
    at: Optional[str] = typer.Option(None, "--at", help="Point, e.g. 2,3."),
    lens: str = typer.Option("all", "--lens", help="symbolic, numeric, automatic or all."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Write the gradient field (two variables) to PNG."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """The gradient, three ways (symbolic, numeric, automatic), and whether they agree."""
    from ..multivariate import gradient

    plot = _plot_path(plot)
    r = gradient(expr, at=_point_of(at), vars=vars, lens=lens)
    if plot:
        _plot_gradient_field(expr, vars, r, plot)
    _finish_comparison(r, as_json, "\u2207f")
    if plot and not as_json:
        _console().print(f"figure written to {_esc(plot)}")


def _plot_gradient_field(expr, vars, r, path) -> None:
    from ..errors import DomainError
    from ..multivariate import gradient
    from ..plots import save
    from ..plots.figures import gradient_field_figure

    if len(r.variables) != 2:
        raise DomainError("--plot draws functions of two variables")
    names = list(r.variables)
    sym = r if r.expressions is not None else gradient(expr, vars=names, lens="symbolic")
    ax = gradient_field_figure(expr, sym.expressions, names, point=r.at)
    save(ax.figure, path)


def jacobian_cmd(
    exprs: List[str] = typer.Argument(..., metavar="EXPR...", callback=_check_variables, help="The outputs, e.g. '2*x*y' 'x^2*y'."),
    vars: Optional[str] = typer.Option(None, "--vars", callback=_check_variables,
        help="Variables in order, e.g. x,y (default: sorted)."),
    at: Optional[str] = typer.Option(None, "--at", help="Point, e.g. 1,2."),
    lens: str = typer.Option("all", "--lens", help="symbolic, numeric, automatic or all."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """The Jacobian matrix (rows: outputs, columns: variables), three ways."""
    from ..multivariate import jacobian

    _finish_comparison(jacobian(list(exprs), at=_point_of(at), vars=vars, lens=lens), as_json, "J")


def hessian_cmd(
    expr: str = typer.Argument(..., metavar="EXPR", callback=_check_variables, help="A function of several variables, e.g. 'x^2*y + y^3'."),
    vars: Optional[str] = typer.Option(None, "--vars", callback=_check_variables,
        help="Variables in order, e.g. x,y (default: sorted)."),
    at: Optional[str] = typer.Option(None, "--at", help="Point, e.g. 2,3."),
    lens: str = typer.Option("all", "--lens", help="symbolic, numeric, automatic or all."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """The Hessian matrix of second derivatives, three ways."""
    from ..multivariate import hessian

    _finish_comparison(hessian(expr, at=_point_of(at), vars=vars, lens=lens), as_json, "H")


def steepest(
    expr: str = typer.Argument(..., metavar="EXPR", callback=_check_variables, help="A function of two variables, e.g. 'x^2 + y^2'."),
    at: str = typer.Option(..., "--at", help="Point, e.g. 1,1."),
    vars: Optional[str] = typer.Option(None, "--vars", callback=_check_variables,
        help="Variables in order, e.g. x,y (default: sorted)."),
    resolution: float = typer.Option(0.1, "--resolution", help="Angular step of the sweep, in degrees."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Write the rate-vs-angle sweep to PNG."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Sweep the directions around a point: where does the function rise fastest?"""
    from ..multivariate import steepest_ascent

    plot = _plot_path(plot)
    pt = _point_of(at)
    r = steepest_ascent(expr, pt, resolution, vars=vars)
    if plot:
        from ..plots import save
        from ..plots.gradient import plot_direction_sweep

        save(plot_direction_sweep(r, title=expr).figure, plot)
    # At a stationary point every direction has rate 0: there is no steepest one to report.
    flat = r.gradient_norm == 0.0
    note = (f"no steepest direction: the gradient is zero at ({', '.join(f'{v:g}' for v in pt)}), "
            "so f changes at rate 0 in every direction (a stationary point)") if flat else ""
    if as_json:
        d = r.to_dict()
        if flat:
            d["angle_deg"] = None
        d["message"] = note
        if plot:
            d["plot"] = plot
        _emit_json(d)
    else:
        con = _console()
        if flat:
            con.print(f"[bold]{_esc(note)}[/bold]")
        else:
            con.print(f"[bold]steepest ascent at {r.angle_deg:g} degrees[/bold] ({_esc(r.convention)}), "
                      f"rate {r.rate:.10g}")
        if flat:
            con.print(f"gradient {_esc(_nested(r.gradient.tolist()))}, norm 0")
        else:
            con.print(f"gradient {_esc(_nested(r.gradient.tolist()))}: direction {r.gradient_angle_deg:.4f} degrees, "
                      f"norm {r.gradient_norm:.10g}")
            con.print(f"sweep and gradient agree (within {r.resolution_deg:g} degrees): "
                      f"{'yes' if r.agree else 'NO'}")
        if plot:
            con.print(f"figure written to {_esc(plot)}")
    if not r.agree:
        raise _Failed("the sweep and the gradient disagree", reported=True)



def register(app: typer.Typer) -> None:
    """Add this group's commands to `app`."""
    app.command("grad")(grad)
    app.command("jacobian")(jacobian_cmd)
    app.command("hessian")(hessian_cmd)
    app.command("steepest")(steepest)
