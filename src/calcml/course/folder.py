"""The report folder: calcml writes there only what it checked it may write.

``calcml course --out DIR`` (and ``calcml lesson``, ``calcml notebooks``) put
files into a folder the user chose, which may already hold the user's own
files. Every write goes through :func:`write_files`, which follows four rules:

1. **Check first, then write.** The whole plan (every file, every folder on the
   way to it, the files to remove) is checked before the first byte is
   written; a refused run leaves the folder exactly as it was. Lessons keep
   their figures in memory (:attr:`LessonRun.files`) until then.
2. **Never follow a link.** DIR itself must not be a symbolic link (the run is
   refused, naming the folder it points to: name that folder instead), and a
   link anywhere below DIR on the way to a file (``DIR/lesson-01 -> /elsewhere``)
   refuses the run: nothing is written through it. Links in the path *above*
   DIR (``/home -> /usr/home``) are how the system names the folder the user
   chose and are resolved as usual.
3. **Never overwrite or delete a file calcml did not write.** The manifest
   ``DIR/.calcml-report.json`` records each file calcml wrote with the SHA-256
   of its content. A file is replaced or removed only when its content still
   has the recorded hash; a file the user wrote or edited does not match and is
   kept (overwriting it refuses the run, removing it is skipped). The manifest
   is a file on disk, so an entry is honoured only for a name some calcml
   writer can produce (:func:`output_kind`: the page, a lesson's figure, a
   notebook); no edit of it can make calcml replace or delete ``notes.txt``. A
   file that already holds exactly the bytes calcml would write is adopted:
   nothing is lost.
4. **Never the root, never inside a file.** ``--out /`` and a DIR below an
   existing file are refused before anything runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..errors import ArgumentError, DomainError

__all__ = ["MANIFEST_NAME", "check_folder", "check_name", "output_kind", "read_manifest", "write_files"]

MANIFEST_NAME = ".calcml-report.json"
_GENERATOR = "calcml"
_FORMAT = 2


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_folder(out_dir: object) -> Path:
    """Check `out_dir` before any work: a path, not the root, not a file. Returns it as a Path.

    Parameters
    ----------
    out_dir : str or os.PathLike
        The folder the user chose; it may not exist yet.

    Raises
    ------
    DomainError
        For a non-path, the file-system root, or an existing file or broken link.

    Examples
    --------
    >>> check_folder("/")
    Traceback (most recent call last):
    ...
    calcml.errors.DomainError: the report folder '/' is the root of the file system; choose a folder of its own, e.g. out_dir='calcml-output'
    """
    if not isinstance(out_dir, (str, os.PathLike)):
        raise DomainError(f"out_dir must be a folder path, got {type(out_dir).__name__}")
    path = Path(out_dir)
    if not str(out_dir).strip():
        raise DomainError("out_dir is empty; name a folder for the report, e.g. out_dir='calcml-output'")
    resolved = path.resolve()
    if resolved == Path(resolved.anchor):
        raise DomainError(f"the report folder {str(path)!r} is the root of the file system; "
                          "choose a folder of its own, e.g. out_dir='calcml-output'")
    if path.is_symlink() and not path.exists():
        raise DomainError(f"the report folder {str(path)!r} is a link to nothing; remove it or choose another folder")
    if path.is_symlink():
        raise ArgumentError(f"the report folder {str(path)!r} is a symbolic link; calcml never writes through a "
                            f"link: name the folder it points to ({str(resolved)!r}) or choose another folder")
    if path.exists() and not path.is_dir():
        raise DomainError(f"the report folder {str(path)!r} is a file, not a folder; choose a folder for the report")
    if not path.exists():
        # It will be created: the nearest part of its path that exists must be a folder.
        there = path.parent
        while not os.path.lexists(there) and there != there.parent:
            there = there.parent
        if os.path.lexists(there) and not there.is_dir():
            kind = "a link to nothing" if there.is_symlink() else "a file, not a folder"
            raise ArgumentError(f"the report folder {str(path)!r} cannot be made: {str(there)!r} is {kind}; "
                                "choose a folder for the report")
    return path


# What calcml's writers name their files, from the rules they follow when they make the names:
# ``report._INDEX``, ``lesson-{n:02d}/`` + a figure name ``_common.figure`` accepts, and the
# notebooks ``lesson{n:02d}.py`` / ``.ipynb`` (the course keeps the ``.py`` in ``notebooks/``).
_LESSON_FOLDER = r"lesson-\d{2,}/"
_NOTEBOOK = r"lesson\d{2,}\.(?:py|ipynb)"
_COURSE_NOTEBOOK = r"notebooks/lesson\d{2,}\.py"


def output_kind(name: str) -> str | None:
    """Which calcml writer can produce the relative path `name`, or None if none can.

    ``"page"`` (``index.html``), ``"figure"`` (``lesson-NN/<figure>.png``),
    ``"course-notebook"`` (``notebooks/lessonNN.py``, by ``calcml course``) or
    ``"notebook"`` (``lessonNN.py`` / ``lessonNN.ipynb``, by ``calcml notebooks``).
    Only these names are ever replaced or removed on the strength of the manifest.

    Examples
    --------
    >>> [output_kind(n) for n in ("index.html", "lesson-01/tangent.png", "notes.txt", "lesson-01/../x.png")]
    ['page', 'figure', None, None]
    """
    from .lessons._common import _NAME as figure
    from .report import _INDEX

    if not isinstance(name, str):
        return None
    if name == _INDEX:
        return "page"
    if name.startswith("lesson-") and re.fullmatch(_LESSON_FOLDER + figure.pattern, name):
        return "figure"
    if re.fullmatch(_COURSE_NOTEBOOK, name):
        return "course-notebook"
    if re.fullmatch(_NOTEBOOK, name):
        return "notebook"
    return None


def check_name(name: object, where: str = "path") -> str:
    """A relative file name inside the report folder, in POSIX form; DomainError otherwise."""
    if not isinstance(name, str) or not name.strip():
        raise DomainError(f"{where} must be a non-empty relative path string, got {name!r}")
    posix = PurePosixPath(name)
    if "\\" in name or posix.is_absolute() or PureWindowsPath(name).drive:
        raise DomainError(f"{where} {name!r} must be relative to the report folder with '/' separators, "
                          "such as 'lesson-01/tangent.png'")
    if ".." in posix.parts:
        raise DomainError(f"{where} {name!r} contains '..'; files must lie inside the report folder")
    normal = "/".join(part for part in posix.parts if part != ".")
    if not normal:
        raise DomainError(f"{where} {name!r} names the folder itself; name a file inside it")
    if normal == MANIFEST_NAME:
        raise DomainError(f"{where} {name!r} is the name of calcml's manifest; rename the file")
    return normal


def read_manifest(out_dir: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of the files an earlier run wrote; {} when there is none.

    A manifest is a file on disk, so nothing in it is trusted: entries that are
    not plain relative names with a 64-digit hash are ignored, and so are names
    no calcml writer produces (:func:`output_kind`), whatever their hash. A file of that
    name that is not calcml's manifest (or is a link) refuses the run, since
    calcml would otherwise overwrite it.
    """
    path = out_dir / MANIFEST_NAME
    if not path.exists() and not path.is_symlink():
        return {}
    if path.is_symlink() or not path.is_file():
        raise DomainError(f"{path} is not a regular file; calcml keeps its manifest there: "
                          "move it away or choose another folder")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or data.get("generator") not in (_GENERATOR, "calcml.course.report"):
        raise DomainError(f"{path} exists and was not written by calcml; move it away or choose another folder")
    entries = data.get("files")
    if not isinstance(entries, dict):
        return {}  # an older manifest without hashes: nothing in it can be proved to be calcml's
    recorded = {}
    for name, digest in entries.items():
        try:
            normal = check_name(name)
        except DomainError:
            continue
        if output_kind(normal) is None:
            continue  # calcml cannot have written it: an edit of the manifest, never honoured
        if isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
            recorded[normal] = digest
    return recorded


def _link_on_the_way(root: Path, name: str) -> Path | None:
    """The first symbolic link (or non-folder) among the folders from `root` to `name`, if any."""
    current = root
    for part in PurePosixPath(name).parts[:-1]:
        current = current / part
        if current.is_symlink():
            return current
        if current.exists() and not current.is_dir():
            return current
    return None


def _matches(path: Path, digest: str | None) -> bool:
    """Whether the regular file `path` (not a link) has content with the given hash."""
    if digest is None or path.is_symlink() or not path.is_file():
        return False
    try:
        return _sha256(path.read_bytes()) == digest
    except OSError:
        return False


def _write_atomically(path: Path, data: bytes) -> None:
    # Written beside its final name and moved into place: a reader never sees half a file,
    # and os.replace replaces a name, it never writes through a link at that name. The
    # temporary name is fresh (O_EXCL, not through a link); only a file this call created
    # is ever removed, so a user's file that happens to have that name is never touched.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_files(
    out_dir: object,
    files: Mapping[str, bytes],
    *,
    owns: Callable[[str], bool] = lambda name: True,
) -> list[Path]:
    """Write `files` into `out_dir` under the four rules above; return the paths written.

    Parameters
    ----------
    out_dir : str or os.PathLike
        The report folder; created when missing (after all checks).
    files : mapping of str to bytes
        Relative POSIX path -> content.
    owns : callable, optional
        Which earlier files this run is responsible for: a file the old
        manifest lists, that `owns` accepts and that this run does not write
        again is removed (if its content still matches). The default, every
        file, suits the whole course; ``calcml lesson 3`` owns ``lesson-03/``.

    Returns
    -------
    list of Path
        The files written or adopted, in the order given.

    Raises
    ------
    DomainError
        Before anything is written: for a bad folder (see :func:`check_folder`),
        a bad name, a link or a file on the way to a file, a file in the way
        that calcml did not write or that changed since (its content no longer
        has the recorded hash), or a foreign manifest.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_files(folder, {"a/b.txt": b"one"})]
    ['b.txt']
    >>> (folder / "mine.txt").write_text("the user's")
    10
    >>> write_files(folder, {"mine.txt": b"calcml's"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    calcml.errors.DomainError: .../mine.txt exists and was not written by calcml (or was changed since); ...
    >>> (folder / "mine.txt").read_text()
    "the user's"
    """
    out = check_folder(out_dir)
    plan: dict[str, bytes] = {}
    for name, data in files.items():
        normal = check_name(name)
        if not isinstance(data, (bytes, bytearray)):
            raise DomainError(f"the content of {normal!r} must be bytes, got {type(data).__name__}")
        plan[normal] = bytes(data)
    old = read_manifest(out) if out.is_dir() else {}

    # 1. Check everything.
    to_write: list[str] = []
    for name, data in plan.items():
        blocker = _link_on_the_way(out, name)
        if blocker is not None:
            kind = "a link" if blocker.is_symlink() else "not a folder"
            raise DomainError(f"{blocker} is {kind}; calcml never writes through a link or over a file "
                              "in the report folder: remove it or choose another folder (nothing was written)")
        target = out / name
        if target.is_symlink():
            raise DomainError(f"{target} is a link; calcml never writes through a link in the report folder: "
                              "remove it or choose another folder (nothing was written)")
        if target.exists():
            if target.is_file() and _matches(target, _sha256(data)):
                continue  # already exactly what would be written
            if not _matches(target, old.get(name)):
                raise DomainError(f"{target} exists and was not written by calcml (or was changed since); "
                                  "calcml never overwrites it: move it away or choose another folder "
                                  "(nothing was written)")
        to_write.append(name)
    stale = [name for name in old if name not in plan and owns(name)
             and _link_on_the_way(out, name) is None and _matches(out / name, old[name])]

    # 2. Write. Only the system can still refuse now (no permission, a full disk): it is said plainly.
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in to_write:
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, plan[name])
        for name in stale:
            (out / name).unlink()
        kept = {name: digest for name, digest in old.items()
                if name not in plan and name not in stale and not owns(name) and _matches(out / name, digest)}
        record = dict(sorted({**kept, **{name: _sha256(data) for name, data in plan.items()}}.items()))
        manifest = {"generator": _GENERATOR, "format": _FORMAT, "files": record}
        _write_atomically(out / MANIFEST_NAME, (json.dumps(manifest, indent=1) + "\n").encode("utf-8"))
    except OSError as err:
        where = err.filename if err.filename is not None else out
        raise ArgumentError(f"could not write the report folder {str(out)!r} ({where}: {err.strerror or err}); "
                            "check its permissions and free space or choose another folder") from None
    return [out / name for name in plan]
