"""Figures. matplotlib lives only in this package.

Every plotting function takes an optional Axes (or a pair) and returns what it
drew on, so figures compose; :func:`save` writes one to a new PNG file without a
screen (never over an existing file, never through a link).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["save", "check_new_png", "new_axes", "to_png"]


def _pyplot():
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        # calcml writes files; it never needs a window, and there may be no screen.
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def new_axes(ncols: int = 1, figsize=None, projection=None):
    """A new figure with `ncols` Axes side by side (a single Axes when ncols == 1)."""
    plt = _pyplot()
    figsize = figsize or (6.0 * ncols, 4.5)
    fig = plt.figure(figsize=figsize, layout="constrained")
    axes = [fig.add_subplot(1, ncols, i + 1, projection=projection) for i in range(ncols)]
    return axes[0] if ncols == 1 else tuple(axes)


def check_new_png(path, what: str = "path") -> Path:
    """Check that `path` names a new PNG file in an existing folder; return it as a Path.

    calcml writes a figure only where it was told to and never over anything:
    the name must end in ``.png``, nothing may exist at it yet (no file, no
    folder, no symbolic link, not even one that points nowhere) and its folder
    must already exist (calcml creates no folders for a figure). Links in the
    folder's own path are the user's and are resolved by the system; the file
    itself is never reached through a link.

    Parameters
    ----------
    path : str or os.PathLike
        Where the figure should go.
    what : str
        How the caller names the path in messages (``"--plot"`` on the command line).

    Raises
    ------
    ArgumentError
        Also a ValueError; the message names `what` and says what to do instead.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> check_new_png(folder / "fig.png").name
    'fig.png'
    >>> _ = (folder / "fig.png").write_bytes(b"mine")
    >>> check_new_png(folder / "fig.png")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    calcml.errors.ArgumentError: path '.../fig.png' exists; choose a new name or delete it first (calcml never overwrites a file)
    """
    from ..errors import ArgumentError

    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise ArgumentError(f"{what} must name a .png file, got {path!r}; write e.g. {what} figure.png")
    text = os.fspath(path)
    target = Path(text)
    if target.suffix.lower() != ".png" or target.name.lower() == ".png" or text.endswith(("/", os.sep)):
        raise ArgumentError(f"{what} must name a .png file, got {text!r}; write e.g. {what} figure.png")
    if target.is_symlink():
        raise ArgumentError(f"{what} {text!r} is a symbolic link; calcml never writes through a link: "
                            "choose a new name")
    if os.path.lexists(target):
        kind = "is a folder" if target.is_dir() else "exists"
        raise ArgumentError(f"{what} {text!r} {kind}; choose a new name or delete it first "
                            "(calcml never overwrites a file)")
    folder = target.parent
    if not folder.is_dir():
        # Find out why: the nearest part of the path that is there is a file, or the folder is missing.
        there = folder
        while not os.path.lexists(there) and there != there.parent:
            there = there.parent
        if os.path.lexists(there) and not there.is_dir():
            kind = "a link to nothing" if there.is_symlink() else "a file, not a folder"
            raise ArgumentError(f"{what} {text!r}: {str(there)!r} is {kind}; choose a path in an existing folder")
        raise ArgumentError(f"{what} {text!r}: the folder {str(folder)!r} does not exist; "
                            "create it first or choose an existing folder (calcml creates no folders for a figure)")
    return target


def save(fig, path, dpi: int = 110) -> Path:
    """Write `fig` as a new PNG file at `path`, close it, and return the path.

    Never overwrites: `path` is checked with :func:`check_new_png` (no existing
    file or link, an existing folder). The picture is first written to a
    temporary file beside `path` and then given its name with a hard link,
    which the system refuses if anything took that name in the meantime; so a
    reader never sees half a file and nothing at `path` is ever replaced or
    followed. (Where hard links are not supported the temporary file is
    renamed after checking again.) On any refusal nothing is left behind.

    Raises
    ------
    ArgumentError
        For a path :func:`check_new_png` refuses, or one the system cannot write
        (a folder without write permission, say), with the reason.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> ax = new_axes()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> save(ax.figure, folder / "line.png").read_bytes()[:4]
    b'\\x89PNG'
    >>> save(new_axes().figure, folder / "line.png")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    calcml.errors.ArgumentError: path '.../line.png' exists; choose a new name or delete it first ...
    """
    from ..errors import ArgumentError

    plt = _pyplot()
    try:
        target = check_new_png(path)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        created = False
        try:
            # O_EXCL | O_NOFOLLOW: a fresh file of our own, never something a link points to.
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
            created = True
            with os.fdopen(fd, "wb") as handle:
                fig.savefig(handle, format="png", dpi=dpi)
            try:
                os.link(temporary, target)  # fails if the name is taken, even by a link to nothing
            except FileExistsError:
                raise ArgumentError(f"path {os.fspath(path)!r} exists; choose a new name or delete it first "
                                    "(calcml never overwrites a file)") from None
            except OSError:  # a file system without hard links: check again, then rename
                if os.path.lexists(target):
                    raise ArgumentError(f"path {os.fspath(path)!r} exists; choose a new name or delete it "
                                        "first (calcml never overwrites a file)") from None
                os.replace(temporary, target)
        except OSError as err:
            raise ArgumentError(f"could not write the figure to {os.fspath(path)!r}: "
                                f"{err.strerror or err}; choose another folder") from None
        finally:
            if created and os.path.lexists(temporary):  # only the file this call made is removed
                os.unlink(temporary)
    finally:
        plt.close(fig)
    return target


def to_png(fig, dpi: int = 110) -> bytes:
    """`fig` as PNG bytes (nothing written to disk), and close it."""
    import io

    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()
