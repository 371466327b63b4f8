"""Column layouts of the data.binance.vision futures archives (as documented in binance/binance-public-data)."""

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class ArchiveLayout:
    """
    The columns of one kind of archive file, in file order.

    Attributes
    ----------
    kind : str
        ``klines``, ``aggTrades``, ``trades``, ``metrics`` or ``fundingRate``.
    columns : tuple[str, ...]
        Canonical column names in file order (used for header-less files).
    types : tuple[pa.DataType, ...]
        Arrow type of each column.
    aliases : dict[str, tuple[str, ...]]
        Other header names accepted for a column (COIN-M files name some columns differently).
    """

    kind: str
    columns: tuple[str, ...]
    types: tuple[pa.DataType, ...]
    aliases: dict[str, tuple[str, ...]]

    def accepts(self, position: int, header_name: str) -> bool:
        """Whether ``header_name`` is a valid header for the column at ``position``."""
        name = self.columns[position]
        return header_name.strip() == name or header_name.strip() in self.aliases.get(name, ())

    @property
    def column_types(self) -> dict[str, pa.DataType]:
        """Column name -> Arrow type."""
        return dict(zip(self.columns, self.types, strict=True))


_I, _F, _B, _S = pa.int64(), pa.float64(), pa.bool_(), pa.string()

LAYOUTS: dict[str, ArchiveLayout] = {
    layout.kind: layout
    for layout in (
        ArchiveLayout(
            "klines",
            ("open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "count",
             "taker_buy_volume", "taker_buy_quote_volume", "ignore"),
            (_I, _F, _F, _F, _F, _F, _I, _F, _I, _F, _F, _S),
            # COIN-M klines: volume in contracts, "quote" columns are in base asset.
            {"quote_volume": ("base_volume",), "taker_buy_quote_volume": ("taker_buy_base_volume",)},
        ),
        ArchiveLayout(
            "aggTrades",
            ("agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time",
             "is_buyer_maker"),
            (_I, _F, _F, _I, _I, _I, _B),
            {},
        ),
        ArchiveLayout(
            "trades",
            ("id", "price", "qty", "quote_qty", "time", "is_buyer_maker"),
            (_I, _F, _F, _F, _I, _B),
            # COIN-M trades: qty in contracts, base_qty in base asset.
            {"quote_qty": ("base_qty",)},
        ),
        ArchiveLayout(
            "metrics",
            ("create_time", "symbol", "sum_open_interest", "sum_open_interest_value",
             "count_toptrader_long_short_ratio", "sum_toptrader_long_short_ratio", "count_long_short_ratio",
             "sum_taker_long_short_vol_ratio"),
            (_S, _S, _F, _F, _S, _S, _S, _S),  # ratio columns are not used and may be blank
            {},
        ),
        ArchiveLayout(
            "fundingRate",
            ("calc_time", "funding_interval_hours", "last_funding_rate"),
            (_I, _F, _F),
            {},
        ),
    )
}
"""Layout per archive kind."""
