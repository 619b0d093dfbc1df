"""The command line as people type it (issue 9), through the real entry point ``calcml.cli.main``.

Every number is checked against an independent truth (SymPy, ``math``); every
message the issue names has a test. No COLUMNS is set here: output captured by
pytest is not a terminal, exactly like a pipe.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

import calcml
from calcml.cli import main
from calcml.cli._errors import translate
from calcml.cli._shared import EXIT_FAILED, EXIT_OK, EXIT_USAGE, ExitCode

X, Y = sp.symbols("x y")
SRC = str(Path(calcml.__file__).resolve().parents[1])


def cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


def one_json(out: str) -> dict:
    """stdout must be exactly one JSON object (json.loads refuses trailing text)."""
    obj = json.loads(out)
    assert isinstance(obj, dict)
    return obj


def sym(text: str):
    return sp.sympify(text, locals={"x": X, "y": Y})


def test_exit_codes_are_named():
    assert (EXIT_OK, EXIT_FAILED, EXIT_USAGE) == (0, 1, 2)
    assert ExitCode.USAGE is EXIT_USAGE and int(ExitCode.INTERRUPTED) == 130


# --- 1. expressions that begin with a minus -------------------------------------------------------

def test_diff_of_an_expression_starting_with_minus(capsys):
    code, out, err = cli(capsys, "diff", "-x^2+3x", "--json")
    d = one_json(out)
    assert code == 0 and err == ""
    assert sp.simplify(sym(d["derivative"]) - sp.diff(-X**2 + 3 * X, X)) == 0


def test_minus_expression_with_a_negative_option_value(capsys):
    # --at -1 keeps -1 as the value of --at; the expression is still the positional
    code, out, _ = cli(capsys, "diff", "--at", "-1", "-x^2", "--json")
    d = one_json(out)
    assert code == 0 and d["at"] == -1.0
    assert abs(d["value"] - float(sp.diff(-X**2, X).subs(X, -1))) < 1e-9


def test_check_accepts_an_answer_starting_with_minus(capsys):
    code, out, _ = cli(capsys, "check", "1.1", "-4x + 3x^2")
    assert code == 0 and out.splitlines()[0] == "correct"


@pytest.mark.parametrize("args, truth", [
    (["grad", "-x^2 - y^3", "--at", "2,3"], [-4.0, -27.0]),
    (["hessian", "-x^2*y", "--at", "1,2"], [[-4.0, -2.0], [-2.0, 0.0]]),
    (["jacobian", "-x*y", "-x^2", "--at", "1,2"], [[-2.0, -1.0], [-2.0, 0.0]]),
])
def test_multivariable_commands_accept_minus(capsys, args, truth):
    code, out, _ = cli(capsys, *args, "--json")
    d = one_json(out)
    assert code == 0 and d["agree"] is True
    assert sp.Matrix(d["value"]).evalf() == sp.Matrix(truth).evalf()


def test_steepest_and_integrate_accept_minus(capsys):
    code, out, _ = cli(capsys, "steepest", "-x^2-y^2", "--at", "1,1", "--json")
    d = one_json(out)
    assert code == 0 and abs(d["gradient_angle_deg"] - 225) < 1e-9  # -∇(x²+y²) at (1,1) points to (-1,-1)
    code, out, _ = cli(capsys, "integrate", "-x^2", "--from", "0", "--to", "3", "--json")
    assert code == 0 and abs(one_json(out)["value"] - (-9.0)) < 1e-12


def test_explicit_double_dash_still_works(capsys):
    code, out, _ = cli(capsys, "diff", "--json", "--", "-x^3")
    assert code == 0 and sym(one_json(out)["derivative"]) == -3 * X**2


def test_unknown_long_option_is_still_a_usage_error(capsys):
    code, out, err = cli(capsys, "diff", "x^2", "--ta", "1")
    assert code == 2 and out == "" and "No such option: --ta" in err


# --- 2. --json always prints one JSON object ----------------------------------------------------

@pytest.mark.parametrize("args, code, kind", [
    (["diff", "x^2", "--bogus"], 2, "usage"),
    (["diff"], 2, "usage"),
    (["nosuchcommand"], 2, "usage"),
    (["diff", "x +* 2"], 2, "expression"),
    (["check", "9.9", "x"], 2, "input"),
    (["diff", "x^2", "--at", "inf"], 2, "expression"),
    (["grad", "x^2+y", "--vars", "a,b"], 2, "usage"),
    (["lesson", "1"], 2, "usage"),  # lesson has no --json: still JSON, saying so
])
def test_every_error_is_one_json_object(capsys, args, code, kind):
    got, out, err = cli(capsys, *args, "--json")
    d = one_json(out)
    assert got == code, (out, err)
    assert set(d) == {"error"} and d["error"]["kind"] == kind
    assert set(d["error"]) == {"kind", "message", "position", "text", "hint"} and d["error"]["message"]


def test_json_error_carries_the_position(capsys):
    code, out, _ = cli(capsys, "diff", "x +* 2", "--json")
    e = one_json(out)["error"]
    assert code == 2 and e["text"] == "x +* 2" and e["position"] == 4 and "x +* 2"[e["position"] - 1] == "*"


def test_integrate_without_closed_form_prints_the_note_as_json(capsys):
    code, out, err = cli(capsys, "integrate", "x^x", "--json")
    d = one_json(out)
    assert code == 1 and err == ""
    assert d["antiderivative"] is None and d["note"].startswith("no closed form")


def test_a_failed_computation_is_one_json_object(capsys):
    code, out, err = cli(capsys, "diff", "log(x)", "--at", "-1", "--json")
    d = one_json(out)
    assert code == 1 and d["status"] != "success" and d["agree"] is False and err == ""


def test_check_wrong_answer_json(capsys):
    code, out, _ = cli(capsys, "check", "1.1", "3x^2 - 4", "--json")
    d = one_json(out)
    assert code == 1 and d["correct"] is False


# --- 3. options where people put them, words people know -----------------------------------------

def test_verbose_after_the_command(capsys):
    code, out, err = cli(capsys, "hessian", "x^2*y", "--verbose")
    assert code == 0 and out.startswith("H = ")
    code, out, err = cli(capsys, "diff", "x^2", "-v")
    assert code == 0 and out.startswith("f(x) = ")


def test_verbose_after_the_command_shows_the_traceback(capsys, monkeypatch):
    import calcml.derivatives

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(calcml.derivatives, "derivative", boom)
    code, _, err = cli(capsys, "diff", "x", "--verbose")
    assert code == 1 and "Traceback" in err and "RuntimeError: boom" in err
    code, _, err = cli(capsys, "diff", "x")  # the next call is not verbose: nothing is left behind
    assert code == 1 and "Traceback" not in err


@pytest.mark.parametrize("lo, hi", [("-inf", "inf"), ("-oo", "oo"), ("-∞", "∞"), ("-infinity", "+inf")])
def test_improper_integrals(capsys, lo, hi):
    code, out, _ = cli(capsys, "integrate", "exp(-x^2)", "--from", lo, "--to", hi, "--json")
    d = one_json(out)
    assert code == 0 and d["from"] == "-inf" and d["to"] == "inf"
    assert abs(d["value"] - math.sqrt(math.pi)) < 1e-9


def test_half_infinite_integral_text(capsys):
    code, out, _ = cli(capsys, "integrate", "exp(-x)", "--from", "0", "--to", "inf")
    line = next(ln for ln in out.splitlines() if ln.startswith("∫ from"))
    assert code == 0 and line.startswith("∫ from 0 to inf = ")
    assert abs(float(line.split("= ")[1].split(" ")[0]) - 1.0) < 1e-9


@pytest.mark.parametrize("value", ["inf", "-inf", "oo", "∞"])
def test_at_infinity_must_be_finite(capsys, value):
    code, _, err = cli(capsys, "diff", "x^2", "--at", value)
    assert code == 2 and f"error: --at must be a finite number, got '{value}'" in err


def test_messages_use_the_command_line_vocabulary(capsys):
    code, _, err = cli(capsys, "diff", "x*y")
    assert code == 2 and "--var" in err and "var=" not in err and "gradient()" not in err
    code, _, err = cli(capsys, "integrate", "x*y")
    assert code == 2 and "--var" in err and "var=" not in err
    assert "gradient" not in err and "grad" not in err  # never "use gradient()" for an integral


def test_translate_parameter_names_to_flags():
    assert translate("method='complex' computes first derivatives only; use method='richardson' for order=2",
                     "diff") == "--method complex computes first derivatives only; use --method richardson for --order 2"
    assert translate("n=3 is odd", "integrate") == "--n 3 is odd"
    assert translate("a=1 must be less than b=0", "integrate") == "--from 1 must be less than --to 0"
    assert translate("the lens needs a point: pass at=...", "grad") == "the lens needs a point: pass --at ..."
    assert translate("method must be None or one of 'a', 'b'", "diff") == "--method must be one of 'a', 'b'"
    # the library's advice names a function; the command line names the command (or drops it)
    lib = "the expression has variables x, y; pass var=... (one of x, y), or use gradient() for all of them"
    assert translate(lib, "diff") == ("the expression has variables x, y; pass --var ... (one of x, y), "
                                      "or use calcml grad for all of them")
    assert translate(lib, "integrate") == "the expression has variables x, y; pass --var ... (one of x, y)"
    lib = "only: write numbers in place of y, or use calcml.gradient for all the variables"
    assert translate(lib, "diff") == "only: write numbers in place of y, or use calcml grad for all the variables"
    assert translate(lib, "integrate") == "only: write numbers in place of y"
    assert translate("for a Python function use calcml.integral(f, a, b)", "diff") == \
        "for a Python function use calcml.integral(f, a, b)"  # a call with arguments is Python, left alone
    # words that merely contain a parameter name are left alone
    assert translate("the data=3 and format=x", "diff") == "the data=3 and format=x"


def test_variables_without_a_value_in_cli_words_and_grammar(capsys):
    code, _, err = cli(capsys, "diff", "x*y", "--var", "x", "--at", "1")
    assert code == 2 and _error(err).startswith("error: the expression uses y besides x; a point gives a value "
                                                "for x only: write numbers in place of y, or use calcml grad")
    code, _, err = cli(capsys, "integrate", "x*y*z", "--var", "x", "--from", "0", "--to", "1")
    assert code == 2 and "the expression uses y, z, which are not the variable x;" in _error(err)
    lib = "the expression uses x, y which are not among the variables a, b. list every variable the expression uses"
    assert translate(lib, "grad") == ("the expression uses x, y, which are not among the variables a, b; "
                                      "list every variable it uses with --vars")


def test_var_agrees_with_and_without_at(capsys):
    a = cli(capsys, "diff", "x^2", "--var", "y")
    b = cli(capsys, "diff", "x^2", "--var", "y", "--at", "1")
    assert a[0] == b[0] == 2 and a[2] == b[2]
    assert "y is not a variable of the expression, whose variable is x; write --var x" in a[2]
    # a variable that is there: d/dy (x*y) = x, a partial derivative
    code, out, _ = cli(capsys, "diff", "x*y", "--var", "y", "--json")
    assert code == 0 and sym(one_json(out)["derivative"]) == X


def test_vars_grammar(capsys):
    code, _, err = cli(capsys, "grad", "x^2+y", "--vars", "a,b")
    assert code == 2 and "the expression uses x and y, which are not among the variables a and b" in err
    code, _, err = cli(capsys, "grad", "x^2+y", "--vars", "x")
    assert code == 2 and "the expression uses y, which is not the variable x" in err


def test_a_failed_computation_prints_its_message_once(capsys):
    code, out, err = cli(capsys, "diff", "log(x)", "--at", "-1")
    assert code == 1
    both = out + err
    assert "outside the domain" in both
    line = next(ln for ln in both.splitlines() if "outside the domain" in ln)
    assert both.count(line) == 1


def test_long_output_is_not_wrapped_when_captured(capsys):
    text = " + ".join(f"{k}*x^{k}" for k in range(1, 30))
    code, out, _ = cli(capsys, "diff", text)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2 and len(lines[1]) > 200
    assert sp.expand(sym(lines[1].split(" = ", 1)[1]) - sp.diff(sym(text.replace("^", "**")), X)) == 0


def test_piped_output_is_not_wrapped():
    # A real pipe, as in `calcml ... | grep`: no terminal, no COLUMNS.
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["PYTHONPATH"] = SRC
    text = " + ".join(f"{k}*y^{k}" for k in range(1, 25))
    proc = subprocess.run([sys.executable, "-m", "calcml", "grad", text, "--at", "1"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith("∇f = [") and first.endswith("]") and len(first) > 80


def test_steepest_at_a_stationary_point(capsys):
    code, out, _ = cli(capsys, "steepest", "x^2+y^2", "--at", "0,0")
    assert code == 0
    assert out.startswith("no steepest direction: the gradient is zero at (0, 0)")
    assert "degrees" not in out
    code, out, _ = cli(capsys, "steepest", "x^2+y^2", "--at", "0,0", "--json")
    d = one_json(out)
    assert d["angle_deg"] is None and d["gradient_norm"] == 0 and "no steepest direction" in d["message"]


@pytest.mark.parametrize("args, warning", [
    (["diff", "x^2", "--method", "central"], "warning: --method has no effect without --at"),
    (["integrate", "x", "--n", "10"], "warning: --n has no effect without --from or --to"),
    (["integrate", "x", "--method", "simpson"], "warning: --method has no effect without --from or --to"),
])
def test_options_without_effect_say_so(capsys, args, warning):
    code, out, err = cli(capsys, *args)
    assert code == 0 and warning in err.splitlines()


def test_option_with_its_partner_does_not_warn(capsys):
    code, _, err = cli(capsys, "diff", "x^2", "--at", "1", "--method", "central")
    assert code == 0 and "warning" not in err


# --- 4. math text as people write it --------------------------------------------------------------

def _error(err: str) -> str:
    return next(ln for ln in err.splitlines() if ln.startswith("error: "))


@pytest.mark.parametrize("args", [["diff"], ["integrate"], ["grad"], ["hessian"], ["check", "1.1"]])
def test_a_variable_times_parentheses_gets_one_message_everywhere(capsys, args):
    code, _, err = cli(capsys, *args, "x(x+1)")
    assert code == 2
    assert _error(err) == "error: 'x' is not a function at position 1. to multiply, write x*(x+1)"


@pytest.mark.parametrize("text, message", [
    ("sin^2(x)", "sin^2(...) is not read as a power of sin at position 1. write sin(x)^2"),
    ("cos^3(2x)", "cos^3(...) is not read as a power of cos at position 1. write cos(2x)^3"),
    ("f'(x) = 3x^2 - 4x", "the left-hand side \"f'(x) =\" is not part of the expression at position 7. "
                          "write only the right-hand side: 3x^2 - 4x"),
    ("√x", "unexpected character '√' at position 1. write sqrt(x) for √x"),
    ("√(x+1)", "unexpected character '√' at position 1. write sqrt(x+1) for √(x+1)"),
    ("log10(x)", "unknown function 'log10' at position 1. write log(x)/log(10): log is the natural logarithm"),
    ("log(x, 10)", "log() takes one argument at position 1. for the base-10 logarithm write log(x)/log(10): "
                   "log is the natural logarithm"),
])
def test_parser_hints(capsys, text, message):
    for args in (["diff", text], ["check", "1.1", text]):
        code, _, err = cli(capsys, *args)
        assert code == 2 and _error(err) == f"error: {message}", args


def test_the_suggested_rewrites_are_right(capsys):
    # following the hint gives the function that was meant
    code, out, _ = cli(capsys, "diff", "sin(x)^2", "--json")
    assert sp.simplify(sym(one_json(out)["derivative"]) - sp.diff(sp.sin(X)**2, X)) == 0
    code, out, _ = cli(capsys, "diff", "log(x)/log(10)", "--at", "10", "--json")
    assert abs(one_json(out)["value"] - 1 / (10 * math.log(10))) < 1e-12


def test_glued_variables_warn(capsys):
    code, out, err = cli(capsys, "grad", "xy + z")
    assert code == 0
    assert "warning: 'xy' is read as one variable named xy; for a product write x*y" in err.splitlines()
    code, _, err = cli(capsys, "diff", "theta^2 + x")  # Greek letters are names on purpose
    assert "warning" not in err


def test_glued_variables_in_an_answer(capsys):
    code, _, err = cli(capsys, "check", "1.1", "3xx - 4x")
    assert code == 2 and "for a product write x*x" in _error(err)


# --- 7. the grader on near misses -----------------------------------------------------------------

def test_numeric_near_miss_is_called_close(capsys):
    code, out, _ = cli(capsys, "check", "39.2", "(12.000003, 31.000009)")
    assert code == 1
    assert "times the right one" not in out
    assert "close but not exact" in out
    code, out, _ = cli(capsys, "check", "39.2", "(24, 62)")  # a real factor is still named
    assert code == 1 and "your answer is 2 times the right one" in out


# --- start-up: what a command imports (the times are in benchmarks/bench_cli.py) ------------------

def test_a_command_does_not_import_pydantic_or_multiprocessing():
    code = ("import sys, io, contextlib\n"
            "from calcml.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['diff', 'x^3-2x^2+1', '--order', '2', '--json'])\n"
            "print(sorted(m for m in ('pydantic', 'multiprocessing', 'numpy', 'scipy', 'matplotlib') "
            "if m in sys.modules))\n")
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("args, message", [
    (["diff", "x", "--order", "0"], "Invalid value for '--order': 0 is not in the range 1<=x<=10."),
    (["diff", "x", "--order", "11"], "Invalid value for '--order': 11 is not in the range 1<=x<=10."),
    (["diff", "x", "--order", "two"], "Invalid value for '--order': 'two' is not a valid integer."),
    (["steepest", "x^2+y^2", "--at", "1,1", "--resolution", "fine"],
     "Invalid value for '--resolution': 'fine' is not a valid number."),
])
def test_option_values_are_checked(capsys, args, message):
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == "" and f"error: {message}" in err.splitlines()


def test_option_values_are_converted(capsys):
    code, out, _ = cli(capsys, "diff", "x^5", "--order", "3", "--json")
    d = one_json(out)
    assert code == 0 and d["order"] == 3 and sym(d["derivative"]) == sp.diff(X**5, X, 3)
    code, out, _ = cli(capsys, "steepest", "x^2 + y^3", "--at", "2,3", "--resolution", "0.05", "--json")
    d = one_json(out)
    assert code == 0 and d["resolution_deg"] == 0.05
    assert abs(d["angle_deg"] - math.degrees(math.atan2(27, 4))) <= 0.05


def test_interrupt_is_exit_130_and_json(capsys, monkeypatch):
    import calcml.derivatives

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(calcml.derivatives, "derivative", interrupted)
    code, out, err = cli(capsys, "diff", "x", "--json")
    assert code == 130 and one_json(out)["error"]["kind"] == "interrupted"
    code, out, err = cli(capsys, "diff", "x")
    assert code == 130 and out == "" and err == "error: interrupted\n"


@pytest.mark.parametrize("args", [["diff", "x", "--at"], ["diff", "-x", "--at"], ["integrate", "-x", "--from"]])
def test_an_option_without_its_value(capsys, args):
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == ""
    assert f"error: Option '{args[-1]}' requires an argument." in err.splitlines()


def test_verbose_usage_error_has_no_traceback(capsys):
    code, _, err = cli(capsys, "-v")
    assert code == 2 and "Traceback" not in err and "error: Missing command." in err.splitlines()
    code, _, err = cli(capsys, "diff", "x", "--bogus", "--verbose")
    assert code == 2 and "Traceback" not in err and "No such option: --bogus" in err


def test_negative_zero_is_not_shown(capsys):
    code, out, _ = cli(capsys, "jacobian", "-x", "-y", "--at", "1,2")
    assert code == 0 and "-0" not in out and "numeric   [[-1, 0], [0, -1]]" in out


def test_any_order_of_options_and_a_minus_expression(capsys):
    # d/dx(-x^2) at -1 is 2, whatever the order of the pieces on the command line
    import itertools

    units = [("-x^2",), ("--at", "-1"), ("--json",), ("--method", "central")]
    for order in itertools.permutations(units):
        args = ["diff", *(tok for unit in order for tok in unit)]
        code, out, err = cli(capsys, *args)
        d = one_json(out)
        assert code == 0, (args, err)
        assert d["input"] == "-x^2" and d["at"] == -1.0 and d["method"] == "central"
        assert abs(d["value"] - 2.0) < 1e-6, args


@pytest.mark.parametrize("exc", [ValueError("order=0 is not allowed"), TypeError("var must be a str, got int")])
def test_plain_value_and_type_errors_are_bad_input_not_internal(capsys, monkeypatch, exc):
    import calcml.derivatives

    def bad(*args, **kwargs):
        raise exc

    monkeypatch.setattr(calcml.derivatives, "derivative", bad)
    code, out, err = cli(capsys, "diff", "x")
    assert code == 2 and "internal error" not in err
    assert _error(err) in ("error: --order 0 is not allowed", "error: --var must be a str, got int")
    code, out, _ = cli(capsys, "diff", "x", "--json")
    assert code == 2 and one_json(out)["error"]["kind"] == "input"


def test_piped_step_tree_is_not_wrapped(capsys):
    text = " + ".join(f"{k}*x^{k}" for k in range(1, 25))
    code, out, _ = cli(capsys, "diff", text, "--steps")
    lines = out.splitlines()
    root = lines[lines.index("Steps") + 1]
    assert code == 0 and root.startswith("└── sum: ")
    before, after = root[len("└── sum: "):].split("  →  ")  # the whole sum and its derivative, on one line
    f = sym(text.replace("^", "**"))
    assert sp.expand(sym(before) - f) == 0 and sp.expand(sym(after) - sp.diff(f, X)) == 0


def test_lesson_prose_keeps_its_boxes(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    code, out, _ = cli(capsys, "lesson", "3", "--out", str(tmp_path))
    assert code == 0
    box = [ln for ln in out.splitlines() if ln.startswith("│")]
    assert box and max(len(ln) for ln in out.splitlines()) <= 80  # wrapped at 80 inside, nothing cropped
    assert any("In fact:" in ln for ln in box)


def test_a_reader_that_stops_early_is_not_a_failure():
    """`calcml ... | head -1`: the reader closes the pipe; calcml exits 0 without a traceback."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "calcml", "svm", "--points",
                             "0,0:-1 1,2:+1 2,1:+1 -1,-1:-1 -3,-1:-1 3,3:+1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                     # the reader is gone before calcml writes a byte
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and "Traceback" not in err and "error" not in err


def test_piped_exercise_text_is_not_wrapped(capsys):
    from calcml.cli import main

    main(["exercise", "5.1"])
    out = capsys.readouterr().out
    prompt = next(line for line in out.splitlines() if line.startswith("A ReLU layer"))
    assert prompt.endswith("to pass the gradient to the layer below.")  # one line, as written


@pytest.mark.parametrize("args, says", [
    (["diff", "log(x)", "--at", "1e-400"], "too small for float64"),       # would silently become 0
    (["diff", "log(x)", "--at", "nan"], "must be a finite number"),
    (["integrate", "x", "--from", "NaN", "--to", "1"], "must be a finite number"),
])
def test_numbers_float64_cannot_hold_are_refused(capsys, args, says):
    from calcml.cli import main

    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2 and says in capsys.readouterr().err
