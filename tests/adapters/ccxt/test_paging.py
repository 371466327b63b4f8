"""Forward pagination over time windows (pure logic, SYNTHETIC rows)."""

from liqheat_nautilus.adapters.ccxt.paging import paginate, paginate_newest_first


def _fake_venue(rows, limit, newest_first=False):
    calls = []

    def fetch(since, until):
        calls.append((since, until))
        inside = [r for r in rows if since <= r[0] <= until]
        return inside[-limit:] if newest_first else inside[:limit]

    return fetch, calls


def test_walks_windows_and_full_pages():
    rows = [(t, f"id{t}") for t in range(0, 100, 2)]  # 50 rows, every 2 ms
    fetch, calls = _fake_venue(rows, limit=10)
    pages = list(paginate(fetch, lambda r: r[0], 0, 100, limit=10, window_ms=20))
    got = [r for p in pages for r in p.rows]
    assert got == rows
    # 20 ms windows hold 10 rows = a full page each, so the next request starts after the last row
    assert calls[:3] == [(0, 19), (19, 38), (39, 58)]


def test_empty_windows_are_stepped_over():
    rows = [(5, "a"), (95, "b")]
    fetch, calls = _fake_venue(rows, limit=10)
    got = [r for p in paginate(fetch, lambda r: r[0], 0, 100, limit=10, window_ms=30) for r in p.rows]
    assert got == rows
    assert calls == [(0, 29), (30, 59), (60, 89), (90, 99)]


def test_trades_sharing_a_millisecond_across_pages_are_not_lost_or_repeated():
    # 3 trades per millisecond; a page of 4 ends in the middle of millisecond 1
    rows = [(t // 3, f"t{t}") for t in range(12)]
    fetch, calls = _fake_venue(rows, limit=4)
    got = [r for p in paginate(fetch, lambda r: r[0], 0, 10, limit=4, window_ms=10, key_of=lambda r: r[1])
           for r in p.rows]
    assert got == rows
    assert calls[1][0] == 1  # resumed inside millisecond 1, its first trade skipped by id


def test_newest_first_pages_backward_inside_each_window():
    # 3 trades per millisecond, 7 milliseconds; the venue returns the newest 4 at or below the upper bound
    rows = [(t // 3, str(t)) for t in range(21)]  # ids are sequence numbers, as on OKX and Binance
    fetch, calls = _fake_venue(rows, limit=4, newest_first=True)
    pages = list(paginate_newest_first(fetch, lambda r: r[0], 0, 7, limit=4, window_ms=5, key_of=lambda r: r[1]))
    assert [r for p in pages for r in p.rows] == rows
    assert [(p.since, p.until) for p in pages] == [(0, 4), (5, 6)]
    assert calls[:2] == [(0, 4), (0, 3)]  # second request moved the upper bound down to the oldest row seen
