"""The summary's PnL line in the settlement currency (a coin-margined run's fraction of a BTC does not read 0.00), the
comparison table's funding in the same decimals, and the time of the map update the summary's clusters come from.

The outcomes are SYNTHETIC stand-ins with the attributes ``format_summary`` reads (no run needed).
"""

import types

from liqheat_nautilus.backtest.metrics import format_table, formatted_row, strategy_row
from liqheat_nautilus.backtest.summary import format_summary, money_decimals


def _outcome(currency: str, pnl: float, pct: float, funding: float):
    spec = types.SimpleNamespace(name="x", data=types.SimpleNamespace(instrument_id="BTCUSD-PERP.BINANCE"),
                                 catalog_path=lambda: "/cat")
    result = types.SimpleNamespace(backtest_start=0, backtest_end=0, iterations=0, total_orders=4, total_positions=1,
                                   stats_pnls={currency: {"PnL (total)": pnl, "PnL% (total)": pct}})
    return types.SimpleNamespace(spec=spec, result=result, clusters_published=1, snapshots_published=1,
                                 clusters_received=None, entries=[], signals=[], signal_logs=1, orders_filled=2,
                                 funding_total=funding, funding_payments=[{}], row=None, final_clusters=[],
                                 results_path=None, map_actors=1, map_missing=[], catalog_changed=False)


def test_a_coin_margined_result_is_printed_to_the_satoshi():
    text = format_summary(_outcome("BTC", -0.00084612, -0.0846, 0.00001234))
    assert "PnL              -0.00084612 BTC (-0.085 %), funding +0.00001234 over 1 payments" in text


def test_a_stablecoin_result_keeps_cents():
    text = format_summary(_outcome("USDT", -1703.7412, -1.704, 16.3012))
    assert "PnL              -1,703.74 USDT (-1.704 %), funding +16.30 over 1 payments" in text
    assert (money_decimals("USDT"), money_decimals("usd"), money_decimals("ETH")) == (2, 2, 8)


def _result(currency: str):
    return types.SimpleNamespace(total_positions=1, stats_returns={},
                                 stats_pnls={currency: {"PnL (total)": -1.0, "PnL% (total)": -0.1, "Win Rate": 0.0}})


def test_the_comparison_table_prints_a_coin_margined_funding_as_the_summary_does():
    # `backtest --all`: funding of 0.00001234 BTC read "+0.00" (2 decimals whatever the currency)
    row = strategy_row("cm", _result("BTC"), None, funding=0.00001234)
    assert formatted_row(row)["funding"] == "+0.00001234"
    assert "+0.00001234" in format_table([row]) and "+0.00001234" in format_table([row], markdown=True)
    assert "funding +0.00001234 over" in format_summary(_outcome("BTC", -0.00084612, -0.0846, 0.00001234))


def test_the_comparison_table_keeps_cents_for_a_stablecoin_funding():
    assert formatted_row(strategy_row("um", _result("USDT"), None, funding=16.3012))["funding"] == "+16.30"
    row = strategy_row("um", _result("USDT"), None, funding=16.3012)
    assert "currency" not in row.to_dict()  # the comparison CSV's columns are unchanged


def test_the_clusters_listed_say_which_map_update_they_were_read_at():
    # the summary's clusters are those of the last (hourly) map update, not of the last bar: it said "at the end"
    import pandas as pd

    outcome = _outcome("USDT", 1.0, 0.001, 0.0)
    cluster = types.SimpleNamespace(cluster_id=7, side="LONG", price_level=63.05, price_low=61.88, price_high=63.98,
                                    notional_usd=6.0e7, leverage_tier=24.0, strength=1.0, distance_pct=-10.63)
    update = int(pd.Timestamp("2026-06-26T15:01:00Z").value)
    outcome.final_clusters, outcome.final_clusters_ns = [cluster], update
    text = format_summary(outcome)
    assert "  strongest clusters at the last map update, 2026-06-26 15:01:00+00:00 (top 1):" in text
    assert "at the end" not in text
