"""``calcml train`` through the real entry point calcml.cli.main."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import make_circles  # noqa: E402
from sklearn.metrics import accuracy_score  # noqa: E402

from calcml.cli.nn import make_data  # noqa: E402
from calcml.nn import MLP  # noqa: E402
from cli_runner import cli


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def test_train_json_matches_the_library_and_scikit_learn(capsys):
    code, out, err = cli(capsys, "train", "--samples", "300", "--epochs", "400", "--seed", "3", "--json")
    assert code == 0, err
    res = json.loads(out)
    assert set(res) == {"data", "samples", "layers", "activations", "epochs", "learning_rate", "seed", "accuracy",
                        "final_loss", "history", "dead_units", "plot"}
    assert res["layers"] == [2, 4, 3, 1] and res["activations"] == ["relu", "relu", "sigmoid"]
    # the same data and network built directly; accuracy by scikit-learn's metric
    X, y = make_circles(n_samples=300, factor=0.5, noise=0.1, random_state=3)
    net = MLP([2, 4, 3, 1], ["relu", "relu", "sigmoid"], learning_rate=1.0, epochs=400, random_state=3).fit(X, y)
    assert res["accuracy"] == accuracy_score(y, net.predict(X))
    assert res["final_loss"] == net.loss_curve_[-1]
    assert [h["epoch"] for h in res["history"]] == list(range(40, 401, 40))
    for h in res["history"]:
        assert h["loss"] == net.loss_curve_[h["epoch"] - 1]
    assert res["plot"] is None


def test_train_text_and_plot(capsys, tmp_path):
    png = tmp_path / "boundary.png"
    code, out, err = cli(capsys, "train", "--data", "moons", "--layers", "2,8,1", "--activations", "tanh,sigmoid",
                         "--samples", "200", "--epochs", "300", "--lr", "1/2", "--plot", str(png))
    assert code == 0, err
    assert "moons, 200 points" in out and "learning rate 0.5" in out
    assert out.count("  epoch ") == 10 and "accuracy" in out.splitlines()[-2]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "decision boundary written to" in out


def test_xor_data_is_the_sign_of_the_product():
    X, y = make_data("xor", 50, 1)
    assert X.shape == (50, 2) and np.array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))


@pytest.mark.parametrize("args, message", [
    (["--layers", "2,x,1"], "item 2 is 'x', not a whole number"),
    (["--layers", "2,0,1"], "item 2 is 0"),
    (["--layers", "3,4,1", "--activations", "relu,sigmoid"], "must start with 2"),
    (["--layers", "2,4,2", "--activations", "relu,sigmoid"], "must end with 1"),
    (["--layers", "2"], "at least an input and an output"),
    (["--layers", "2,4,3,1", "--activations", "relu,sigmoid"], "has 2 entries but --layers 2,4,3,1 has 3"),
    (["--activations", "relu,softsign,sigmoid"], "activations[1] = 'softsign' is not known"),
    (["--data", "spirals"], "--data 'spirals' is not known"),
    (["--lr", "-1"], "--lr must be positive"),
    (["--plot", "boundary.svg"], "--plot must name a .png file"),
])
def test_bad_input_is_exit_2_with_a_message(capsys, args, message):
    code, out, err = cli(capsys, "train", "--epochs", "1", *args)
    assert code == 2 and message in err and out == ""


def test_non_finite_loss_is_exit_1_naming_the_learning_rate(capsys):
    code, out, err = cli(capsys, "train", "--samples", "100", "--epochs", "50", "--lr", "1e300")
    assert code == 1
    assert "the loss became nan" in err and "--lr" in err


def test_progress_bar_on_a_terminal_only(capsys, monkeypatch):
    from rich.console import Console

    import calcml.cli._shared as shared

    made = []

    def terminal_console():
        con = Console(force_terminal=True, width=120, highlight=False)
        made.append(con)
        return con

    monkeypatch.setattr(shared, "console", terminal_console)
    code, out, err = cli(capsys, "train", "--samples", "100", "--epochs", "50")
    assert code == 0, err
    assert made and made[0].is_terminal
    assert "training" in out and "epochs" in out      # the bar was drawn
    assert "accuracy" in out and "epoch      50" in out
    # piped (the default console in tests is not a terminal): no bar characters at all
    monkeypatch.undo()
    code, out, err = cli(capsys, "train", "--samples", "100", "--epochs", "50")
    assert code == 0 and "training" not in out and "\x1b[" not in out
