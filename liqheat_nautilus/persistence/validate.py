"""``liqheat catalog validate``: data-quality checks of every stream in a Nautilus catalog.

Each stream (data class + identifier) is read file by file straight from Parquet (bounded memory, no Nautilus
objects) and checked for: timestamps going backwards (error), duplicates (error: repeated timestamps for bars, open
interest and funding, repeated trade ids for trades), overlapping files (error), negative/zero/NaN prices or sizes
(error), OHLC inconsistencies (error), gaps against the expected cadence (warning: bar interval, funding interval,
open-interest median step) and price outliers (warning: a close-to-close or trade-to-trade move above
``max_jump``, default 10 %). A stream folder whose files hold no row (or that holds no Parquet file) is an
``empty`` error naming the folder: a backtest or replay on it would silently get nothing. A data file without
every column of its class's schema is a ``missing-columns`` error, and a bar or trade-tick file whose price/size
precision is not its instrument definition's a ``precision`` error, each naming the file.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from nautilus_trader.model.objects import FIXED_SCALAR

from liqheat_nautilus.core.units import NS_PER_DAY, NS_PER_HOUR, NS_PER_MINUTE, NS_PER_SECOND
from liqheat_nautilus.persistence.checks import price_jumps
from liqheat_nautilus.persistence.scan import (
    INSTRUMENT_TYPES,
    MissingColumnsError,
    StreamInfo,
    precision_mismatches,
    require_catalog,
    scan_catalog,
    unreadable,
)
from liqheat_nautilus.persistence.timestamps import EARLIEST_NS, latest_ns
from liqheat_nautilus.persistence.transaction import consistent_read

ERROR = "error"
WARNING = "warning"
_BAR_UNITS_NS = {"SECOND": NS_PER_SECOND, "MINUTE": NS_PER_MINUTE, "HOUR": NS_PER_HOUR,
                 "DAY": NS_PER_DAY}


@dataclass(frozen=True)
class Finding:
    """
    One problem found in a stream.

    Attributes
    ----------
    severity : str
        ``"error"`` or ``"warning"``.
    stream : str
        ``"<type>/<identifier>"``.
    check : str
        Short name (``duplicates``, ``gaps``, ``non-monotonic``, ``time-range``, ``bad-values``, ``ohlc``,
        ``outliers``, ``overlap``, ``unreadable``, ``missing-columns``, ``precision``, ``no-instrument``,
        ``empty``).
    count : int
        How many rows (or gaps) are affected.
    detail : str
        The first example, human-readable (UTC times).
    """

    severity: str
    stream: str
    check: str
    count: int
    detail: str


@dataclass
class ValidationReport:
    """
    Findings of a catalog validation.

    Attributes
    ----------
    catalog : str
        The catalog folder.
    streams : list[StreamInfo]
        Streams checked.
    findings : list[Finding]
        Problems, in stream order.
    """

    catalog: str
    streams: list[StreamInfo] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """Findings with severity ``error``."""
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """Findings with severity ``warning``."""
        return [f for f in self.findings if f.severity == WARNING]

    def format(self) -> str:
        """
        Return a readable multi-line report.

        Returns
        -------
        str
        """
        definitions = sum(s.type_name in INSTRUMENT_TYPES for s in self.streams)  # counted apart, as `info` does
        lines = [f"catalog {self.catalog}: {len(self.streams) - definitions} streams, {definitions} instrument "
                 f"definition(s), {len(self.errors)} errors, {len(self.warnings)} warnings"]
        by_stream: dict[str, list[Finding]] = {}
        for finding in self.findings:
            by_stream.setdefault(finding.stream, []).append(finding)
        for info in self.streams:
            name = f"{info.type_name}/{info.identifier}"
            found = by_stream.pop(name, [])
            status = "OK" if not found else ("ERRORS" if any(f.severity == ERROR for f in found) else "warnings")
            lines.append(f"  {name}  ({info.rows:,} rows)  {status}")
            lines.extend(f"    {f.severity.upper():<7} {f.check:<13} {f.count:>9,}  {f.detail}" for f in found)
        for name, found in by_stream.items():
            lines.append(f"  {name}")
            lines.extend(f"    {f.severity.upper():<7} {f.check:<13} {f.count:>9,}  {f.detail}" for f in found)
        return "\n".join(lines)


def _utc(ns: int) -> str:
    return str(np.datetime64(int(ns), "ns")) + "Z"


def decode_fixed(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """
    Decode a Nautilus fixed-point Parquet column (``Price``/``Quantity`` raw values) to float64.

    Nautilus stores raw values as little-endian signed integers in ``fixed_size_binary[16]`` (high-precision
    build, scaled by ``FIXED_SCALAR`` = 1e16) or ``fixed_size_binary[8]`` (standard build, 1e9).

    Parameters
    ----------
    column : pa.ChunkedArray or pa.Array
        The column.

    Returns
    -------
    np.ndarray, shape (n,), float64
    """
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_floating(array.type) or pa.types.is_integer(array.type):
        return array.to_numpy(zero_copy_only=False).astype(np.float64)
    width = array.type.byte_width
    raw = np.frombuffer(array.buffers()[1], dtype=np.uint8)[array.offset * width:(array.offset + len(array)) * width]
    if width == 16:
        words = raw.view("<u8").reshape(-1, 2)
        value = words[:, 1].view("<i8").astype(np.float64) * 18446744073709551616.0 + words[:, 0].astype(np.float64)
        return value / FIXED_SCALAR
    if width == 8:
        return raw.view("<i8").astype(np.float64) / 1e9
    raise ValueError(f"unsupported fixed-point width {width}")


class _StreamChecker:
    """Carries state across the files of one stream and collects findings."""

    def __init__(self, info: StreamInfo, max_jump: float) -> None:
        self.info = info
        self.name = f"{info.type_name}/{info.identifier}"
        self.max_jump = max_jump
        self.counts: dict[tuple[str, str], list] = {}
        self.prev_ts: int | None = None
        self.prev_price: float | None = None
        self.prev_ids: set = set()

    def add(self, severity: str, check: str, count: int, detail: str) -> None:
        """Count ``count`` findings of a check (the first detail is kept)."""
        if count <= 0:
            return
        entry = self.counts.setdefault((severity, check), [0, detail])
        entry[0] += count

    def findings(self) -> list[Finding]:
        """Return the findings of this stream so far."""
        return [Finding(sev, self.name, check, n, detail) for (sev, check), (n, detail) in self.counts.items()]

    def first(self, mask: np.ndarray, ts: np.ndarray, what: str, values: np.ndarray | None = None) -> str:
        """Describe the first flagged row: its UTC time, what is wrong and the value."""
        pos = int(np.flatnonzero(mask)[0])
        extra = f" ({values[pos]!r})" if values is not None else ""
        return f"first at {_utc(ts[pos])}: {what}{extra}"

    def timestamps(self, ts: np.ndarray, unique: bool) -> None:
        """Check a batch of ``ts_init`` (UNIX ns) for backward steps and, when ``unique``, repeats."""
        full = np.concatenate(([self.prev_ts], ts)) if self.prev_ts is not None else ts
        steps = np.diff(full)
        back = steps < 0
        later = full[1:]
        if back.any():
            self.add(ERROR, "non-monotonic", int(back.sum()), self.first(back, later, "timestamp before the previous"))
        outside = (ts < EARLIEST_NS) | (ts > latest_ns())
        if outside.any():
            self.add(ERROR, "time-range", int(outside.sum()),
                     self.first(outside, ts, "time outside 2009-01-01 ... now + 1 day (a timestamp unit mix-up?)"))
        if unique:
            dup = steps == 0
            if dup.any():
                self.add(ERROR, "duplicates", int(dup.sum()), self.first(dup, later, "repeated timestamp"))
        if len(ts):
            self.prev_ts = int(ts[-1])

    def gaps(self, ts: np.ndarray, expected_ns: float, prev: int | None, what: str) -> None:
        """Warn about steps over 1.5x the expected cadence (ns) and count the missing rows."""
        if expected_ns <= 0:
            return
        full = np.concatenate(([prev], ts)) if prev is not None else ts
        steps = np.diff(full)
        gap = steps > 1.5 * expected_ns
        if gap.any():
            missing = int(np.sum(np.round(steps[gap] / expected_ns) - 1))
            pos = int(np.flatnonzero(gap)[0])
            self.add(WARNING, "gaps", int(gap.sum()),
                     f"{missing:,} missing {what}; first gap {_utc(full[pos])} -> {_utc(full[pos + 1])}")

    def jumps(self, ts: np.ndarray, price: np.ndarray) -> None:
        """Warn about log-price moves beyond ``max_jump`` (fraction) between consecutive rows."""
        valid = np.isfinite(price) & (price > 0)
        p = price[valid]
        t = ts[valid]
        if not len(p):
            return
        moves, out = price_jumps(p, self.max_jump, self.prev_price)
        times = t if self.prev_price is not None else t[1:]
        if out.any():
            pos = int(np.flatnonzero(out)[0])
            self.add(WARNING, "outliers", int(out.sum()),
                     f"first at {_utc(times[pos])}: move of {np.expm1(moves[pos]) * 100:.1f} % "
                     f"(threshold {self.max_jump * 100:.0f} %)")
        self.prev_price = float(p[-1])


def _bar_step_ns(identifier: str) -> int:
    parts = identifier.split("-")
    try:
        return int(parts[-4]) * _BAR_UNITS_NS[parts[-3]]
    except (IndexError, KeyError, ValueError):
        return 0


def _check_bars(chk: _StreamChecker, table: pa.Table, ts: np.ndarray, prev: int | None) -> None:
    o, h, lo, c, v = (decode_fixed(table.column(k)) for k in ("open", "high", "low", "close", "volume"))
    prices = np.stack([o, h, lo, c])
    bad = (~np.isfinite(prices) | (prices <= 0)).any(axis=0) | ~np.isfinite(v) | (v < 0)
    if bad.any():
        chk.add(ERROR, "bad-values", int(bad.sum()), chk.first(bad, ts, "non-positive/NaN price or negative volume"))
    ohlc = (h < np.maximum(np.maximum(o, c), lo)) | (lo > np.minimum(o, c))
    if ohlc.any():
        pos = int(np.flatnonzero(ohlc)[0])
        chk.add(ERROR, "ohlc", int(ohlc.sum()),
                f"first at {_utc(ts[pos])}: open={o[pos]} high={h[pos]} low={lo[pos]} close={c[pos]}")
    chk.gaps(ts, _bar_step_ns(chk.info.identifier), prev, "bars")
    chk.jumps(ts, c)


def _check_trades(chk: _StreamChecker, table: pa.Table, ts: np.ndarray) -> None:
    price, size = decode_fixed(table.column("price")), decode_fixed(table.column("size"))
    bad = ~np.isfinite(price) | (price <= 0) | ~np.isfinite(size) | (size <= 0)
    if bad.any():
        chk.add(ERROR, "bad-values", int(bad.sum()), chk.first(bad, ts, "non-positive/NaN price or size"))
    ids = table.column("trade_id").to_numpy(zero_copy_only=False)
    _, first_index, counts = np.unique(ids, return_index=True, return_counts=True)
    dup_count = int(np.sum(counts - 1))
    carried = sum(1 for i in ids[: 10_000] if i in chk.prev_ids)
    if dup_count or carried:
        repeated = ids[first_index[counts > 1][0]] if dup_count else next(i for i in ids if i in chk.prev_ids)
        chk.add(ERROR, "duplicates", dup_count + carried, f"repeated trade id {repeated!r}")
    if len(ts):
        chk.prev_ids = set(ids[ts == ts[-1]].tolist())
    chk.jumps(ts, price)


def _check_open_interest(chk: _StreamChecker, table: pa.Table, ts: np.ndarray, state: dict) -> None:
    usd = table.column("open_interest_usd").to_numpy().astype(np.float64)
    bad = ~np.isfinite(usd) | (usd < 0)
    if bad.any():
        chk.add(ERROR, "bad-values", int(bad.sum()), chk.first(bad, ts, "negative/NaN open_interest_usd", usd))
    zero = usd == 0
    if zero.any():
        chk.add(WARNING, "zero-values", int(zero.sum()), chk.first(zero, ts, "open_interest_usd is 0"))
    state.setdefault("ts", []).append(ts)


def _check_funding(chk: _StreamChecker, table: pa.Table, ts: np.ndarray, prev: int | None) -> None:
    rate = table.column("rate").to_numpy().astype(np.float64)
    bad = ~np.isfinite(rate)
    if bad.any():
        chk.add(ERROR, "bad-values", int(bad.sum()), chk.first(bad, ts, "NaN/infinite rate", rate))
    big = np.abs(rate) > 0.03
    if big.any():
        chk.add(WARNING, "outliers", int(big.sum()), chk.first(big, ts, "|rate| above 3 % per interval", rate))
    hours = table.column("interval_hours").to_numpy().astype(np.float64)
    if len(hours):
        chk.gaps(ts, float(np.median(hours)) * NS_PER_HOUR, prev, "funding times")


def _check_stream(info: StreamInfo, max_jump: float) -> list[Finding]:
    chk = _StreamChecker(info, max_jump)
    kind = info.type_name
    unique = kind in ("bar", "custom_open_interest", "custom_funding_rate")
    last_end = None
    state: dict = {}
    for file in info.files:
        try:
            table = pq.read_table(file)
        except (OSError, pa.ArrowException) as exc:
            chk.add(ERROR, "unreadable", 1, unreadable(file, exc).args[0])
            continue
        if "ts_init" not in table.column_names or not table.num_rows:
            continue
        ts = table.column("ts_init").to_numpy().astype(np.int64)
        if last_end is not None and len(ts) and ts[0] < last_end:
            chk.add(ERROR, "overlap", 1, f"file {file.name} starts at {_utc(ts[0])} before the previous file ends "
                                         f"({_utc(last_end)})")
        prev = chk.prev_ts
        chk.timestamps(ts, unique)
        try:
            if kind == "bar":
                _check_bars(chk, table, ts, prev)
            elif kind == "trade_tick":
                _check_trades(chk, table, ts)
            elif kind == "custom_open_interest":
                _check_open_interest(chk, table, ts, state)
            elif kind == "custom_funding_rate":
                _check_funding(chk, table, ts, prev)
        except (KeyError, ValueError, pa.ArrowException) as exc:  # a file without the columns of its type
            chk.add(ERROR, "unreadable", 1, f"{file}: not a {kind} file ({type(exc).__name__}: {exc})")
        if len(ts):
            last_end = int(ts[-1])
    if state.get("ts"):
        ts = np.concatenate(state["ts"])
        if len(ts) > 2:
            cadence = float(np.median(np.diff(ts)))
            chk.gaps(ts, cadence, None, f"readings (cadence {cadence / 60e9:g} min)")
    return chk.findings()


def _empty_stream(catalog_dir: Path, info: StreamInfo) -> Finding | None:
    """Return the ``empty`` error of a stream whose readable files hold no row (``None`` when it holds some)."""
    if info.rows:
        return None
    folder = catalog_dir / "data" / info.type_name / info.identifier
    if info.files:
        names = ", ".join(f.name for f in info.files[:3]) + (", ..." if len(info.files) > 3 else "")
        detail = f"{folder}: its {len(info.files)} Parquet file(s) hold 0 rows ({names})"
    else:
        detail = f"{folder}: holds no Parquet file"
    return Finding(ERROR, f"{info.type_name}/{info.identifier}", "empty", 1, detail)


def validate_catalog(catalog_dir: str | Path, max_jump: float = 0.10) -> ValidationReport:
    """
    Check every data stream of a catalog.

    The catalog is read as one committed state (:func:`~liqheat_nautilus.persistence.transaction.consistent_read`):
    a write committing meanwhile makes the validation start again. A file that is not readable Parquet is an
    ``unreadable`` error naming the file.

    Parameters
    ----------
    catalog_dir : str or Path
        The catalog folder.
    max_jump : float, default 0.10
        Relative price move between consecutive bars (closes) or trades above which a row is an outlier.

    Returns
    -------
    ValidationReport

    Raises
    ------
    FileNotFoundError
        If the folder does not exist or holds no ``data/`` folder.
    """
    catalog_dir = require_catalog(catalog_dir)
    return consistent_read(catalog_dir, lambda: _validate(catalog_dir, max_jump))


def _validate(catalog_dir: Path, max_jump: float) -> ValidationReport:
    broken: list[Finding] = []

    def on_error(error) -> None:
        path = Path(error.path)
        check = "missing-columns" if isinstance(error, MissingColumnsError) else "unreadable"
        broken.append(Finding(ERROR, f"{path.parent.parent.name}/{path.parent.name}", check, 1, str(error)))

    streams = scan_catalog(catalog_dir, on_error)
    report = ValidationReport(str(catalog_dir.resolve()), streams, broken)
    if not streams and not broken:  # was "0 streams, 0 errors", exit 0: a folder of nothing passed
        report.findings.append(Finding(ERROR, "data", "empty", 0, "the catalog holds no data (its data/ folder is "
                                       "empty); build it with `liqheat catalog ingest ...` or `liqheat catalog "
                                       "fetch ...`"))
    instruments = {s.identifier for s in streams if s.type_name in INSTRUMENT_TYPES}
    unreadable_streams = {f.stream for f in broken}
    for info in streams:
        empty = _empty_stream(catalog_dir, info)
        if empty and f"{info.type_name}/{info.identifier}" not in unreadable_streams:
            report.findings.append(empty)
        if info.type_name in INSTRUMENT_TYPES:
            continue
        report.findings.extend(_check_stream(info, max_jump))
        instrument = "-".join(info.identifier.split("-")[:-4]) if info.type_name == "bar" else info.identifier
        if instrument not in instruments:
            report.findings.append(Finding(WARNING, f"{info.type_name}/{info.identifier}", "no-instrument", 1,
                                           f"no instrument definition for {instrument}"))
    for instrument in sorted(instruments):
        report.findings.extend(_precision_findings(catalog_dir, instrument))
    return report


def _precision_findings(catalog_dir: Path, instrument: str) -> list[Finding]:
    """Return one ``precision`` error per stream of the instrument with files at another precision than its own."""
    by_stream: dict[str, list] = {}
    try:
        for mismatch in precision_mismatches(catalog_dir, instrument):
            by_stream.setdefault(f"{mismatch.file.parent.parent.name}/{mismatch.file.parent.name}", []).append(mismatch)
    except (OSError, KeyError, pa.ArrowException):  # an unreadable definition or file: reported as such
        pass
    return [Finding(ERROR, stream, "precision", len(found), str(found[0].error()))
            for stream, found in by_stream.items()]
