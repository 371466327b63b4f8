"""Exchange REST emulators for the local recorded-response server (test helper).

Market definitions come from ``fixtures/*.json`` (hand-written in each exchange's documented format). The time
series are SYNTHETIC: deterministic made-up candles, trades, open interest and funding rates, served in each
exchange's documented response layout and filtered/limited the way each endpoint documents it.
"""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
DAPI_EXCHANGE_INFO = Path(__file__).parents[1] / "binance" / "fixtures" / "binance_dapi_exchange_info_recorded.json"
T0 = 1_712_707_200_000  # 2024-04-10 00:00:00 UTC, ms
MINUTE = 60_000
HOUR = 3_600_000


def fixture(name: str):
    """The ``response`` of a fixture file."""
    return json.loads((FIXTURES / name).read_text())["response"]


@dataclass
class SyntheticSeries:
    """
    Synthetic (made-up, deterministic) market history.

    Attributes
    ----------
    candles : list of tuple
        ``(open_ms, open, high, low, close, volume)`` every minute.
    trades : list of tuple
        ``(id, ts_ms, price, qty, buyer_is_maker)``.
    oi : list of tuple
        ``(ts_ms, base_amount, usd_value)`` every 5 minutes.
    funding : list of tuple
        ``(ts_ms, rate)`` every 8 hours.
    """

    candles: list = field(default_factory=list)
    trades: list = field(default_factory=list)
    oi: list = field(default_factory=list)
    funding: list = field(default_factory=list)

    @classmethod
    def build(cls, minutes: int = 300, trade_count: int = 2500, funding_count: int = 30) -> "SyntheticSeries":
        """Synthetic series starting at :data:`T0`."""
        candles = []
        close = 70_000.0
        for i in range(minutes):
            open_ = close
            close = round(70_000.0 + 40.0 * math.sin(i / 7.0) + 2.0 * i, 1)
            high = round(max(open_, close) + 5.0, 1)
            low = round(min(open_, close) - 5.0, 1)
            candles.append((T0 + i * MINUTE, open_, high, low, close, round(1.5 + (i % 7) * 0.1, 3)))
        trades = []
        for k in range(trade_count):
            # three trades per millisecond stamp, one stamp a second, and no trades in the second hour
            ts = T0 + (k // 3) * 1000
            if ts >= T0 + HOUR:
                ts += HOUR
            trades.append((1_000_000 + k, ts, round(70_000.0 + (k % 50) * 0.1, 1), round(0.001 * (1 + k % 9), 3),
                           k % 4 == 0))
        oi = [(T0 + k * 5 * MINUTE, 80_000.0 + 10.0 * k, (80_000.0 + 10.0 * k) * 70_000.0)
              for k in range(minutes // 5)]
        funding = [(T0 + k * 8 * HOUR, round(0.0001 * ((k % 5) - 2), 8)) for k in range(funding_count)]
        return cls(candles, trades, oi, funding)


def _interval_ms(text: str) -> int:
    """Candle length of an interval parameter: Bybit minutes ("1", "5", "60"), others "1m", "5m", "1H"."""
    if text.isdigit():
        return int(text) * MINUTE
    return int(text[:-1]) * {"m": MINUTE, "h": HOUR, "H": HOUR}[text[-1]]


def candles_for(series: SyntheticSeries, interval: str) -> list:
    """The one-minute candles aggregated to ``interval`` (open of the first, max high, min low, last close, sum)."""
    step = _interval_ms(interval)
    if step == MINUTE:
        return series.candles
    groups: dict[int, list] = {}
    for row in series.candles:
        groups.setdefault(row[0] - (row[0] - T0) % step, []).append(row)
    return [(t, g[0][1], max(r[2] for r in g), min(r[3] for r in g), g[-1][4], round(sum(r[5] for r in g), 3))
            for t, g in sorted(groups.items())]


def _window(rows: list, ts_index: int, start: int | None, end: int | None) -> list:
    return [r for r in rows if (start is None or r[ts_index] >= start) and (end is None or r[ts_index] <= end)]


def _int(query: dict, key: str) -> int | None:
    return int(query[key]) if key in query else None


class BinanceUsdmEmulator:
    """Binance USD-M futures REST (``/fapi/v1/...``, ``/futures/data/...``), documented layouts; COIN-M's
    ``/dapi/v1/exchangeInfo`` answers the recorded COIN-M entry (``tests/adapters/binance/fixtures``)."""

    def __init__(self, series: SyntheticSeries, klines_override: list | None = None,
                 exchange_info: dict | None = None) -> None:
        self.series = series
        self.klines_override = klines_override
        self.exchange_info = exchange_info

    def respond(self, request) -> tuple[int, object]:
        q, path = request.query, request.path
        start, end = _int(q, "startTime"), _int(q, "endTime")
        limit = _int(q, "limit")
        if path == "/fapi/v1/exchangeInfo":
            return 200, self.exchange_info if self.exchange_info is not None else \
                fixture("binanceusdm_exchangeInfo.json")
        if path == "/dapi/v1/exchangeInfo":
            return 200, json.loads(DAPI_EXCHANGE_INFO.read_text())
        if path == "/fapi/v1/klines":
            if self.klines_override is not None:
                rows = [r for r in self.klines_override
                        if (start is None or r[0] >= start) and (end is None or r[0] <= end)]
                return 200, rows[: limit or 500]
            rows = _window(candles_for(self.series, q["interval"]), 0, start, end)[: limit or 500]
            return 200, [[t, f"{o:.2f}", f"{h:.2f}", f"{lo:.2f}", f"{c:.2f}", f"{v:.3f}", t + MINUTE - 1,
                          f"{v * c:.5f}", 10, f"{v / 2:.3f}", f"{v * c / 2:.5f}", "0"]
                         for t, o, h, lo, c, v in rows]
        if path == "/fapi/v1/aggTrades":
            rows = _window(self.series.trades, 1, start, end)[: limit or 500]
            return 200, [{"a": i, "p": f"{p:.1f}", "q": f"{qty:.3f}", "f": 2 * i, "l": 2 * i, "T": t, "m": m}
                         for i, t, p, qty, m in rows]
        if path == "/futures/data/openInterestHist":
            rows = _window(self.series.oi, 0, start, end)[: limit or 30]
            return 200, [{"symbol": q["symbol"], "sumOpenInterest": f"{a:.8f}", "sumOpenInterestValue": f"{v:.8f}",
                          "CMCCirculatingSupply": "19675000.00", "timestamp": t} for t, a, v in rows]
        if path == "/fapi/v1/fundingRate":
            rows = _window(self.series.funding, 0, start, end)[: limit or 100]
            return 200, [{"symbol": q["symbol"], "fundingTime": t, "fundingRate": f"{r:.8f}",
                          "markPrice": "70000.00000000"} for t, r in rows]
        return 404, {"code": -1121, "msg": f"Invalid symbol or path {path}."}


class BybitEmulator:
    """Bybit v5 market REST (``/v5/market/...``); lists are newest first, as documented."""

    def __init__(self, series: SyntheticSeries) -> None:
        self.series = series

    @staticmethod
    def _ok(result: dict) -> dict:
        return {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": T0}

    def respond(self, request) -> tuple[int, object]:
        q, path = request.query, request.path
        if path == "/v5/market/instruments-info":
            name = "bybit_instruments_linear.json" if q.get("category") == "linear" \
                else "bybit_instruments_inverse.json"
            return 200, fixture(name)
        if path == "/v5/market/kline":
            rows = _window(candles_for(self.series, q["interval"]), 0, _int(q, "start"), _int(q, "end"))
            rows = rows[-int(q.get("limit", 200)):][::-1]
            return 200, self._ok({"symbol": q["symbol"], "category": q["category"],
                                  "list": [[str(t), f"{o:.2f}", f"{h:.2f}", f"{lo:.2f}", f"{c:.2f}", f"{v:.3f}",
                                            f"{v * c:.4f}"] for t, o, h, lo, c, v in rows]})
        if path == "/v5/market/open-interest":
            rows = _window(self.series.oi, 0, _int(q, "startTime"), _int(q, "endTime"))
            rows = rows[-int(q.get("limit", 50)):][::-1]
            return 200, self._ok({"symbol": q["symbol"], "category": q["category"],
                                  "list": [{"openInterest": f"{a:.8f}", "timestamp": str(t)} for t, a, _ in rows],
                                  "nextPageCursor": ""})
        if path == "/v5/market/funding/history":
            rows = _window(self.series.funding, 0, _int(q, "startTime"), _int(q, "endTime"))
            rows = rows[-int(q.get("limit", 200)):][::-1]
            return 200, self._ok({"category": q["category"],
                                  "list": [{"symbol": q["symbol"], "fundingRate": f"{r:.8f}",
                                            "fundingRateTimestamp": str(t)} for t, r in rows]})
        return 404, {"retCode": 10001, "retMsg": f"unknown path {path}", "result": {}, "time": T0}


class OkxEmulator:
    """OKX v5 REST; ``before``/``after`` are exclusive bounds, data newest first, as documented."""

    def __init__(self, series: SyntheticSeries) -> None:
        self.series = series

    @staticmethod
    def _page(rows: list, ts_index: int, q: dict, lo_key: str = "before", hi_key: str = "after") -> list:
        lo, hi = _int(q, lo_key), _int(q, hi_key)
        rows = [r for r in rows if (lo is None or r[ts_index] > lo) and (hi is None or r[ts_index] < hi)]
        return rows[-int(q.get("limit", 100)):][::-1]

    def respond(self, request) -> tuple[int, object]:
        q, path = request.query, request.path
        if path == "/api/v5/public/instruments":
            return 200, fixture("okx_instruments_swap.json")
        if path in ("/api/v5/market/history-candles", "/api/v5/market/candles"):
            rows = self._page(candles_for(self.series, q.get("bar", "1m")), 0, q)
            # volume in contracts (ctVal 0.01 BTC): base volume x 100
            return 200, {"code": "0", "msg": "", "data": [
                [str(t), f"{o:.1f}", f"{h:.1f}", f"{lo:.1f}", f"{c:.1f}", f"{v * 100:.2f}", f"{v:.4f}",
                 f"{v * c:.2f}", "1"] for t, o, h, lo, c, v in rows]}
        if path == "/api/v5/rubik/stat/contracts/open-interest-history":
            rows = self._page(self.series.oi, 0, q, "begin", "end")
            return 200, {"code": "0", "msg": "", "data": [
                [str(t), f"{a * 100:.2f}", f"{a:.4f}", f"{v:.2f}"] for t, a, v in rows]}
        if path == "/api/v5/market/history-trades":
            assert q.get("type") == "2", "these tests page OKX trades by timestamp"
            rows = self._page(self.series.trades, 1, q)
            # sz in contracts of 0.01 BTC; side is the taker's
            return 200, {"code": "0", "msg": "", "data": [
                {"instId": q["instId"], "side": "sell" if m else "buy", "sz": f"{qty * 100:.2f}", "px": f"{p:.1f}",
                 "source": "0", "tradeId": str(i), "ts": str(t)} for i, t, p, qty, m in rows]}
        if path == "/api/v5/public/funding-rate-history":
            rows = self._page(self.series.funding, 0, q)
            return 200, {"code": "0", "msg": "", "data": [
                {"formulaType": "noRate", "fundingRate": f"{r:.8f}", "fundingTime": str(t), "instId": q["instId"],
                 "instType": "SWAP", "method": "current_period", "realizedRate": f"{r:.8f}"} for t, r in rows]}
        return 404, {"code": "51000", "msg": f"unknown path {path}", "data": []}


class HyperliquidEmulator:
    """Hyperliquid ``POST /info`` (``metaAndAssetCtxs``, ``candleSnapshot``, ``fundingHistory``)."""

    def __init__(self, series: SyntheticSeries) -> None:
        self.series = series

    def respond(self, request) -> tuple[int, object]:
        body = request.body
        kind = body.get("type")
        if request.path != "/info":
            return 404, {"error": f"unknown path {request.path}"}
        if kind in ("metaAndAssetCtxs", "meta"):
            meta = fixture("hyperliquid_metaAndAssetCtxs.json")
            return 200, meta if kind == "metaAndAssetCtxs" else meta[0]
        if kind == "candleSnapshot":
            req = body["req"]
            rows = _window(candles_for(self.series, req["interval"]), 0, req.get("startTime"),
                           req.get("endTime"))[:5000]
            return 200, [{"t": t, "T": t + MINUTE - 1, "s": req["coin"], "i": req["interval"], "o": f"{o:.1f}",
                          "c": f"{c:.1f}", "h": f"{h:.1f}", "l": f"{lo:.1f}", "v": f"{v:.5f}", "n": 10}
                         for t, o, h, lo, c, v in rows]
        if kind == "fundingHistory":
            rows = _window(self.series.funding, 0, body.get("startTime"), body.get("endTime"))[:500]
            return 200, [{"coin": body["coin"], "fundingRate": f"{r:.8f}", "premium": "0.0003", "time": t}
                         for t, r in rows]
        return 200, []
