"""``calcml train``: train a small network on a toy data set (lesson 5)."""

from __future__ import annotations

from typing import Optional

import typer

DATASETS = ("circles", "moons", "xor")


def _int_list(text: str, what: str) -> list:
    from ..errors import DomainError

    parts = [p.strip() for p in text.split(",")]
    out = []
    for i, p in enumerate(parts, 1):
        try:
            v = int(p)
        except ValueError:
            raise DomainError(f"{what}: item {i} is {p!r}, not a whole number; write e.g. --layers 2,4,3,1") from None
        if v < 1:
            raise DomainError(f"{what}: item {i} is {v}; every layer needs at least 1 unit")
        out.append(v)
    return out


def make_data(name: str, samples: int, seed: int):
    """The toy data sets: two circles, two moons, or XOR (the sign of x1 * x2), with their labels."""
    import numpy as np

    if name == "circles":
        from sklearn.datasets import make_circles

        return make_circles(n_samples=samples, factor=0.5, noise=0.1, random_state=seed)
    if name == "moons":
        from sklearn.datasets import make_moons

        return make_moons(n_samples=samples, noise=0.1, random_state=seed)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(samples, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def train(
    layers: str = typer.Option("2,4,3,1", "--layers", help="Units per layer, input first: 2,4,3,1."),
    activations: str = typer.Option("relu,relu,sigmoid", "--activations",
                                    help="One per layer after the input: relu, sigmoid, tanh, identity."),
    data: str = typer.Option("circles", "--data", help="circles, moons or xor (2 features, 2 classes)."),
    samples: int = typer.Option(1000, "--samples", min=4, max=1_000_000, help="Number of points."),
    epochs: int = typer.Option(1000, "--epochs", min=0, max=1_000_000, help="Full-batch gradient steps."),
    lr: str = typer.Option("1", "--lr", help="Learning rate of gradient descent on the mean loss."),
    seed: int = typer.Option(0, "--seed", help="Seed for the data and the initial weights."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Write the decision boundary to this PNG."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Train a network (calcml.nn.MLP: He init, mean binary cross-entropy) and report loss and accuracy."""
    from ..errors import ComputationError, DomainError
    from ._shared import console, emit_json, esc, number, plot_path

    plot = plot_path(plot)
    if data not in DATASETS:
        raise DomainError(f"--data {data!r} is not known; choose one of {', '.join(DATASETS)}")
    sizes = _int_list(layers, "--layers")
    acts = [a.strip() for a in activations.split(",")]
    if len(sizes) < 2:
        raise DomainError(f"--layers needs at least an input and an output size, e.g. 2,4,1; got {layers!r}")
    if sizes[0] != 2:
        raise DomainError(f"--layers must start with 2: the {data} data has 2 features (got {sizes[0]})")
    if sizes[-1] != 1:
        raise DomainError(f"--layers must end with 1: one output, the probability of class 1 (got {sizes[-1]})")
    if len(acts) != len(sizes) - 1:
        raise DomainError(f"--activations has {len(acts)} entries but --layers {layers} has {len(sizes) - 1} "
                          f"layers after the input; give one per layer, e.g. "
                          f"{','.join(['relu'] * (len(sizes) - 2) + ['sigmoid'])}")
    if acts[-1] != "sigmoid":  # calcml train always uses binary cross-entropy (there is no --loss)
        raise DomainError(f"--activations must end with sigmoid: calcml train minimizes binary cross-entropy, "
                          f"which needs a probability from the last layer (got {acts[-1]!r}); e.g. "
                          f"{','.join(acts[:-1] + ['sigmoid'])}")
    rate = number(lr, "--lr")
    if rate <= 0:
        raise DomainError(f"--lr must be positive; got {lr}")

    import numpy as np

    from ..nn import MLP, unit_activity

    X, y = make_data(data, samples, seed)
    net = MLP(sizes, acts, learning_rate=rate, epochs=epochs, random_state=seed)
    net.initialize()  # validates: the library's own messages (unknown activation...) before any work
    every = max(1, epochs // 10)
    history = []
    con = console()
    progress = None
    if not as_json and con.is_terminal:
        from rich.progress import BarColumn, Progress, TextColumn

        progress = Progress(TextColumn("training"), BarColumn(), TextColumn("{task.completed}/{task.total} epochs"),
                            TextColumn("loss {task.fields[loss]}"), console=con, transient=True)
        task = progress.add_task("train", total=epochs, loss="?")
        progress.start()

    def report(epoch, loss):
        if progress is not None:
            progress.update(task, completed=epoch, loss=f"{loss:.4f}")
        if epoch % every == 0 or epoch == epochs:
            history.append({"epoch": epoch, "loss": float(loss), "accuracy": net.score(X, y)})

    try:
        with np.errstate(over="ignore", invalid="ignore"):
            net.fit(X, y, callback=report)
    except ComputationError as err:
        raise ComputationError(f"{err} (on the command line: --lr)") from None
    finally:
        if progress is not None:
            progress.stop()
    accuracy = net.score(X, y)
    dead = unit_activity(net, X).dead
    if plot:
        from ..plots import save
        from ..plots.nn import plot_decision_boundary

        ax = plot_decision_boundary(net, X, y, title=f"{data}: layers {layers}, accuracy {accuracy:.3f}")
        save(ax.figure, plot)
    if as_json:
        emit_json({"data": data, "samples": samples, "layers": sizes, "activations": acts, "epochs": epochs,
                   "learning_rate": rate, "seed": seed, "accuracy": accuracy,
                   "final_loss": float(net.loss_curve_[-1]) if net.loss_curve_ else None,
                   "history": history, "dead_units": [list(d) for d in dead], "plot": plot})
    else:
        con.print(f"[bold]{esc(data)}[/bold], {samples} points: layers {esc(sizes)}, activations "
                  f"{esc(','.join(acts))}, learning rate {rate:g}, {epochs} epochs (full batch), seed {seed}")
        for h in history:
            con.print(f"  epoch {h['epoch']:>7}  mean loss {h['loss']:.6f}  accuracy {h['accuracy']:.3f}")
        con.print(f"accuracy {accuracy:.3f}")
        if dead:
            con.print(f"dead ReLU units (layer, unit): {esc(', '.join(str(d) for d in dead))}")
        if plot:
            con.print(f"decision boundary written to {esc(plot)}")


def register(app: typer.Typer) -> None:
    app.command("train")(train)
