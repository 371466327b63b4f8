"""Checks of the files and folders a user names, before any work that would otherwise be lost.

An input file that is there and is a file; an output folder or file that can be written. Each error is one line naming
the option or field.

:mod:`liqheat_nautilus.validation` re-exports them (``validation.input_file`` and so on).
"""

from collections.abc import Mapping
from pathlib import Path


def wrong_kind(path: str | Path, folder: bool, what: str) -> str | None:
    """
    Say that an input path exists but is a file where a folder is wanted, or the other way round.

    Parameters
    ----------
    path : str or Path
        The path given.
    folder : bool
        Whether a folder is wanted (else a file).
    what : str
        What was wanted, e.g. ``"catalog folder"`` or ``"grid file (.toml)"``.

    Returns
    -------
    str or None
        ``"<path> is a file, not a <what>"`` (or ``"is a folder"``); ``None`` when the path is missing or of the
        wanted kind (the caller reports a missing path its own way).
    """
    path = Path(path)
    if folder and path.exists() and not path.is_dir():
        return f"{path} is a file, not a {what}"
    if not folder and path.is_dir():
        return f"{path} is a folder, not a {what}"
    return None


def input_file(path: str | Path, what: str, hint: str = "") -> Path:
    """
    Return an input file's path, refusing a folder and a missing file with messages naming them.

    Parameters
    ----------
    path : str or Path
        The file given.
    what : str
        What it must be, e.g. ``"live file (.toml)"``; the messages name it.
    hint : str, default ""
        Appended to the folder message (e.g. where a folder of them goes).

    Returns
    -------
    Path
        The path of an existing file.

    Raises
    ------
    ValueError
        If the path is a folder (:func:`wrong_kind`).
    FileNotFoundError
        If nothing is there.
    """
    path = Path(path)
    mismatch = wrong_kind(path, False, what)
    if mismatch:
        raise ValueError(mismatch + hint)
    if not path.is_file():
        raise FileNotFoundError(f"{what.split(' (')[0]} not found: {path}")
    return path


def output_dir(path: str | Path, option: str) -> Path:
    """
    Check that a path can be (or already is) a folder to write into.

    Parameters
    ----------
    path : str or Path
        The folder.
    option : str
        The option or field to name in the error (e.g. ``"--results-dir"``).

    Returns
    -------
    Path
        The folder (it may not exist yet).

    Raises
    ------
    ValueError
        If the path, or one of its parents, exists and is not a folder, or nothing can be created in the nearest
        existing one (read-only, immutable, no permission, a virtual file system such as ``/proc``): found by
        creating and removing an empty folder there, before any work that would otherwise be lost.
    """
    path = Path(path)
    for part in (path, *path.parents):
        if part.exists():
            if not part.is_dir():
                what = "is" if part == path else f"is inside {part}, which is"
                raise ValueError(f"{option} {path} {what} a file, not a folder")
            why = cannot_write_in(part)
            if why is not None:
                where = "" if part == path else f" (in {part})"
                raise ValueError(f"{option} {path}: cannot write there{where}: {why}")
            break
    return path


def cannot_write_in(folder: str | Path) -> str | None:
    """
    Say why nothing can be created in an existing folder, by creating and removing an empty folder there.

    Parameters
    ----------
    folder : str or Path
        An existing folder.

    Returns
    -------
    str or None
        The reason (the OS's, e.g. ``"Read-only file system"``, or ``"it creates no files (a virtual file system)"``
        for ``/proc``, ``/sys``); ``None`` when a folder could be created there.
    """
    import errno
    import tempfile

    try:
        Path(tempfile.mkdtemp(prefix=".liqheat-probe-", dir=folder)).rmdir()
    except OSError as exc:
        # ENOENT in a folder that exists: a virtual file system (/proc, /sys) that creates nothing
        return ("it creates no files (a virtual file system)" if exc.errno == errno.ENOENT
                else str(exc.strerror or exc))
    return None


def output_file(path: str | Path, option: str, inputs: Mapping[str, str | Path | None] | None = None) -> Path:
    """
    Check, before any work, that a file can be written at a path (its missing folders are created on writing).

    Parameters
    ----------
    path, option
        The file, and the option to name, as :func:`output_dir` takes a folder (e.g. ``"--out"``, ``"--json"``).
    inputs : Mapping[str, str or Path or None], optional
        The command's input files and folders and its other outputs, by option (``None``: not given): ``path`` may
        be none of them, nor a file inside an input folder (it would be replaced, e.g. ``--json`` given the
        ``--bars`` file, or ``--out`` and ``--json`` the same file: one output lost).

    Returns
    -------
    Path
        ``path`` as a ``Path``.

    Raises
    ------
    ValueError
        If the path is an existing folder, or one of its parents exists and is not a folder (:func:`output_dir`), or
        it is one of ``inputs`` (or a file inside one of their folders).
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{option} {path} is a folder, not a file: give a file name")
    output_dir(path.parent, f"{option} {path}: folder")
    target = path.resolve()
    for other, given in (inputs or {}).items():
        if given is None or str(given) in ("", "-"):
            continue
        place = Path(given).resolve()
        if target == place or (place.is_dir() and path.exists() and place in target.parents):
            where = "is also" if target == place else "is a file of"
            raise ValueError(f"{option} {path} {where} {other} {given}: writing it would replace that file")
    return path
