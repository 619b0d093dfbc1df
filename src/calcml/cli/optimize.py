"""Lesson 6's commands: ``calcml critical`` and ``calcml minimize``."""

from __future__ import annotations

from typing import Optional

import typer

from ._shared import Failed, console, emit_json, esc, number, plot_path


def critical(
    expression: str = typer.Argument(..., metavar="EXPR", help="The function, e.g. 'x^3 - 2x^2 + 1'."),
    vars: Optional[str] = typer.Option(None, "--vars", help="Variables in order, e.g. x,y (default: sorted)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Find the critical points of EXPR, classify each one and say why."""
    from ..critical import critical_points

    r = critical_points(expression, vars=vars)
    if as_json:
        emit_json(r.to_dict())
        return
    from rich.table import Table

    con = console()
    con.print(f"f({', '.join(r.variables)}) = {esc(r.expression)}    domain: {esc(r.domain)}")
    if r.points:
        table = Table(show_header=True, header_style="bold", box=None)
        for col in ("point", "f", "kind", "why"):
            table.add_column(col)
        for p in r.points:
            where = ", ".join(f"{k} = {v}" for k, v in p.point.items())
            table.add_row(esc(where), esc(p.value), esc(p.kind), esc(p.reason))
        con.print(table)
    for fam in r.families:
        con.print(f"family: {esc(fam)}")
    con.print(esc(r.message))
    con.print(f"[dim]complete: {'yes' if r.complete else 'not guaranteed'}; numeric check: "
              f"{esc(r.numeric_check)}[/dim]")


def minimize_command(
    expression: str = typer.Argument(..., metavar="EXPR", help="The function to minimize, e.g. 'x^2 + 10y^2'."),
    start: str = typer.Option(..., "--from", help="Starting point, one number per variable: -1.2,1"),
    method: str = typer.Option("bfgs", "--method", help="gd, momentum, nesterov, adam, newton or bfgs."),
    lr: Optional[str] = typer.Option(None, "--lr", help="Learning rate (gd, momentum, nesterov, adam)."),
    max_iter: Optional[int] = typer.Option(None, "--max-iter", help="Most steps to take."),
    tol: str = typer.Option("1e-6", "--tol", help="Stop when the gradient norm is at most this."),
    momentum: str = typer.Option("0.9", "--momentum", help="beta of momentum and nesterov."),
    convention: str = typer.Option("pytorch", "--convention",
                                   help="momentum: pytorch or heavy_ball; nesterov: pytorch or sutskever."),
    line_search: Optional[str] = typer.Option(None, "--line-search", help="armijo (gd, momentum, nesterov)."),
    vars: Optional[str] = typer.Option(None, "--vars", help="Variables in order, e.g. x,y (default: sorted)."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Draw the path (contours for 2 variables) to PNG."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Minimize EXPR from --from with one optimizer; print how it ended (exit 1 unless at a minimum)."""
    from ..errors import DomainError
    from ..optimize import minimize

    plot = plot_path(plot)
    x0 = [number(t, "--from") for t in start.split(",")] if start.strip() else []
    if not x0:
        raise DomainError("--from needs a starting point, one number per variable, e.g. --from -1.2,1")
    if plot and len(x0) > 2:
        raise DomainError(f"--plot draws one or two variables; this start has {len(x0)}. Drop --plot")
    r = minimize(expression, x0, method=method, learning_rate=None if lr is None else number(lr, "--lr"),
                 max_iter=max_iter, tol=number(tol, "--tol"), momentum=number(momentum, "--momentum"),
                 convention=convention, line_search=line_search, vars=vars)
    if plot:
        _plot(expression, vars, r, plot)
    if as_json:
        out = r.to_dict()
        out["plot"] = plot
        emit_json(out)
    else:
        _print(r, plot)
    if not r.success:
        raise Failed(f"{r.method} did not end at a minimum (label {r.label!r})")


def _print(r, plot) -> None:
    import numpy as np

    con = console()
    style = "green" if r.success else "red"
    con.print(f"[{style} bold]{esc(r.label)}[/{style} bold]  {esc(r.method)}: {esc(r.message)}")
    con.print(f"x = {esc(np.array2string(r.x, precision=10))}   f(x) = {r.fun:.10g}   "
              f"|grad f| = {np.linalg.norm(r.jac):.3g}")
    con.print(f"steps: {r.nit}   evaluations: f {r.nfev}, gradient {r.njev}, Hessian {r.nhev}")
    if r.hessian_eigenvalues is not None:
        con.print(f"Hessian eigenvalues at x: {esc(np.array2string(r.hessian_eigenvalues, precision=6))}")
    if plot:
        con.print(f"figure written to {esc(plot)}")


def _plot(expression, vars, r, path) -> None:
    import numpy as np

    from ..expressions import to_function
    from ..plots import save
    from ..plots.optimize import plot_path_on_curve, plot_paths

    names = None if vars is None else [v.strip() for v in vars.split(",")]
    f = to_function(expression, names)
    finite = r.path[np.all(np.isfinite(r.path), axis=1)]
    finite = finite[np.max(np.abs(finite), axis=1) < 1e6] if finite.size else finite
    if r.path.shape[1] == 1:
        ax = plot_path_on_curve(f, finite[:, 0], title=f"{r.method}: {r.label} after {r.nit} steps")
    else:
        lo, hi = finite.min(axis=0), finite.max(axis=0)
        pad = 0.15 * (hi - lo) + 0.5
        ax = plot_paths(f, {r.method: finite}, xlim=(lo[0] - pad[0], hi[0] + pad[0]),
                        ylim=(lo[1] - pad[1], hi[1] + pad[1]),
                        title=f"{r.method}: {r.label} after {r.nit} steps")
    save(ax.figure, path)


def register(app: typer.Typer) -> None:
    app.command("critical")(critical)
    app.command("minimize")(minimize_command)
