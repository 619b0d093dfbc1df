"""``calcml svm``: fit the maximum-margin line to labelled points and show its KKT table (lesson 7)."""

from __future__ import annotations

from typing import Optional

import typer

#: rows of the KKT table printed as text (the JSON has every row)
TEXT_ROWS = 40


def register(app: typer.Typer) -> None:
    app.command("svm")(svm)


def svm(
    points: Optional[str] = typer.Option(
        None, "--points", help='Labelled points "x,y:label ...", e.g. "0,0:-1 1,2:+1 2,1:+1".'),
    csv: Optional[str] = typer.Option(
        None, "--csv", help="A CSV file: one point per row, the coordinates then the label (a header row is optional)."),
    C: Optional[str] = typer.Option(None, "--C", help="Soft margin with this C > 0 (default: hard margin, C = inf)."),
    solver: str = typer.Option("auto", "--solver", help="auto, slsqp (the primal, the lesson's route) or qp (the dual)."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Write the points, the line and the margin lines to PNG (2-D data)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """The support vector machine: the widest-margin line, its support vectors, the alphas and the KKT table."""
    import math

    from ..errors import DomainError, NotSeparableError
    from ._shared import number, plot_path

    plot = plot_path(plot)
    if (points is None) == (csv is None):
        raise DomainError('give the data with exactly one of --points "0,0:-1 1,2:+1 2,1:+1" or --csv FILE')
    X, y = _read_points(points) if points is not None else _read_csv(csv)
    if C is None or C.strip().lower() in ("inf", "+inf", "infinity"):
        c_value = math.inf
    else:
        c_value = number(C, "--C")
        if c_value <= 0:
            raise DomainError(f"--C must be > 0, got {C}; leave it out for a hard margin")
    if plot and len(X[0]) != 2:
        raise DomainError(f"--plot draws two-dimensional data; these points have {len(X[0])} coordinates")

    from ..svm import LinearSVM

    try:
        model = LinearSVM(C=c_value, solver=solver).fit(X, y)
    except NotSeparableError as err:
        raise NotSeparableError(f"{str(err).split('; use')[0]}; use a soft margin: add --C 1 "
                                "(smaller C: wider margin, more slack)") from None
    out = _result(model, X, y, c_value)
    if plot:
        from ..plots import save
        from ..plots.svm import plot_svm

        save(plot_svm(model, X, y).figure, plot)
        out["plot"] = plot
    if as_json:
        from ._shared import emit_json

        emit_json(out)
    else:
        _render(out)


# --- reading the data -----------------------------------------------------------------------------

def _label(text: str, where: str):
    # numeric labels compare as numbers (+1 and 1 are one class); anything else as text.
    # A label that reads as NaN or infinity (nan, inf, 1e400) is refused: it is no class.
    import math

    from ..errors import DomainError

    try:
        value = float(text)
    except ValueError:
        return text
    if not math.isfinite(value):
        raise DomainError(f"{where}: the label {text!r} is not a finite number; labels are finite numbers "
                          "such as -1 and +1, or words such as yes and no")
    return int(value) if value.is_integer() else value


def _read_points(text: str):
    from ..errors import DomainError, ExpressionError
    from ._shared import number

    X, y = [], []
    tokens = text.split()
    if not tokens:
        raise DomainError('--points is empty; write e.g. --points "0,0:-1 1,2:+1 2,1:+1"')
    for k, token in enumerate(tokens, 1):
        coords, sep, label = token.rpartition(":")
        if not sep or not coords or not label:
            raise DomainError(f"--points: point {k} {token!r} is not 'x,y:label'; write e.g. \"0,0:-1 1,2:+1\"")
        try:
            row = [number(c, f"--points, point {k}") for c in coords.split(",")]
        except ExpressionError as err:
            raise DomainError(f"{err.reason} (in {token!r}); coordinates are numbers separated by commas") from None
        if X and len(row) != len(X[0]):
            raise DomainError(f"--points: point {k} {token!r} has {len(row)} coordinates, the first point has "
                              f"{len(X[0])}; give every point the same number")
        X.append(row)
        y.append(_label(label, f"--points, point {k} {token!r}"))
    return X, y


def _read_csv(path: str):
    import csv as csvmod
    import math
    from pathlib import Path

    from ..errors import DomainError

    p = Path(path)
    if not p.is_file():
        raise DomainError(f"--csv {path}: no such file")
    with p.open(newline="", encoding="utf-8") as fh:
        rows = [(i, r) for i, r in enumerate(csvmod.reader(fh), 1) if r and any(c.strip() for c in r)]
    if not rows:
        raise DomainError(f"--csv {path} has no rows; write one point per row: x1,x2,label")
    X, y = [], []
    for n, (line, row) in enumerate(rows):
        if len(row) < 2:
            raise DomainError(f"--csv {path}, line {line}: {len(row)} column; each row needs the coordinates and "
                              "then the label, e.g. 0,0,-1")
        try:
            values = [float(c) for c in row[:-1]]
        except ValueError:
            if n == 0:
                continue  # a header row
            bad = next(c for c in row[:-1] if not _is_float(c))
            raise DomainError(f"--csv {path}, line {line}: {bad.strip()!r} is not a number; the last column is "
                              "the label, the others are coordinates") from None
        if not all(math.isfinite(v) for v in values):
            raise DomainError(f"--csv {path}, line {line}: coordinates must be finite numbers")
        if X and len(values) != len(X[0]):
            raise DomainError(f"--csv {path}, line {line}: {len(row)} columns, the first data row has "
                              f"{len(X[0]) + 1}")
        X.append(values)
        y.append(_label(row[-1].strip(), f"--csv {path}, line {line}"))
    if not X:
        raise DomainError(f"--csv {path} has a header but no data rows")
    return X, y


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- the result -----------------------------------------------------------------------------------

def _line(w, b) -> str:
    names = ["x", "y"] if len(w) == 2 else [f"x{i + 1}" for i in range(len(w))]
    terms = " ".join(f"{'-' if v < 0 else '+'} {abs(v):.10g} {n}" for v, n in zip(w, names))
    terms = terms[2:] if terms.startswith("+ ") else "-" + terms[2:]
    return f"{terms} {'-' if b < 0 else '+'} {abs(b):.10g} = 0"


def _result(model, X, y, C) -> dict:
    import math

    w, b = model.coef_[0], float(model.intercept_[0])
    k = model.kkt_
    rows = []
    for i in range(len(y)):
        rows.append({"index": i, "x": [float(v) for v in X[i]], "label": y[i],
                     "functional_margin": float(k.functional_margin[i]), "alpha": float(k.alpha[i]),
                     "slack": float(k.slack[i]), "complementary_slackness": float(k.complementary_slackness[i]),
                     "support_vector": bool(k.support[i]), "status": k.label(i)})
    return {
        "n_samples": len(y), "n_features": len(X[0]),
        "classes": model.classes_.tolist(),
        "C": "inf" if math.isinf(C) else C,
        "solver": model.solver_,
        "line": _line(w, b),
        "coef": w.tolist(), "intercept": b,
        "margin": model.margin_,
        "support": model.support_.tolist(),
        "n_support": model.n_support_.tolist(),
        "alpha": model.alpha_.tolist(),
        "dual_coef": model.dual_coef_[0].tolist(),
        "objective": model.objective_,
        "kkt": rows,
        "kkt_residuals": model.kkt_residuals_.to_dict(),
    }


def _render(out: dict) -> None:
    from rich.table import Table

    from ._shared import console, esc

    con = console()
    kind = "hard margin" if out["C"] == "inf" else f"soft margin, C = {out['C']:g}"
    con.print(f"{out['n_samples']} points, {out['n_features']} features, classes {esc(out['classes'])}: "
              f"{kind}, solver {out['solver']}")
    con.print(f"[bold]line: {esc(out['line'])}[/bold]")
    con.print(f"margin 2/|w| = {out['margin']:.12g}")
    con.print(f"support vectors: {len(out['support'])} (points {', '.join(str(i) for i in out['support'])}; "
              f"per class {out['n_support']})")
    t = Table(title=f"KKT table (+ = classes[1] = {esc(out['classes'][1])})")
    soft = out["C"] != "inf"
    cols = ["#", "point", "label", "y f(x)", "alpha"] + (["slack"] if soft else []) + ["alpha (y f(x) - 1)", "status"]
    for c in cols:
        t.add_column(c, justify="left" if c in ("point", "status") else "right")
    for r in out["kkt"][:TEXT_ROWS]:
        point = "(" + ", ".join(f"{v:g}" for v in r["x"]) + ")"
        cells = [str(r["index"]), point, esc(r["label"]), f"{r['functional_margin']:.10g}", f"{r['alpha']:.10g}"]
        if soft:
            cells.append(f"{r['slack']:.6g}")
        cells += [f"{r['complementary_slackness']:.1e}", esc(r["status"])]
        t.add_row(*cells)
    con.print(t)
    if len(out["kkt"]) > TEXT_ROWS:
        con.print(f"... {len(out['kkt']) - TEXT_ROWS} more rows (all of them with --json)")
    res = dict(out["kkt_residuals"])
    relative = res.pop("relative")  # scale-free; the others carry the units of alpha and w
    con.print("KKT residuals: " + ", ".join(f"{k.replace('_', ' ')} {v:.1e}" for k, v in res.items())
              + f"; largest relative to the size of alpha and w: {relative:.1e}")
    if out.get("plot"):
        con.print(f"figure written to {esc(out['plot'])}")
