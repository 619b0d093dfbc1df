"""Files written by the CLI: ``--plot`` writes a new PNG where it was told and nowhere else.

Every command that has ``--plot`` is run through the real entry point
(``calcml.cli.main``). The truth each refusal is compared with is the folder as
it was before the run: a listing of every path with its bytes, links recorded as
links (``os.readlink``), taken without calcml. A refusal must exit 2 with a
message that says what to do, before any computation prints a result, and leave
that listing exactly as it was.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import pytest

from calcml import plots
from calcml.cli import main
from calcml.errors import ArgumentError

#: One fast run of each command that has --plot; the figure path is appended.
COMMANDS = {
    "diff": ["diff", "x^2", "--at", "1"],
    "integrate": ["integrate", "x^2", "--from", "0", "--to", "1"],
    "grad": ["grad", "x^2 + y^2", "--at", "1,1"],
    "steepest": ["steepest", "x^2 + y^2", "--at", "1,1", "--resolution", "5"],
    "minimize": ["minimize", "x^2 + y^2", "--from", "1,1"],
    "svm": ["svm", "--points", "0,0:-1 1,2:+1 2,1:+1"],
    "train": ["train", "--samples", "20", "--epochs", "3"],
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> dict[str, object]:
    """Every path under root: a link's target, a file's bytes, or 'dir' (links are not followed)."""
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


def _existing_file(tmp: Path) -> tuple[Path, str]:
    (tmp / "fig.png").write_bytes(b"mine")
    return tmp / "fig.png", "exists; choose a new name or delete it first"


def _link_to_a_users_file(tmp: Path) -> tuple[Path, str]:
    (tmp / "theirs.png").write_bytes(b"the user's picture")
    (tmp / "fig.png").symlink_to(tmp / "theirs.png")
    return tmp / "fig.png", "is a symbolic link; calcml never writes through a link"


def _dangling_link(tmp: Path) -> tuple[Path, str]:
    (tmp / "fig.png").symlink_to(tmp / "nowhere.png")
    return tmp / "fig.png", "is a symbolic link; calcml never writes through a link"


def _missing_folder(tmp: Path) -> tuple[Path, str]:
    return tmp / "missing" / "x.png", "does not exist; create it first"


def _parent_is_a_file(tmp: Path) -> tuple[Path, str]:
    (tmp / "user.png").write_bytes(b"mine")
    return tmp / "user.png" / "x.png", "is a file, not a folder"


def _ancestor_is_a_file(tmp: Path) -> tuple[Path, str]:
    (tmp / "afile").write_bytes(b"mine")
    return tmp / "afile" / "sub" / "x.png", "is a file, not a folder"


def _a_folder_of_that_name(tmp: Path) -> tuple[Path, str]:
    (tmp / "fig.png").mkdir()
    return tmp / "fig.png", "is a folder; choose a new name"


CASES = [_existing_file, _link_to_a_users_file, _dangling_link, _missing_folder, _parent_is_a_file,
         _ancestor_is_a_file, _a_folder_of_that_name]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__.strip("_"))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_plot_refuses_before_any_work_and_writes_nothing(capsys, tmp_path, command, case):
    target, words = case(tmp_path)
    before = snapshot(tmp_path)
    code, out, err = cli(capsys, *COMMANDS[command], "--plot", str(target))
    assert code == 2, (command, out, err)
    assert out == ""  # refused before anything was computed or printed
    assert words in err and "internal error" not in err and str(target) in err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", CASES[:2], ids=lambda case: case.__name__.strip("_"))
def test_plot_refusal_under_json_is_one_error_object(capsys, tmp_path, case):
    import json

    target, words = case(tmp_path)
    before = snapshot(tmp_path)
    code, out, _ = cli(capsys, "integrate", "x^2", "--from", "0", "--to", "1", "--plot", str(target), "--json")
    assert code == 2 and words in json.loads(out)["error"]["message"]
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_plot_writes_one_new_png_and_nothing_else(capsys, tmp_path, command):
    (tmp_path / "keep.txt").write_text("mine")
    code, out, err = cli(capsys, *COMMANDS[command], "--plot", str(tmp_path / "fig.png"))
    assert code == 0, (out, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png", "keep.txt"]  # no temporary file left
    assert (tmp_path / "fig.png").read_bytes()[:8] == PNG_MAGIC
    image = mpimg.imread(tmp_path / "fig.png")  # a complete PNG that an independent reader decodes
    assert image.ndim == 3 and min(image.shape[:2]) > 50
    assert (tmp_path / "keep.txt").read_text() == "mine"
    # The same command again must not replace the figure it wrote: the name is taken now.
    first = (tmp_path / "fig.png").read_bytes()
    code, out, err = cli(capsys, *COMMANDS[command], "--plot", str(tmp_path / "fig.png"))
    assert code == 2 and "exists; choose a new name" in err
    assert (tmp_path / "fig.png").read_bytes() == first


def test_a_relative_plot_path_is_checked_in_the_working_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("fig.png").write_bytes(b"mine")
    code, _, err = cli(capsys, "diff", "x^2", "--plot", "fig.png")
    assert code == 2 and "'fig.png' exists" in err and Path("fig.png").read_bytes() == b"mine"
    assert cli(capsys, "diff", "x^2", "--plot", "new.png")[0] == 0
    assert Path("new.png").read_bytes()[:8] == PNG_MAGIC


# ---------------------------------------------------------------- the guarded save itself


def _figure():
    ax = plots.new_axes(figsize=(1, 1))
    ax.plot([0, 1], [0, 1])
    return ax.figure


def test_save_never_replaces_a_file_that_appears_after_the_check(tmp_path, monkeypatch):
    # The check before the work passed; then someone wrote the file. save must still not replace it.
    (tmp_path / "fig.png").write_bytes(b"written meanwhile")
    monkeypatch.setattr(plots, "check_new_png", lambda path, what="path": Path(path))
    with pytest.raises(ArgumentError, match="exists; choose a new name"):
        plots.save(_figure(), tmp_path / "fig.png")
    assert (tmp_path / "fig.png").read_bytes() == b"written meanwhile"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]
    # Nor a link that appeared meanwhile, even one that points nowhere: nothing is created at its target.
    (tmp_path / "link.png").symlink_to(tmp_path / "target.png")
    with pytest.raises(ArgumentError, match="exists"):
        plots.save(_figure(), tmp_path / "link.png")
    assert not (tmp_path / "target.png").exists() and (tmp_path / "link.png").is_symlink()


def test_save_without_hard_links_checks_again_and_renames(tmp_path, monkeypatch):
    def no_links(src, dst, **kwargs):
        raise OSError(errno.EPERM, "hard links are not supported here")

    monkeypatch.setattr(os, "link", no_links)
    assert plots.save(_figure(), tmp_path / "a.png") == tmp_path / "a.png"
    assert (tmp_path / "a.png").read_bytes()[:8] == PNG_MAGIC
    first = (tmp_path / "a.png").read_bytes()
    monkeypatch.setattr(plots, "check_new_png", lambda path, what="path": Path(path))
    with pytest.raises(ArgumentError, match="exists"):
        plots.save(_figure(), tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_save_turns_a_system_error_into_a_clear_argument_error(tmp_path, monkeypatch):
    real_open = os.open

    def full_disk(path, flags, mode=0o777, **kwargs):
        if str(path).endswith(".tmp"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, mode, **kwargs)

    monkeypatch.setattr(os, "open", full_disk)
    with pytest.raises(ArgumentError, match="could not write the figure to .*No space left on device"):
        plots.save(_figure(), tmp_path / "a.png")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", ["fig.svg", "", ".png", 42])
def test_check_new_png_names_the_parameter(tmp_path, bad):
    with pytest.raises(ArgumentError, match="--plot must name a .png file") as info:
        plots.check_new_png(bad if not isinstance(bad, str) or not bad else str(tmp_path / bad), "--plot")
    assert isinstance(info.value, ValueError)


def test_save_never_removes_a_file_that_has_its_temporary_name(tmp_path, monkeypatch):
    monkeypatch.setattr(plots.secrets, "token_hex", lambda n: "fixed")
    monkeypatch.setattr(os, "getpid", lambda: 7)
    (tmp_path / ".fig.png.7.fixed.tmp").write_bytes(b"the user's")
    with pytest.raises(ArgumentError, match="could not write the figure"):
        plots.save(_figure(), tmp_path / "fig.png")
    assert (tmp_path / ".fig.png.7.fixed.tmp").read_bytes() == b"the user's"
    assert not (tmp_path / "fig.png").exists()


def test_a_folder_that_is_a_link_to_nothing_is_named_as_such(capsys, tmp_path):
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    before = snapshot(tmp_path)
    code, out, err = cli(capsys, "diff", "x^2", "--plot", str(tmp_path / "gone" / "x.png"))
    assert code == 2 and out == "" and "is a link to nothing" in err
    assert snapshot(tmp_path) == before and not (tmp_path / "nowhere").exists()
