"""``persistence.csv_stream``: Arrow's read-ahead thread holds no Python object once a read has ended."""

import zipfile

import pyarrow as pa
import pytest

import liqheat_nautilus.persistence.csv_stream as csv_stream
from liqheat_nautilus.persistence.csv_stream import CsvLayout, iter_batches
from liqheat_nautilus.persistence.errors import IngestError

_F = pa.float64()
LAYOUT = CsvLayout("rows", ("a", "b", "c"), (_F, _F, _F), {})


class _Tracked(bytes):
    """A chunk handed to Arrow whose freeing is counted."""

    live = 0

    def __del__(self):
        type(self).live -= 1


@pytest.fixture
def tracked_reads(monkeypatch):
    """Every chunk the guard serves is a :class:`_Tracked`; yields a function returning how many are still alive."""
    read = csv_stream._NewlineGuard.read

    def tracked(self, size=-1):
        data = read(self, size)
        _Tracked.live += 1
        return _Tracked(data)

    monkeypatch.setattr(csv_stream._NewlineGuard, "read", tracked)
    _Tracked.live = 0
    return lambda: _Tracked.live


def _write(path, text: bytes) -> None:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(path.stem + ".csv", text)
    else:
        path.write_bytes(text)


# SYNTHETIC rows. Arrow frees what it still holds on its own threads; a thread that needs the GIL for it while the
# interpreter shuts down aborts the process ("terminate called without an active exception", exit 134: seen once in
# the fault tests after a bad line). So nothing read may still be held by Arrow when iter_batches has ended.
@pytest.mark.parametrize("suffix", [".csv", ".zip"])
@pytest.mark.parametrize("case", ["bad value", "long line", "whole file"])
def test_no_chunk_outlives_the_read(tmp_path, tracked_reads, suffix, case):
    good = b"1.0,2.0,3.0\n" * 20_000
    text = {"bad value": good + b"1.0,x,3.0\n" + good * 5,
            "long line": good + b"9" * 200_000 + b"\n" + good,
            "whole file": good * 6}[case]
    path = tmp_path / f"rows{suffix}"
    _write(path, text)
    rows = 0
    error = None
    try:
        for batch in iter_batches(path, LAYOUT, block_bytes=1 << 16):
            rows += batch.table.num_rows
    except IngestError as exc:
        error = exc  # kept alive with its traceback, as a CLI printing it does
    if case == "whole file":
        assert error is None and rows == 120_000
    elif case == "bad value":
        assert "line 20001" in str(error) and "'b'" in str(error), error
    else:
        assert "line 20001" in str(error) and "longer than" in str(error), error
    assert tracked_reads() == 0


def _lines_read(path, block_bytes=1 << 16):
    """``(first_line, rows)`` of every batch, and the error raised (or None)."""
    seen = []
    try:
        for batch in iter_batches(path, LAYOUT, block_bytes=block_bytes):
            seen.append((batch.first_line, batch.table.num_rows))
    except IngestError as exc:
        return seen, exc
    return seen, None


# SYNTHETIC rows. Arrow skips blank lines: the rows after one were numbered one line too early (an error at line 6
# was reported at line 4) and the blank line passed without a word.
@pytest.mark.parametrize("suffix", [".csv", ".zip"])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
@pytest.mark.parametrize("header", [False, True])
def test_a_blank_line_between_rows_is_named_by_its_physical_line(tmp_path, suffix, newline, header):
    top = [b"a,b,c"] if header else []
    rows = [b"%d.0,2.0,3.0" % i for i in range(3000)]
    blank_at = len(top) + 2000 + 1  # 1-based physical line of the first blank line: after the header and 2000 rows
    text = newline.join([*top, *rows[:2000], b"", b"", *rows[2000:]]) + newline
    path = tmp_path / f"rows{suffix}"
    _write(path, text)
    seen, error = _lines_read(path, block_bytes=4096)  # many batches; the blank line falls inside one
    assert error is not None and error.row == blank_at and "blank line" in error.message, error
    assert error.path == str(path)
    assert seen and seen[0][0] == 1 + len(top)
    assert all(first + n == nxt for (first, n), (nxt, _) in zip(seen, seen[1:], strict=False))  # contiguous lines
    assert sum(n for _, n in seen) == 2000  # the rows before the blank line, every one, then the error


@pytest.mark.parametrize("block_bytes", [4096, 1 << 20])
def test_an_error_is_reported_at_its_physical_line_whatever_comes_before(tmp_path, block_bytes):
    # a bad value before a blank line: named first, at its own line (Arrow's slow path and the fast path agree)
    rows = [b"%d.0,2.0,3.0" % i for i in range(3000)]
    rows[1500] = b"1.0,x,3.0"
    path = tmp_path / "rows.csv"
    _write(path, b"a,b,c\n" + b"\n".join(rows[:2000]) + b"\n\n" + b"\n".join(rows[2000:]) + b"\n")
    _, error = _lines_read(path, block_bytes)
    assert (error.row, error.field) == (1502, "b"), error  # header + 1-based
    # a bad value after a blank line: the blank line, at its line, comes first
    rows[1500], rows[2500] = b"1.0,2.0,3.0", b"1.0,x,3.0"
    _write(path, b"\n".join(rows[:2000]) + b"\n\n\n" + b"\n".join(rows[2000:]) + b"\n")
    _, error = _lines_read(path, block_bytes)
    assert (error.row, error.field) == (2001, None) and "blank line" in error.message, error


@pytest.mark.parametrize("suffix", [".csv", ".zip"])
def test_blank_lines_at_the_end_are_ignored_and_a_blank_first_line_is_named(tmp_path, suffix):
    path = tmp_path / f"rows{suffix}"
    _write(path, b"1.0,2.0,3.0\n4.0,5.0,6.0\n\n\r\n")
    seen, error = _lines_read(path)
    assert error is None and seen == [(1, 2)]
    _write(path, b"\n1.0,2.0,3.0\n")
    _, error = _lines_read(path)
    assert error.row == 1 and "line 1 is blank" in error.message, error
    _write(path, b"\n \n")
    _, error = _lines_read(path)
    assert error.row == 1 and error.message == "empty file", error
