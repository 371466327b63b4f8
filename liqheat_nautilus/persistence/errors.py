"""The error raised for bad input files."""

from pathlib import Path


class IngestError(ValueError):
    """
    A source file cannot be ingested.

    Parameters
    ----------
    path : str or Path
        The offending file.
    message : str
        What is wrong.
    row : int, optional
        1-based line number in the file (the header is line 1), when the error is in one row.
    field : str, optional
        The column or field name, when known.

    Notes
    -----
    ``str(error)`` reads ``"<path>: line <row>: field '<field>': <message>"`` with the unknown parts left out.
    """

    def __init__(self, path: str | Path, message: str, row: int | None = None, field: str | None = None) -> None:
        self.path = str(path)
        self.row = row
        self.field = field
        self.message = message
        where = self.path
        if row is not None:
            where += f": line {row}"
        if field is not None:
            where += f": field {field!r}"
        super().__init__(f"{where}: {message}")


class IngestOptionError(IngestError):
    """
    An ingest refused because of a value the user gave as an option: a usage error (exit 2 in the ``liqheat`` CLI).

    E.g. an ``--exchange-info`` file that does not list an instrument of the input files. Raised before anything
    is written; the message names the option and the file as :class:`IngestError` does.
    """


def require_file(path: str | Path) -> Path:
    """
    Return ``path`` as a ``Path`` when it is an existing file.

    Parameters
    ----------
    path : str or Path
        The file to check.

    Returns
    -------
    Path
        ``path``, unchanged, as a ``Path``.

    Raises
    ------
    IngestError
        Naming the path: ``file not found``, or ``is a folder, not a file``.
    """
    path = Path(path)
    if not path.is_file():
        raise IngestError(path, "is a folder, not a file" if path.is_dir() else "file not found")
    return path
