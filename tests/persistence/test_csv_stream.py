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
