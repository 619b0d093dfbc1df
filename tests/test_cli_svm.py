"""``calcml svm`` through the real entry point; numbers checked against exact values and scikit-learn."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from cli_runner import cli
from cli_runner import cli_json as _cli_json

THREE = "0,0:-1 1,2:+1 2,1:+1"
SIX = THREE + " -1,-1:-1 -3,-1:-1 3,3:+1"
KEYS = {"n_samples", "n_features", "classes", "C", "solver", "line", "coef", "intercept", "margin", "support",
        "n_support", "alpha", "dual_coef", "objective", "kkt", "kkt_residuals"}
ROW_KEYS = {"index", "x", "label", "functional_margin", "alpha", "slack", "complementary_slackness",
            "support_vector", "status"}


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def cli_json(capsys, *args):
    """``calcml svm ARGS --json``: the one JSON object of a successful run."""
    return _cli_json(capsys, "svm", *args)


def test_three_points_text(capsys):
    code, out, err = cli(capsys, "svm", "--points", THREE)
    assert code == 0 and not err
    assert "line: 0.6666666667 x + 0.6666666667 y - 1 = 0" in out
    assert f"margin 2/|w| = {3 / math.sqrt(2):.12g}" in out
    assert "support vectors: 3 (points 0, 1, 2; per class [1, 2])" in out
    assert "0.4444444444" in out and "0.2222222222" in out and "KKT residuals" in out


@pytest.mark.parametrize("solver", ["slsqp", "qp", "auto"])
def test_three_points_json_exact(capsys, solver):
    d = cli_json(capsys, "--points", THREE, "--solver", solver)
    assert set(d) == KEYS
    assert d["C"] == "inf" and d["solver"] == ("qp" if solver == "auto" else solver)
    np.testing.assert_allclose(d["coef"], [2 / 3, 2 / 3], atol=1e-9)
    assert d["intercept"] == pytest.approx(-1, abs=1e-9)
    np.testing.assert_allclose(d["alpha"], [4 / 9, 2 / 9, 2 / 9], atol=1e-9)
    np.testing.assert_allclose(d["dual_coef"], [-4 / 9, 2 / 9, 2 / 9], atol=1e-9)
    assert d["margin"] == pytest.approx(3 / math.sqrt(2), abs=1e-9)
    assert d["support"] == [0, 1, 2] and d["n_support"] == [1, 2] and d["classes"] == [-1, 1]
    assert all(set(r) == ROW_KEYS for r in d["kkt"])
    assert max(d["kkt_residuals"].values()) < 1e-9


def test_six_points_kkt_table(capsys):
    d = cli_json(capsys, "--points", SIX)
    np.testing.assert_allclose(d["coef"], [2 / 3, 2 / 3], atol=1e-9)
    new = d["kkt"][3:]
    assert [r["alpha"] for r in new] == [0.0, 0.0, 0.0]
    np.testing.assert_allclose([r["functional_margin"] for r in new], [7 / 3, 11 / 3, 3], atol=1e-9)
    assert [r["status"] for r in d["kkt"]] == ["support vector"] * 3 + ["outside the margin"] * 3
    assert d["kkt"][3]["x"] == [-1.0, -1.0] and d["kkt"][3]["label"] == -1


def test_csv_soft_margin_matches_sklearn(capsys, tmp_path):
    from sklearn.svm import SVC

    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(-1, 1, (25, 2)), rng.normal(1, 1, (25, 2))])
    y = np.repeat(["no", "yes"], 25)
    path = tmp_path / "pts.csv"
    path.write_text("x1,x2,label\n" + "".join(f"{float(a)!r},{float(b)!r},{c}\n" for (a, b), c in zip(X, y)))
    d = cli_json(capsys, "--csv", str(path), "--C", "0.5")
    svc = SVC(kernel="linear", C=0.5, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(d["coef"], svc.coef_[0], rtol=1e-6, atol=1e-7)
    assert d["intercept"] == pytest.approx(svc.intercept_[0], rel=1e-6, abs=1e-7)
    assert d["classes"] == ["no", "yes"] and d["C"] == 0.5
    assert sorted(d["support"]) == sorted(svc.support_.tolist())
    assert all(0 <= a <= 0.5 for a in d["alpha"])
    assert any(r["slack"] > 0 for r in d["kkt"])


def test_text_table_is_cut_for_many_points(capsys, tmp_path):
    path = tmp_path / "many.csv"
    rows = [f"{i},{j},{1 if i + j > 10 else -1}" for i in range(10) for j in range(10) if i + j != 10]
    path.write_text("\n".join(rows) + "\n")
    code, out, err = cli(capsys, "svm", "--csv", str(path))
    assert code == 0, err
    assert f"... {len(rows) - 40} more rows (all of them with --json)" in out


def test_plot(capsys, tmp_path):
    import matplotlib.image as mpimg

    png = tmp_path / "svm.png"
    d = cli_json(capsys, "--points", SIX, "--plot", str(png))
    assert d["plot"] == str(png)
    img = mpimg.imread(png)
    assert img.ndim == 3 and float(np.ptp(img[..., :3])) > 0.3


def test_negative_coordinates_first(capsys):
    d = cli_json(capsys, "--points", "-1,-1:-1 1,2:+1")
    # two points: w points from one to the other, b puts the line halfway: w = 2 (p - q) / |p - q|^2
    p, q = np.array([1.0, 2.0]), np.array([-1.0, -1.0])
    np.testing.assert_allclose(d["coef"], 2 * (p - q) / np.sum((p - q) ** 2), atol=1e-12)


@pytest.mark.parametrize("args, code, words", [
    (["--points", "0,0:-1 1,1:-1 0,1:+1 1,0:+1"], 2, ["no line", "4 points", "--C 1"]),
    (["--points", "0,0:-1 1,2:+1 2,1"], 2, ["point 3 '2,1' is not 'x,y:label'"]),
    (["--points", "1,x:-1 1,2:+1"], 2, ["unknown name 'x'", "coordinates are numbers"]),
    (["--points", "1,2:-1 1,2,3:+1"], 2, ["has 3 coordinates, the first point has 2"]),
    (["--points", "0,0:a 1,1:a"], 2, ["only one class ('a')"]),
    (["--points", "   "], 2, ["--points is empty"]),
    ([], 2, ["exactly one of --points"]),
    (["--points", THREE, "--csv", "x.csv"], 2, ["exactly one of --points"]),
    (["--csv", "/nonexistent/file.csv"], 2, ["no such file"]),
    (["--points", THREE, "--C", "0"], 2, ["--C must be > 0"]),
    (["--points", THREE, "--C", "abc"], 2, ["--C"]),
    (["--points", THREE, "--solver", "smo"], 2, ["solver must be one of"]),
    (["--points", THREE, "--plot", "x.jpg"], 2, ["--plot must name a .png"]),
    (["--points", "0,0,0:-1 1,1,1:+1", "--plot", "x.png"], 2, ["two-dimensional", "3 coordinates"]),
])
def test_errors(capsys, args, code, words):
    got, out, err = cli(capsys, "svm", *args)
    assert got == code, (out, err)
    assert err.startswith("error: ")
    for w in words:
        assert w in err


def test_csv_errors(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,label\n0,0,-1\n1,abc,1\n")
    code, _, err = cli(capsys, "svm", "--csv", str(bad))
    assert code == 2 and "line 3: 'abc' is not a number" in err
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("0,0,-1\n1,2,3,1\n")
    code, _, err = cli(capsys, "svm", "--csv", str(ragged))
    assert code == 2 and "line 2: 4 columns, the first data row has 3" in err
    header_only = tmp_path / "h.csv"
    header_only.write_text("x,y,label\n")
    code, _, err = cli(capsys, "svm", "--csv", str(header_only))
    assert code == 2 and "no data rows" in err
    empty = tmp_path / "e.csv"
    empty.write_text("")
    code, _, err = cli(capsys, "svm", "--csv", str(empty))
    assert code == 2 and "has no rows" in err


# --- scale: large and small coordinates give the exact line (worked out by hand) --------------------

@pytest.mark.parametrize("k", ["100000000", "0.000001", "0.00000001", "1e9", "1e-9"])
def test_two_points_at_any_scale(capsys, k):
    # (0,0):-1 and (k,k):+1: w = (1/k, 1/k), b = -1, alpha = 1/k^2 each, margin sqrt(2) k
    d = cli_json(capsys, "--points", f"0,0:-1 {k},{k}:1")
    kv = float(k)
    np.testing.assert_allclose(d["coef"], [1 / kv, 1 / kv], rtol=1e-9)
    assert d["intercept"] == pytest.approx(-1, rel=1e-9)
    assert d["margin"] == pytest.approx(math.sqrt(2) * kv, rel=1e-9)
    np.testing.assert_allclose(d["alpha"], [1 / kv ** 2] * 2, rtol=1e-9)
    # complementary slackness alpha_i (y_i f(x_i) - 1) is rounding-sized relative to alpha
    assert d["kkt_residuals"]["complementary_slackness"] <= 1e-12 / kv ** 2
    assert d["kkt_residuals"]["primal_feasibility"] <= 1e-12


def test_a_tiny_gap_is_not_reported_as_inseparable(capsys):
    # x = 5e-10 separates the classes: exit 2 "no line separates" would be false
    code, out, err = cli(capsys, "svm", "--points", "0,0:-1 0.000000001,0:1 5,5:1 -5,-5:-1")
    # the widest line is x = 5e-10: w = (2e9, 0), b = -1 (worked out in test_svm_scale.py)
    assert code == 0, err
    assert "line: 2000000000 x " in out and "margin 2/|w| = 1e-09" in out


@pytest.mark.parametrize("label", ["nan", "NaN", "inf", "-inf", "1e400"])
def test_non_finite_labels_are_refused(capsys, tmp_path, label):
    code, _, err = cli(capsys, "svm", "--points", f"0,0:-1 1,1:{label}")
    assert code == 2 and f"point 2 '1,1:{label}'" in err and "not a finite number" in err
    f = tmp_path / "p.csv"
    f.write_text(f"0,0,-1\n1,1,{label}\n")
    code, _, err = cli(capsys, "svm", "--csv", str(f))
    assert code == 2 and "line 2" in err and "not a finite number" in err


@pytest.mark.parametrize("coord", ["nan", "inf", "1e400"])
def test_non_finite_coordinates_are_refused(capsys, tmp_path, coord):
    code, _, err = cli(capsys, "svm", "--points", f"0,0:-1 {coord},1:1")
    assert code == 2 and "point 2" in err
    f = tmp_path / "p.csv"
    f.write_text(f"0,0,-1\n{coord},1,1\n")
    code, _, err = cli(capsys, "svm", "--csv", str(f))
    assert code == 2 and "line 2: coordinates must be finite numbers" in err
