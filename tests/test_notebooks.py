"""The lessons as notebooks: generated from the lesson blocks, executed top to bottom, graded like the CLI.

- Every available lesson's notebook runs in a real Jupyter kernel (nbclient,
  per-cell timeout) without an error, and its figure cells produce pictures.
- The notebooks' code is the lessons' own ``Code(language="python")`` blocks, in order.
- Hidden reference answers are in no exercise cell and in no feedback printed.
- Parity: the same answer gets the same verdict from a notebook cell as from
  ``calcml check`` through the real entry point.

Skipped, with the reason, when the ``notebooks`` extra (jupytext, nbformat,
nbclient, ipykernel) is not installed; ``make test`` installs it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

import calcml

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra is not installed: pip install '.[notebooks]'")
pytest.importorskip("jupytext", reason="the notebooks extra is not installed: pip install '.[notebooks]'")
nbclient = pytest.importorskip("nbclient", reason="the notebooks extra is not installed: pip install '.[notebooks]'")
pytest.importorskip("ipykernel", reason="the notebooks extra is not installed: pip install '.[notebooks]'")

from calcml.cli import main  # noqa: E402
from calcml.course import catalog, model  # noqa: E402
from calcml.course.exercises import EXERCISES, exercises_for  # noqa: E402
from calcml.course.notebooks import notebook_source, to_ipynb, write_notebooks  # noqa: E402

AVAILABLE = [n for n, info in catalog.LESSONS.items() if info.available]
CELL_TIMEOUT = 60  # seconds per cell
SRC = Path(calcml.__file__).resolve().parents[1]  # the kernel must import this checkout's calcml


def execute(*notebooks, at_once: int = 2) -> None:
    """Run each notebook top to bottom in its own fresh python3 kernel (ipykernel), each cell within
    CELL_TIMEOUT; `at_once` kernels at a time (the machine has 2 cores)."""
    import asyncio

    async def run_all():
        gate = asyncio.Semaphore(at_once)

        async def one(notebook):
            async with gate:
                await nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3").async_execute()

        await asyncio.gather(*(one(notebook) for notebook in notebooks))

    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), saved) if p)  # the kernels inherit it
    try:
        asyncio.run(run_all())
    finally:
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved


@pytest.fixture(scope="module")
def lessons(tmp_path_factory):
    """{number: (run, notebook source, executed notebook)} for every available lesson."""
    out = {}
    for n in AVAILABLE:
        run = catalog.run_lesson(n, tmp_path_factory.mktemp("unused"), write=False)
        source = notebook_source(run)
        out[n] = (run, source, nbformat.reads(to_ipynb(source).decode("utf-8"), as_version=4))
    execute(*(notebook for _, _, notebook in out.values()))
    return out


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def text_of(cell) -> str:
    return "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")


@pytest.mark.slow
@pytest.mark.parametrize("number", AVAILABLE)
def test_notebook_runs_top_to_bottom(lessons, number):
    run, source, notebook = lessons[number]
    nbformat.validate(notebook)
    errors = [o for cell in code_cells(notebook) for o in cell.outputs if o.output_type == "error"]
    assert errors == [], errors
    # The code cells are the lesson's Python blocks in order, then one cell per exercise.
    snippets = [b.source.strip() for b in run.blocks if isinstance(b, model.Code) and b.language == "python"]
    cells = [cell.source.strip() for cell in code_cells(notebook)]
    assert snippets, f"lesson {number} has no Python worked example"
    assert cells[:len(snippets)] == snippets
    assert len(cells) == len(snippets) + len(exercises_for(number))
    # Every lesson figure is drawn by a cell: at least as many pictures as Figure blocks.
    pictures = sum("image/png" in o.get("data", {}) for cell in code_cells(notebook) for o in cell.outputs)
    assert pictures >= len([b for b in run.blocks if isinstance(b, model.Figure)])
    # Each worked example prints something or draws something: it shows its result.
    for cell in code_cells(notebook)[:len(snippets)]:
        assert cell.outputs, cell.source[:80]
    # No network: nothing in a notebook names a URL or a networking module.
    assert not re.search(r"https?://|urllib|requests|socket", source)


@pytest.mark.slow
@pytest.mark.parametrize("number", AVAILABLE)
def test_text_formulas_and_exercises_are_cells(lessons, number):
    run, source, notebook = lessons[number]
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert markdown.startswith(f"# Lesson {number}: {run.title}")
    for block in run.blocks:
        if isinstance(block, model.Formula):
            assert f"$$\n{block.latex}\n$$" in markdown
        if isinstance(block, model.Code) and block.language != "python":
            assert block.source in markdown  # shown in a fence, not run
    for exercise in exercises_for(number):
        assert f"### Exercise {exercise.id}:" in markdown
    # Diffable source: jupytext's percent format, and it reads back to the same cells.
    assert source.count("# %%") == len(notebook.cells)


def reference_texts(exercise) -> list[str]:
    """The reference answer as the texts it could be written as (vectors and matrices joined)."""
    ref = exercise.reference
    if isinstance(ref, str):
        return [ref]
    if all(isinstance(item, str) for item in ref):
        return [", ".join(ref), ",".join(ref)]
    return ["; ".join(", ".join(row) for row in ref), str(ref)]


@pytest.mark.slow
@pytest.mark.parametrize("number", AVAILABLE)
def test_hidden_answers_stay_hidden(lessons, number):
    run, source, notebook = lessons[number]
    exercise_cells = code_cells(notebook)[-len(exercises_for(number)):] if exercises_for(number) else []
    for exercise, cell in zip(exercises_for(number), exercise_cells):
        assert f'check("{exercise.id}", answer)' in cell.source and 'answer = ""' in cell.source
        assert "Type your answer between the quotes" in text_of(cell)
        for expected in reference_texts(exercise):
            assert expected not in cell.source and expected not in text_of(cell)
            # Unless the lesson itself works the task as its example, the answer is nowhere in the notebook.
            shown_by_lesson = any(expected in " ".join(str(getattr(b, name, "")) for name in
                                                       ("value", "latex", "markdown", "source", "claim", "correction"))
                                  for b in run.blocks)
            if not shown_by_lesson and len(expected) > 3:
                assert expected not in source, (exercise.id, expected)


PARITY = [("1.1", "3x^2 - 4x"), ("1.1", "3x^2 - 4"), ("1.1", "x^3"), ("2.1", "x^3 - 2x^2 + 7"),
          ("2.1", "6x - 4"), ("3.1", "2, 2"), ("3.1", "(2, 3)"), ("39.2", "(12.000003, 31.000009)"),
          ("39.2", "12, 31"), ("1.1", "3x^2 - 4x +")]


@pytest.mark.slow
def test_a_notebook_cell_and_calcml_check_agree(capsys):
    present = [(i, a) for i, a in PARITY if i in EXERCISES and EXERCISES[i].lesson in AVAILABLE]
    assert len(present) >= 6
    # The learner's edit: the exercise cell of the generated notebook with the answer typed in.
    cells = []
    for exercise_id, answer in present:
        lesson = EXERCISES[exercise_id].lesson
        run = model.LessonRun(lesson, catalog.LESSONS[lesson].title)
        notebook = nbformat.reads(to_ipynb(notebook_source(run)).decode("utf-8"), as_version=4)
        (cell,) = [c for c in code_cells(notebook) if f'check("{exercise_id}", answer)' in c.source]
        cell.source = cell.source.replace('answer = ""', f"answer = {json.dumps(answer)}")
        cells.append(cell)
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    execute(notebook)
    seen = set()
    for (exercise_id, answer), cell in zip(present, notebook.cells):
        printed = text_of(cell).strip().splitlines()
        try:
            main(["check", exercise_id, answer])
            code = 0
        except SystemExit as stop:
            code = stop.code
        out, err = capsys.readouterr()
        seen.add(code)
        if code == 2:  # an answer calcml cannot read: both say why, neither grades it
            assert printed[0].startswith("error: ") and printed[0][len("error: "):] in err
            continue
        assert printed[0] == ("correct" if code == 0 else "not right yet"), (exercise_id, answer, printed, out)
        assert out.splitlines()[0] == printed[0]
    assert seen == {0, 1, 2}  # right, wrong and unreadable answers were all compared


def test_write_notebooks_command(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(catalog, "LESSONS", {39: catalog.LESSONS[39]})
    out = tmp_path / "nb"
    try:
        main(["notebooks", "--out", str(out), "--json"])
    except SystemExit as stop:
        assert stop.code == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(os.path.basename(p) for p in report["files"]) == ["lesson39.ipynb", "lesson39.py"]
    notebook = nbformat.read(out / "lesson39.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")  # no committed outputs
    # A user's file is kept; a second run replaces only what calcml wrote.
    (out / "mine.ipynb").write_text("{}")
    write_notebooks(out)
    assert (out / "mine.ipynb").read_text() == "{}"
    (out / "lesson39.py").write_text("# edited by hand")
    with pytest.raises(Exception, match="was not written by calcml"):
        write_notebooks(out)
    assert (out / "lesson39.py").read_text() == "# edited by hand"
    assert sys.executable  # the kernel is this interpreter's (ipykernel's python3)


def test_notebooks_command_errors(tmp_path, capsys, monkeypatch):
    def run(*args):
        try:
            main(list(args))
        except SystemExit as stop:
            return stop.code, capsys.readouterr()
        return 0, capsys.readouterr()

    code, captured = run("notebooks", "--lesson", "99", "--out", str(tmp_path / "a"))
    assert code == 2 and "there is no lesson 99" in captured.err
    code, captured = run("notebooks", "--out", "/")
    assert code == 2 and "root of the file system" in captured.err
    assert not (tmp_path / "a").exists()
    # Without jupytext the command says what to install, before any lesson runs.
    import builtins

    real_import = builtins.__import__

    def no_jupytext(name, *args, **kwargs):
        if name == "jupytext":
            raise ImportError("No module named 'jupytext'", name="jupytext")
        return real_import(name, *args, **kwargs)

    ran = []
    monkeypatch.setattr(builtins, "__import__", no_jupytext)
    monkeypatch.setattr(catalog, "run_lesson", lambda *a, **k: ran.append(a))
    code, captured = run("notebooks", "--out", str(tmp_path / "b"))
    assert code == 2 and "pip install 'calcml[notebooks]'" in captured.err and "jupytext" in captured.err
    assert ran == [] and not (tmp_path / "b").exists()
