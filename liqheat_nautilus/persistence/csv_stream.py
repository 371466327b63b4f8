"""Streaming a (zipped) CSV file in Arrow record batches with bounded memory, naming the line of bad values.

Generic input plumbing used by the venue loaders (``adapters/<venue>/loaders.py``): a :class:`CsvLayout` says which
columns a kind of file has; :func:`iter_batches` streams it.
"""

import csv
import io
import time
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.csv as pacsv

from liqheat_nautilus.persistence.errors import IngestError, require_file

DEFAULT_BLOCK_BYTES = 8 << 20
"""Bytes of CSV text parsed per Arrow batch (8 MiB, about 120k aggTrades rows)."""

MAX_LINE_BYTES = 1 << 16
"""Longest accepted CSV line (64 KiB; exchange rows are under 200 bytes). A longer line is an error, read with bounded
memory, not a string the size of the file."""


def blank_line_error(path: str | Path, line: int) -> IngestError:
    """
    Return the error for a blank line between the rows of a data file (blank lines at the end are ignored).

    Parameters
    ----------
    path : str or Path
        The file.
    line : int
        1-based physical line of the (first) blank line.

    Returns
    -------
    IngestError
        Naming the file and the line.
    """
    return IngestError(path, "blank line between the rows: exchange files have none, so the file was edited or "
                             "joined from pieces (rows may be missing); remove the line or download the file again",
                       row=line)


@dataclass(frozen=True)
class CsvLayout:
    """
    The columns of one kind of CSV file, in file order.

    Attributes
    ----------
    kind : str
        Name of the kind of file (e.g. Binance ``klines``), used in error messages.
    columns : tuple[str, ...]
        Canonical column names in file order (used for header-less files).
    types : tuple[pa.DataType, ...]
        Arrow type of each column.
    aliases : dict[str, tuple[str, ...]]
        Other header names accepted for a column.
    """

    kind: str
    columns: tuple[str, ...]
    types: tuple[pa.DataType, ...]
    aliases: dict[str, tuple[str, ...]]

    def accepts(self, position: int, header_name: str) -> bool:
        """
        Whether ``header_name`` is a valid header for the column at ``position``.

        Parameters
        ----------
        position : int
            0-based column position in the file (``0 .. len(columns) - 1``).
        header_name : str
            The header row's name for that column (surrounding whitespace is ignored).

        Returns
        -------
        bool
            True when it is the column's canonical name or one of its :attr:`aliases`.
        """
        name = self.columns[position]
        return header_name.strip() == name or header_name.strip() in self.aliases.get(name, ())

    @property
    def column_types(self) -> dict[str, pa.DataType]:
        """Column name -> Arrow type."""
        return dict(zip(self.columns, self.types, strict=True))


@dataclass(frozen=True)
class Batch:
    """
    One block of parsed rows.

    Attributes
    ----------
    table : pa.RecordBatch
        The rows, with the layout's canonical column names and types.
    first_line : int
        1-based file line of the batch's first row (counting the header line when present).
    """

    table: pa.RecordBatch
    first_line: int


@contextmanager
def open_text(path: Path) -> Iterator[IO[bytes]]:
    """
    Open a ``.csv`` file, or the single CSV member of a ``.zip`` file, as a binary stream.

    Parameters
    ----------
    path : Path
        A ``.csv`` file, or a ``.zip`` file (by its suffix, any case) holding exactly one ``.csv`` member.

    Yields
    ------
    IO[bytes]
        The file's bytes (a zip member is decompressed as it is read), closed when the ``with`` block ends.

    Raises
    ------
    IngestError
        If the file is missing or the zip is unreadable or has no CSV member.
    """
    require_file(path)
    if path.suffix.lower() != ".zip":
        with open(path, "rb") as fh:
            yield fh
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise IngestError(path, f"not a readable zip archive: {exc}") from exc
    with archive:
        members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
        if len(members) != 1:
            raise IngestError(path, f"expected one CSV member in the zip, found {members}")
        try:
            with archive.open(members[0]) as fh:
                yield fh
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise IngestError(path, f"corrupt zip archive ({type(exc).__name__}: {exc}); download it again") \
                from None


def _first_line(path: Path) -> str:
    with open_text(path) as fh:
        return fh.readline(1 << 16).decode("utf-8", errors="replace").strip()


def _only_whitespace(path: Path) -> bool:
    """Whether the file (or the zip's CSV member) holds nothing but whitespace (read with bounded memory)."""
    with open_text(path) as fh:
        while chunk := fh.read(1 << 16):
            if chunk.strip():
                return False
    return True


def has_header(path: Path, layout: CsvLayout) -> bool:
    """
    Whether the file starts with a header row; checks the header names against the layout.

    Old archive files have no header; newer ones have one. A first line whose first field does not start with a
    digit (epoch times, ids and date-times all do) is a header.

    Parameters
    ----------
    path : Path
        The ``.csv`` file (or ``.zip`` with one CSV member).
    layout : CsvLayout
        The columns the file must have; a header's names are checked against them (and their aliases).

    Returns
    -------
    bool
        True when line 1 is a valid header, False when it is a data row.

    Raises
    ------
    IngestError
        For an empty file, a header with the wrong number of columns, or an unexpected column name (line 1).
    """
    line = _first_line(path)
    if not line:
        raise IngestError(path, "empty file" if _only_whitespace(path) else "line 1 is blank: the header or the first "
                                "row must come first", row=1)
    fields = next(csv.reader([line]))
    if fields[0].strip().lstrip("-")[:1].isdigit():
        return False
    if len(fields) != len(layout.columns):
        raise IngestError(path, f"header has {len(fields)} columns, the {layout.kind} layout has "
                                f"{len(layout.columns)}: {list(layout.columns)}", row=1)
    for position, name in enumerate(fields):
        if not layout.accepts(position, name):
            raise IngestError(path, f"unexpected column {name!r} at position {position + 1}, expected "
                                    f"{layout.columns[position]!r}", row=1, field=name)
    return True


def _bounded_lines(fh: IO[bytes], path: Path, max_line: int) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of a binary stream, refusing any line longer than ``max_line`` bytes."""
    line_no = 0
    while True:
        raw = fh.readline(max_line + 1)
        if not raw:
            return
        line_no += 1
        if len(raw) > max_line and not raw.endswith(b"\n"):
            raise IngestError(path, f"line longer than {max_line:,} bytes: not a row of a CSV data file",
                              row=line_no)
        yield line_no, raw.decode("utf-8", errors="replace")


def check_lines(path: Path, max_line: int = MAX_LINE_BYTES) -> None:
    """
    Read a file once with bounded memory; reject a line longer than ``max_line`` bytes or a blank line between rows.

    A reader that skips blank lines (pandas) numbers the rows after one a line too early; once this passed, the
    rows' lines are their positions. Blank lines at the end are accepted (they shift no row).

    Parameters
    ----------
    path : Path
        A ``.csv`` file (or ``.zip`` with one CSV member).
    max_line : int, default MAX_LINE_BYTES
        Longest accepted line (bytes).

    Raises
    ------
    IngestError
        Naming the first over-long line, or the first blank line followed by a row (:func:`blank_line_error`).
    """
    blank: int | None = None
    with open_text(path) as fh:
        for line_no, text in _bounded_lines(fh, path, max_line):
            if not text.strip():  # pandas skips whitespace-only lines too
                blank = blank or line_no
            elif blank is not None:
                raise blank_line_error(path, blank)


def locate_bad_value(path: Path, layout: CsvLayout, header: bool, max_line: int = MAX_LINE_BYTES) -> IngestError:
    """
    Scan the file row by row (slow path, used only after Arrow rejected a block) for the first bad row.

    Memory stays bounded: lines are read at most ``max_line`` bytes at a time.

    Parameters
    ----------
    path : Path
        The ``.csv`` file (or ``.zip`` with one CSV member) Arrow could not parse.
    layout : CsvLayout
        The expected columns and their Arrow types (``int64``, ``float64``, ``string`` or ``bool``).
    header : bool
        Whether line 1 is a header (:func:`has_header`), skipped.
    max_line : int, default MAX_LINE_BYTES
        Longest accepted line (bytes).

    Returns
    -------
    IngestError
        Naming the line and field of the first row that is too long, has a wrong field count or an unparsable
        value, or the first blank line followed by a row (:func:`blank_line_error`).
    """
    parsers: dict[pa.DataType, Callable[[str], object]] = {pa.int64(): int, pa.float64(): float, pa.string(): str,
               pa.bool_(): lambda s: {"true": True, "false": False}[s.strip().lower()]}
    blank: int | None = None
    try:
        with open_text(path) as fh:
            for line_no, text in _bounded_lines(fh, path, max_line):
                if header and line_no == 1:
                    continue
                row = next(csv.reader([text]), [])
                if not row:
                    blank = blank or line_no
                    continue
                if blank is not None:
                    return blank_line_error(path, blank)
                if len(row) != len(layout.columns):
                    return IngestError(path, f"expected {len(layout.columns)} fields, found {len(row)}: "
                                             f"{text.strip()[:200]!r}", row=line_no)
                for name, kind, value in zip(layout.columns, layout.types, row, strict=True):
                    try:
                        parsers[kind](value)
                    except (ValueError, KeyError):
                        return IngestError(path, f"cannot read {value[:100]!r} as {kind}", row=line_no, field=name)
    except IngestError as exc:
        return exc
    return IngestError(path, "unreadable CSV (no single bad row found)")


def iter_batches(path: str | Path, layout: CsvLayout,
                 block_bytes: int = DEFAULT_BLOCK_BYTES) -> Iterator[Batch]:
    """
    Stream a CSV file (plain or zipped, with or without header) in Arrow batches.

    Memory is bounded by ``block_bytes`` of text plus the parsed batch; a zip member is decompressed as a
    stream.

    Parameters
    ----------
    path : str or Path
        The ``.csv`` or ``.zip`` file.
    layout : CsvLayout
        Expected columns and types.
    block_bytes : int, default 8 MiB
        CSV bytes per batch.

    Yields
    ------
    Batch
        Rows in file order; ``first_line`` is the physical line of the first row (the header is line 1).

    Raises
    ------
    IngestError
        For a bad header, a blank line between rows (blank lines at the end are ignored), a row with a wrong
        number of fields or a value of the wrong type (naming line and field). Rows before the offending line are
        yielded first, so an error in them is reported first.
    """
    path = Path(path)
    header = has_header(path, layout)
    read_options = pacsv.ReadOptions(column_names=list(layout.columns), skip_rows=1 if header else 0,
                                     block_size=block_bytes)
    convert_options = pacsv.ConvertOptions(column_types=layout.column_types, strings_can_be_null=False, null_values=[],
                                           true_values=["true", "True", "TRUE"],
                                           false_values=["false", "False", "FALSE"])
    line = 2 if header else 1
    blanks = _BlankLines()  # Arrow skips blank lines: this says where the first one is, so rows keep their lines
    with open_text(path) as raw:
        fh: _NewlineGuard | None = _NewlineGuard(raw, limit=block_bytes, blanks=blanks)
        guard = weakref.ref(fh)  # after open_csv only Arrow holds the guard: see _release
        reader = None
        ran_away = False
        try:
            # through a buffered Arrow stream, Arrow copies what read() returns into its own memory: handed the
            # bytes objects themselves, it frees them later on its threads, which needs the GIL (see _release). A
            # 1 MiB buffer: as fast as the unbuffered read (an 8 MiB one cost ~13 % more CPU in page faults)
            reader = pacsv.open_csv(pa.input_stream(fh, buffer_size=_STREAM_BUFFER_BYTES), read_options=read_options,
                                    convert_options=convert_options)
            fh = None
            for table in reader:
                ran_away = _ran_away(guard)
                if ran_away:  # this batch may end in the cut line
                    break
                blank = blanks.first
                if blank is not None and blank < line + table.num_rows:  # rows follow a blank line
                    if blank > line:
                        yield Batch(table.slice(0, blank - line), line)
                    raise blank_line_error(path, blank)
                if table.num_rows:
                    yield Batch(table, line)
                line += table.num_rows
        except pa.ArrowInvalid as exc:
            raise locate_bad_value(path, layout, header) from exc
        finally:
            fh = reader = None
            ran_away = _release(guard) or ran_away
        if ran_away:
            raise locate_bad_value(path, layout, header)


def _ran_away(guard: weakref.ref) -> bool:
    """Whether the guard (while Arrow holds it) cut a line longer than its limit."""
    fh = guard()
    return fh is not None and fh.ran_away


_STREAM_BUFFER_BYTES = 1 << 20
"""Buffer of the Arrow stream over the newline guard (bytes)."""

_RELEASE_WAIT_S = 5.0
"""The longest :func:`_release` waits for Arrow's read-ahead thread to let go of the stream (seconds)."""


def _release(guard: weakref.ref) -> bool:
    """
    Stop the guard, wait until Arrow has let go of it and return whether it cut a line longer than its limit.

    Arrow reads ahead on a thread of its own, through Python, and releases the stream (and, unbuffered, the bytes
    objects read) on its threads, which takes the GIL. A thread taking the GIL while the interpreter shuts down is
    killed, and in Arrow's C++ frames that aborts the whole process ("terminate called without an active exception",
    exit 134): it happened, rarely, when a command exited right after a bad line. Once the guard is gone, Arrow's
    threads are done with Python. The wait releases the GIL (at most ``_RELEASE_WAIT_S``).

    Parameters
    ----------
    guard : weakref.ref
        Weak reference to the :class:`_NewlineGuard` Arrow reads through.

    Returns
    -------
    bool
        Whether the guard had cut a line (:attr:`_NewlineGuard.ran_away`).
    """
    fh = guard()
    ran_away = False
    if fh is not None:
        fh.stop()  # Arrow's read-ahead thread gets no more data once we are done
        ran_away = fh.ran_away
        del fh
    give_up = time.monotonic() + _RELEASE_WAIT_S
    while guard() is not None and time.monotonic() < give_up:
        time.sleep(0.002)
    return ran_away


class _BlankLines:
    """
    The physical line of a stream's first blank line, noted as the bytes pass (Arrow's CSV reader skips blank lines).

    Arrow parses only what was read, so when it yields a batch, every blank line before the batch's rows is known.
    """

    def __init__(self) -> None:
        self.first: int | None = None
        """1-based line of the first blank line seen, or ``None``."""
        self._newlines = 0
        self._carry = b""

    def note(self, data: bytes) -> None:
        """Count the lines of the next piece of the stream; stops once a blank line was found."""
        if self.first is not None or not data:
            return
        buf = self._carry + data  # a blank line may straddle two reads
        before = self._newlines - self._carry.count(b"\n")  # lines ended before buf
        hits = [i for i in (buf.find(b"\n\n"), buf.find(b"\n\r\n")) if i >= 0]
        if hits:
            self.first = before + buf.count(b"\n", 0, min(hits) + 1) + 1
            return
        self._newlines += data.count(b"\n")
        self._carry = buf[-2:]


class _NewlineGuard(io.RawIOBase):
    """
    A read-only binary stream passing another through, stopping at ``limit`` bytes without a newline.

    Arrow's CSV reader reads ahead on a thread: on a line longer than its block it would keep buffering the line
    (about 1 GB for a 300 MB line) after it has raised its "straddling object" error. Through this guard it gets at
    most one block past the last newline, then an end of file (:attr:`ran_away` is set: the reader must not trust
    the last rows Arrow parsed), and nothing once :meth:`stop` was called. The guard never raises: an exception
    raised on Arrow's thread is kept by Arrow and released later on that thread, which needs the GIL (see
    :func:`_release`).
    """

    def __init__(self, inner: IO[bytes], limit: int, blanks: _BlankLines | None = None) -> None:
        super().__init__()
        self._inner = inner
        self._blanks = blanks
        self._limit = limit
        self._since_newline = 0
        self._stopped = False
        self.ran_away = False
        """A line was longer than ``limit``: the read stopped there."""

    def readable(self) -> bool:
        return True

    def stop(self) -> None:
        """Serve no more data (end of file from now on)."""
        self._stopped = True

    def read(self, size: int = -1) -> bytes:
        if self._stopped:
            return b""
        data = self._inner.read(size)
        last = data.rfind(b"\n")
        self._since_newline = self._since_newline + len(data) if last < 0 else len(data) - last - 1
        if self._since_newline > self._limit:
            self.ran_away = self._stopped = True
            return b""
        if self._blanks is not None:
            self._blanks.note(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
