"""The report folder (issue 8 §12): check first, never follow a link, never lose a user's file.

Each case runs the real command (``calcml course --out DIR`` through
``calcml.cli.main``, or ``calcml lesson``) on a stand-in lesson that draws two
small figures through the same ``_common.figure`` the real lessons use, so the
tests exercise the real write path in a fraction of a second. The truth each
test compares with is the folder as it was before: a listing of every path
with its bytes (links recorded as links), taken independently of calcml.
"""

from __future__ import annotations

import hashlib
import json
import os
import types
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

from calcml.cli import main
from calcml.course import catalog, folder
from calcml.course.folder import MANIFEST_NAME, write_files
from calcml.course.lessons import _common
from calcml.course.model import Text
from calcml.errors import ArgumentError, DomainError


def _fake_build(run):
    from calcml.plots import new_axes

    run.add(Text("A stand-in lesson with two figures."))
    for name, power in (("one.png", 1), ("two.png", 2)):
        ax = new_axes(figsize=(2, 1.5))
        ax.plot([0, 1, 2], [0, 1, 2**power])
        run.add(_common.figure(run, name, ax.figure, f"x^{power}"))


FAKE = types.SimpleNamespace(NUMBER=1, TITLE="Stand-in", SUMMARY="two figures", build=_fake_build)


@pytest.fixture
def fake_course(monkeypatch):
    monkeypatch.setattr(catalog, "LESSONS", {1: catalog.LessonInfo(1, "Stand-in", "fake")})
    monkeypatch.setattr(catalog, "lesson_module", lambda number: FAKE)


def run_cli(capsys, *args) -> tuple[int, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def snapshot(root: Path) -> dict[str, object]:
    """Every path under root: a link's target, a file's bytes, or 'dir' (does not follow links)."""
    out: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                out[key] = ("link", os.readlink(path))
            elif path.is_dir():
                out[key] = "dir"
            else:
                out[key] = path.read_bytes()
    return out


# ---------------------------------------------------------------- the four cases of the issue


def test_link_out_of_the_folder_refuses_and_writes_nothing_anywhere(fake_course, capsys, tmp_path):
    report, elsewhere = tmp_path / "D", tmp_path / "elsewhere"
    report.mkdir()
    elsewhere.mkdir()
    (report / "lesson-01").symlink_to(elsewhere)
    before = snapshot(tmp_path)
    code, text = run_cli(capsys, "course", "--out", str(report))
    assert code == 2 and "is a link" in text and "nothing was written" in text
    assert list(elsewhere.iterdir()) == []
    assert snapshot(tmp_path) == before


def test_a_users_file_at_a_figures_path_is_never_overwritten(fake_course, capsys, tmp_path):
    report = tmp_path / "D"
    (report / "lesson-01").mkdir(parents=True)
    (report / "lesson-01" / "two.png").write_bytes(b"my own picture")
    before = snapshot(tmp_path)
    code, text = run_cli(capsys, "course", "--out", str(report))
    assert code == 2 and "was not written by calcml" in text and "two.png" in text
    assert snapshot(tmp_path) == before  # refused: not even one.png or index.html was written


def test_an_edited_manifest_cannot_make_calcml_delete_a_users_file(fake_course, capsys, tmp_path):
    report = tmp_path / "D"
    assert run_cli(capsys, "course", "--out", str(report))[0] == 0
    (report / "notes.txt").write_text("mine")
    (report / "lesson-01" / "sketch.png").write_bytes(b"mine too")
    manifest = json.loads((report / MANIFEST_NAME).read_text())
    # Listed with a made-up hash, with no hash, and with a path that leaves the folder.
    manifest["files"]["notes.txt"] = "0" * 64
    manifest["files"]["lesson-01/sketch.png"] = None
    manifest["files"]["../victim.txt"] = hashlib.sha256(b"keep").hexdigest()
    (tmp_path / "victim.txt").write_text("keep")
    (report / MANIFEST_NAME).write_text(json.dumps(manifest))
    assert run_cli(capsys, "course", "--out", str(report))[0] == 0
    assert (report / "notes.txt").read_text() == "mine"
    assert (report / "lesson-01" / "sketch.png").read_bytes() == b"mine too"
    assert (tmp_path / "victim.txt").read_text() == "keep"
    recorded = json.loads((report / MANIFEST_NAME).read_text())["files"]
    assert "notes.txt" not in recorded and "../victim.txt" not in recorded


def test_root_is_refused_before_any_lesson_runs(monkeypatch, capsys):
    ran = []
    monkeypatch.setattr(catalog, "run_lesson", lambda *a, **k: ran.append(a))
    code, text = run_cli(capsys, "course", "--out", "/")
    assert code == 2 and "root of the file system" in text
    assert ran == []
    with pytest.raises(DomainError, match="root of the file system"):
        write_files("/", {"lesson-01/x.png": b"x"})


# ---------------------------------------------------------------- what calcml may do with its own files


def test_second_run_replaces_and_removes_only_its_own_files(fake_course, capsys, tmp_path, monkeypatch):
    report = tmp_path / "D"
    assert run_cli(capsys, "course", "--out", str(report))[0] == 0
    recorded = json.loads((report / MANIFEST_NAME).read_text())["files"]
    for name, digest in recorded.items():  # the hashes are those of the files on disk
        assert hashlib.sha256((report / name).read_bytes()).hexdigest() == digest
    assert {"index.html", "lesson-01/one.png", "lesson-01/two.png", "notebooks/lesson01.py"} == set(recorded)

    # The lesson stops drawing two.png: the next run removes it, since it is still what calcml wrote.
    def one_figure(run):
        from calcml.plots import new_axes

        ax = new_axes(figsize=(2, 1.5))
        ax.plot([0, 1], [1, 0])
        run.add(_common.figure(run, "one.png", ax.figure, "changed"))

    monkeypatch.setattr(catalog, "lesson_module",
                        lambda number: types.SimpleNamespace(NUMBER=1, TITLE="Stand-in", build=one_figure))
    (report / "keep.txt").write_text("mine")
    assert run_cli(capsys, "course", "--out", str(report))[0] == 0
    assert not (report / "lesson-01" / "two.png").exists()
    assert (report / "keep.txt").read_text() == "mine"
    assert "two.png" not in (report / "index.html").read_text()


def test_a_changed_calcml_file_is_neither_overwritten_nor_deleted(tmp_path):
    write_files(tmp_path, {"a.txt": b"calcml 1", "b.txt": b"calcml 1"})
    (tmp_path / "a.txt").write_text("edited by the user")
    (tmp_path / "b.txt").write_text("edited too")
    with pytest.raises(DomainError, match="was not written by calcml \\(or was changed since\\)"):
        write_files(tmp_path, {"a.txt": b"calcml 2"})
    assert (tmp_path / "a.txt").read_text() == "edited by the user"
    write_files(tmp_path, {"c.txt": b"new"})  # b.txt is stale but changed: kept
    assert (tmp_path / "b.txt").read_text() == "edited too"


def test_identical_content_is_adopted_and_a_lost_manifest_loses_nothing(tmp_path):
    write_files(tmp_path, {"x/a.txt": b"same"})
    (tmp_path / MANIFEST_NAME).unlink()
    write_files(tmp_path, {"x/a.txt": b"same"})  # nothing to lose: the bytes are those calcml would write
    assert json.loads((tmp_path / MANIFEST_NAME).read_text())["files"] == {
        "x/a.txt": hashlib.sha256(b"same").hexdigest()}


def test_links_anywhere_are_refused(tmp_path):
    out, target = tmp_path / "out", tmp_path / "target"
    out.mkdir()
    target.mkdir()
    (target / "index.html").write_text("theirs")
    (out / "index.html").symlink_to(target / "index.html")
    with pytest.raises(DomainError, match="is a link"):
        write_files(out, {"index.html": b"page"})
    assert (target / "index.html").read_text() == "theirs"
    (out / MANIFEST_NAME).symlink_to(target / "index.html")
    with pytest.raises(DomainError, match="not a regular file"):
        write_files(out, {"other.html": b"page"})
    assert (target / "index.html").read_text() == "theirs" and not (out / "other.html").exists()


def test_a_foreign_manifest_or_a_file_on_the_way_refuses(tmp_path):
    (tmp_path / MANIFEST_NAME).write_text("my notes")
    with pytest.raises(DomainError, match="was not written by calcml"):
        write_files(tmp_path, {"a.txt": b"x"})
    assert (tmp_path / MANIFEST_NAME).read_text() == "my notes" and not (tmp_path / "a.txt").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "lesson-01").write_text("a file where a folder should be")
    with pytest.raises(DomainError, match="is not a folder"):
        write_files(other, {"lesson-01/a.png": b"x"})


@pytest.mark.parametrize("name, message", [
    ("../up.txt", r"contains '\.\.'"), ("/abs.txt", "must be relative"), ("C:\\x.txt", "must be relative"),
    ("", "non-empty"), (MANIFEST_NAME, "manifest"), (".", "names the folder itself"),
])
def test_bad_names(tmp_path, name, message):
    with pytest.raises(DomainError, match=message):
        write_files(tmp_path / "out", {name: b"x"})
    assert not (tmp_path / "out").exists()


def test_bad_folders(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("mine")
    with pytest.raises(DomainError, match="is a file, not a folder"):
        folder.check_folder(taken)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(DomainError, match="a link to nothing"):
        folder.check_folder(tmp_path / "dangling")
    with pytest.raises(DomainError, match="out_dir must be a folder path"):
        folder.check_folder(42)


def test_figure_names_are_checked():
    from calcml.course.model import LessonRun
    from calcml.plots import new_axes

    run = LessonRun(1, "t")
    for bad in ("../x.png", "a/b.png", "x.svg", ""):
        with pytest.raises(DomainError, match="plain file name ending in .png"):
            _common.figure(run, bad, None, "c")
    ax = new_axes(figsize=(1, 1))
    _common.figure(run, "x.png", ax.figure, "c")
    assert run.files["lesson-01/x.png"][:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(DomainError, match="twice"):
        _common.figure(run, "x.png", new_axes(figsize=(1, 1)).figure, "c")


def test_calcml_lesson_writes_its_figures_through_the_same_guard(fake_course, capsys, tmp_path):
    (tmp_path / "lesson-01").mkdir()
    (tmp_path / "lesson-01" / "one.png").write_bytes(b"mine")
    code, text = run_cli(capsys, "lesson", "1", "--out", str(tmp_path))
    assert code == 2 and "was not written by calcml" in text
    assert (tmp_path / "lesson-01" / "one.png").read_bytes() == b"mine"
    assert sorted(p.name for p in (tmp_path / "lesson-01").iterdir()) == ["one.png"]


# ---------------------------------------------------------------- the manifest is honoured only for calcml's names


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_an_edited_manifest_with_the_true_hashes_cannot_make_calcml_delete_a_users_file(fake_course, capsys,
                                                                                        tmp_path):
    report = tmp_path / "D"
    assert run_cli(capsys, "course", "--out", str(report))[0] == 0
    users = {"notes.txt": b"mine", "sub/notes.md": b"mine too", "lesson-01/notes.txt": b"not a figure",
             "lesson-01.png": b"beside the folder", "notebooks/lesson01.ipynb": b"my own notebook",
             "lesson01.py.bak": b"a backup"}
    for name, data in users.items():
        (report / name).parent.mkdir(parents=True, exist_ok=True)
        (report / name).write_bytes(data)
    manifest = json.loads((report / MANIFEST_NAME).read_text())
    manifest["files"].update({name: _sha(data) for name, data in users.items()})  # the exact hashes
    (report / MANIFEST_NAME).write_text(json.dumps(manifest))
    before = {name: (report / name).read_bytes() for name in users}

    assert run_cli(capsys, "course", "--out", str(report))[0] == 0
    assert {name: (report / name).read_bytes() for name in users} == before
    recorded = json.loads((report / MANIFEST_NAME).read_text())["files"]
    assert not set(users) & set(recorded)
    # The most permissive caller (the library function, owning everything) keeps them as well.
    write_files(report, {"index.html": b"another page"})
    assert {name: (report / name).read_bytes() for name in users} == before


def test_names_calcml_writes_are_exactly_the_ones_it_honours(fake_course, capsys, tmp_path):
    report = tmp_path / "D"
    assert run_cli(capsys, "course", "--out", str(report))[0] == 0
    recorded = json.loads((report / MANIFEST_NAME).read_text())["files"]
    kinds = {name: folder.output_kind(name) for name in recorded}
    assert kinds == {"index.html": "page", "lesson-01/one.png": "figure", "lesson-01/two.png": "figure",
                     "notebooks/lesson01.py": "course-notebook"}
    assert folder.output_kind("lesson39.ipynb") == folder.output_kind("lesson07.py") == "notebook"
    for name in ("notes.txt", "lesson-01/a.svg", "lesson-1/a.png", "lesson-01/sub/a.png", "index.htm",
                 "notebooks/lesson01.ipynb", ".calcml-report.json", "lesson-01/.hidden.png", None):
        assert folder.output_kind(name) is None, name


def test_the_course_leaves_the_files_of_calcml_notebooks_alone(fake_course, capsys, tmp_path):
    # Both commands pointed at one folder: the course owns its page, figures and notebook sources only.
    report = tmp_path / "D"
    write_files(report, {"lesson01.ipynb": b"{}", "lesson01.py": b"# source"})
    assert run_cli(capsys, "course", "--out", str(report))[0] == 0
    assert (report / "lesson01.ipynb").read_bytes() == b"{}" and (report / "lesson01.py").is_file()
    recorded = json.loads((report / MANIFEST_NAME).read_text())["files"]
    assert recorded["lesson01.ipynb"] == _sha(b"{}")  # still calcml's, still recorded


# ---------------------------------------------------------------- DIR itself: not a link, not below a file


@pytest.mark.parametrize("command", [["course"], ["lesson", "1"], ["notebooks"]])
def test_a_report_folder_that_is_a_link_is_refused(fake_course, capsys, tmp_path, command):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    before = snapshot(tmp_path)
    code, text = run_cli(capsys, *command, "--out", str(tmp_path / "link"))
    assert code == 2 and "is a symbolic link" in text and str(real) in text
    assert snapshot(tmp_path) == before and list(real.iterdir()) == []


@pytest.mark.parametrize("command", [["course"], ["lesson", "1"], ["notebooks"]])
def test_a_report_folder_below_a_file_is_a_clear_error(fake_course, capsys, tmp_path, command):
    (tmp_path / "afile").write_text("mine")
    before = snapshot(tmp_path)
    code, text = run_cli(capsys, *command, "--out", str(tmp_path / "afile" / "sub"))
    assert code == 2 and "is a file, not a folder" in text and "internal error" not in text
    assert snapshot(tmp_path) == before


def test_a_link_above_the_report_folder_is_the_users_path(fake_course, capsys, tmp_path):
    # Documented: DIR itself may not be a link; links above it are how the system names the folder.
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    assert run_cli(capsys, "course", "--out", str(tmp_path / "link" / "D"))[0] == 0
    assert (real / "D" / "index.html").is_file()


def test_a_system_refusal_while_writing_is_a_clear_error(tmp_path, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "out" / "a.txt"))

    monkeypatch.setattr(folder, "_write_atomically", no_space)
    with pytest.raises(ArgumentError, match="could not write the report folder .*No space left"):
        write_files(tmp_path / "out", {"a.txt": b"x"})


def test_the_writer_never_removes_a_file_that_has_its_temporary_name(tmp_path, monkeypatch):
    monkeypatch.setattr(folder.secrets, "token_hex", lambda n: "fixed")
    monkeypatch.setattr(os, "getpid", lambda: 7)
    (tmp_path / ".index.html.7.fixed.tmp").write_bytes(b"the user's")
    with pytest.raises(ArgumentError, match="could not write the report folder"):
        write_files(tmp_path, {"index.html": b"page"})
    assert (tmp_path / ".index.html.7.fixed.tmp").read_bytes() == b"the user's"
    assert not (tmp_path / "index.html").exists()


def test_a_report_folder_below_a_link_to_nothing_is_named_as_such(tmp_path):
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    with pytest.raises(ArgumentError, match="is a link to nothing"):
        folder.check_folder(tmp_path / "gone" / "D")
    assert not (tmp_path / "nowhere").exists()
