"""``LiquidationMap``: the liquidation-map engine as a NautilusTrader ``Indicator``.

Like Nautilus' ``examples/indicators/ema_python.py``, the ``handle_*`` methods only unpack Nautilus objects
and call numeric ``update_*_raw`` methods; the mathematics is the numpy (+ numba kernels), Nautilus-free
:class:`~liqheat_nautilus.core.engine.LiquidationMapEngine`.
"""

import dataclasses
import math
from typing import Any

import numpy as np
from nautilus_trader.core.correctness import PyCondition
from nautilus_trader.indicators import Indicator
from nautilus_trader.model.data import Bar, CustomData, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument

from liqheat_nautilus import validation
from liqheat_nautilus.core.clusters import ClusterInfo
from liqheat_nautilus.core.engine import LiquidationMapEngine
from liqheat_nautilus.core.engine_trades import check_time
from liqheat_nautilus.core.magnet import Magnet
from liqheat_nautilus.core.params import MapParams
from liqheat_nautilus.core.trades import trade_base_units
from liqheat_nautilus.core.units import NS_PER_HOUR, NS_PER_SECOND
from liqheat_nautilus.data import FundingRate, LongShortRatio, OpenInterest, TakerVolume

_HANDLERS: dict[type, str] = {OpenInterest: "open_interest", LongShortRatio: "long_short_ratio",
                               TakerVolume: "taker_volume", FundingRate: "funding_rate"}
"""The data type each ``handle_*`` method takes (for its error message)."""


class LiquidationMap(Indicator):
    """
    Estimated liquidation notional per price bin for one perpetual instrument.

    Feed it bars (``handle_bar``), optionally trade ticks (``handle_trade_tick``), open interest
    (``handle_open_interest``), funding (``handle_funding_rate``) and positioning data (``handle_long_short_ratio``,
    ``handle_taker_volume``). It is initialized once the first open-interest reading has placed the open interest
    on the map (or, in ``trades`` mode, once a trade opened a position).

    Parameters
    ----------
    params : MapParams, optional
        Engine parameters (model, leverage profile, grid, clusters...); defaults documented on
        :class:`~liqheat_nautilus.core.params.MapParams`.
    contract_multiplier : float, default 1.0
        The instrument's multiplier, to turn trade sizes into base units: base units per contract for linear
        contracts, USD per contract for inverse ones (``params.inverse``; e.g. 100 for Binance BTCUSD_PERP).
    instrument_id : InstrumentId or str, optional
        The instrument the map is of, as an ``InstrumentId`` or its string ``SYMBOL.VENUE`` (e.g.
        ``"BTCUSDT-PERP.BINANCE"``, parsed with ``InstrumentId.from_str``). ``None``: the instrument of the first
        Nautilus object handed to a ``handle_*`` method. ``handle_open_interest``, ``handle_funding_rate``,
        ``handle_long_short_ratio`` and ``handle_taker_volume`` with data of another instrument raise ``ValueError``
        (one map per instrument: filter your ``on_data`` on ``data.instrument_id``); they take their data type bare or
        in Nautilus' ``CustomData`` (as a backtest's ``on_data`` receives it) and raise ``TypeError`` naming any other
        type. Bars and trade ticks are not
        checked (per-bar cost): Nautilus' ``register_indicator_for_bars`` / ``_for_trade_ticks`` feed one bar type's
        or instrument's; the ``update_*_raw`` methods take numbers.

    Attributes
    ----------
    instrument_id : InstrumentId or None
        The map's instrument (given, or adopted from the first ``handle_*`` call; ``None`` before it).
    bars_dropped : int
        Bars handed to :meth:`handle_bar` that were older than the last bar the map saw, and dropped (e.g. history
        Nautilus feeds to registered indicators after live bars arrived); ``update_raw`` raises instead.

    Raises
    ------
    ValueError
        If ``params`` are invalid, ``contract_multiplier`` is not a finite number > 0, or ``instrument_id`` is a
        string that is not an instrument id ``SYMBOL.VENUE``.
    TypeError
        If ``instrument_id`` is neither ``None``, a string nor an ``InstrumentId``.

    Examples
    --------
    >>> from liqheat_nautilus import LiquidationMap, MapParams
    >>> liq_map = LiquidationMap(MapParams(model="isolated_mmr", leverage_profile="neutral"))

    Of an instrument (an inverse one gets the inverse formulas and its USD contract size):

    >>> from nautilus_trader.test_kit.providers import TestInstrumentProvider
    >>> LiquidationMap.for_instrument(TestInstrumentProvider.xbtusd_bitmex()).engine.params.inverse
    True
    """

    def __init__(self, params: MapParams | None = None, contract_multiplier: float = 1.0,
                 instrument_id: InstrumentId | str | None = None) -> None:
        params = params or MapParams()
        PyCondition.type(params, MapParams, "params")
        PyCondition.positive(contract_multiplier, "contract_multiplier")
        if not math.isfinite(contract_multiplier):  # inf passed, then every trade tick failed naming its quantity
            raise ValueError(f"contract_multiplier must be finite and > 0, was {contract_multiplier}")
        if isinstance(instrument_id, str):
            instrument_id = validation.instrument_id(instrument_id, "instrument_id")
        PyCondition.type_or_none(instrument_id, InstrumentId, "instrument_id")
        self.contract_multiplier = float(contract_multiplier)
        self._configured_instrument = instrument_id
        self.instrument_id: InstrumentId | None = instrument_id
        super().__init__(params=[params.model, params.leverage_profile, params.bin_bps or params.bin_size])
        self.engine = LiquidationMapEngine(params)
        self.clusters: list[ClusterInfo] = []
        self.bars_dropped = 0

    @classmethod
    def for_instrument(cls, instrument: Instrument, params: MapParams | None = None) -> "LiquidationMap":
        """
        Return the map of a Nautilus instrument: its id, its multiplier and whether it is inverse.

        What :class:`~liqheat_nautilus.actor.LiquidationMapActor` builds from the instrument in its cache, so a
        strategy using the indicator directly cannot get an inverse (coin-margined) contract's formulas or its
        trade sizes wrong.

        Parameters
        ----------
        instrument : Instrument
            The perpetual (e.g. ``CryptoPerpetual``); ``instrument.is_inverse`` sets ``params.inverse`` and
            ``instrument.multiplier`` the ``contract_multiplier`` (base units per contract for linear contracts, USD
            per contract for inverse ones).
        params : MapParams, optional
            Engine parameters (defaults: :class:`~liqheat_nautilus.core.params.MapParams`); their ``inverse`` is
            replaced by the instrument's.

        Returns
        -------
        LiquidationMap

        Raises
        ------
        ValueError
            If the parameters are invalid or the multiplier is not positive.
        TypeError
            If ``instrument`` is not a Nautilus ``Instrument``.
        """
        PyCondition.type(instrument, Instrument, "instrument")
        params = dataclasses.replace(params or MapParams(), inverse=bool(instrument.is_inverse))
        return cls(params, contract_multiplier=float(instrument.multiplier), instrument_id=instrument.id)

    # -- Nautilus handlers (unpack only) -----------------------------------------------------------------

    def _accept(self, data: Any, name: str, cls: type) -> Any:
        """
        Return ``data`` unwrapped from ``CustomData``; adopt the first instrument seen (see the class).

        Raises
        ------
        TypeError
            If ``data`` is ``None`` or not a ``cls`` (naming the ``handle_*`` method and what it was handed).
        ValueError
            If it is of another instrument than the map's.
        """
        PyCondition.not_none(data, name)
        if isinstance(data, CustomData):  # how a backtest delivers custom data to on_data
            data = data.data
        if not isinstance(data, cls):
            article = "an" if cls.__name__[0] in "AEIOU" else "a"
            raise TypeError(f"LiquidationMap.handle_{_HANDLERS[cls]} takes {article} {cls.__name__} (or CustomData "
                            f"of one), was handed {type(data).__name__}")
        checked: Any = data
        instrument_id = checked.instrument_id
        if self.instrument_id is None:
            self.instrument_id = instrument_id
        elif instrument_id != self.instrument_id:
            raise ValueError(f"LiquidationMap of {self.instrument_id} was handed {type(data).__name__} of "
                             f"{instrument_id}: one map per instrument (filter the data on its instrument_id before "
                             "handle_*)")
        return data

    def handle_bar(self, bar: Bar) -> None:
        """
        Update with a bar (its high/low sweep levels; its volume feeds the interval's volume profile).

        A bar older than the last one the map saw is dropped and counted in :attr:`bars_dropped` (Nautilus feeds
        requested history to registered indicators, possibly after live bars).

        Parameters
        ----------
        bar : Bar
            The bar (``ts_event`` = bar close).
        """
        PyCondition.not_none(bar, "bar")
        if self.instrument_id is None:  # adopted only: Nautilus' registration feeds the bars of one bar type
            self.instrument_id = bar.bar_type.instrument_id
        if bar.ts_event < self.engine.last_bar_ns:  # history after live bars: the map cannot go back in time
            self.bars_dropped += 1
            return
        self.update_raw(bar.high.as_double(), bar.low.as_double(), bar.close.as_double(),
                        bar.volume.as_double(), bar.ts_event)

    def handle_trade_tick(self, tick: TradeTick) -> None:
        """
        Update with a trade tick.

        Its price sweeps levels; its size and aggressor side feed taker volume and the ``trades`` entry mode.

        Parameters
        ----------
        tick : TradeTick
            The trade (size in the instrument's size unit).
        """
        PyCondition.not_none(tick, "tick")
        if self.instrument_id is None:  # adopted only: Nautilus' registration feeds one instrument's ticks
            self.instrument_id = tick.instrument_id
        price = tick.price.as_double()
        base = trade_base_units(tick.size.as_double(), price, self.contract_multiplier, self.engine.params.inverse)
        self.update_trade_raw(price, tick.ts_event, base, tick.aggressor_side == AggressorSide.SELLER)

    def handle_open_interest(self, oi: OpenInterest) -> None:
        """
        Update with an open-interest observation.

        Parameters
        ----------
        oi : OpenInterest
            The observation (``open_interest_usd``; ``open_interest_base`` when finite).

        Raises
        ------
        ValueError
            If it is of another instrument than the map's (:attr:`instrument_id`).
        """
        oi = self._accept(oi, "oi", OpenInterest)
        self.update_open_interest_raw(oi.open_interest_usd, oi.ts_event, oi.open_interest_base)

    def handle_long_short_ratio(self, ratio: LongShortRatio) -> None:
        """
        Update with a venue's long/short ratio (splits open interest between the sides, ``side_split``).

        Parameters
        ----------
        ratio : LongShortRatio
            The ratio (longs ÷ shorts).

        Raises
        ------
        ValueError
            If it is of another instrument than the map's (:attr:`instrument_id`).
        """
        ratio = self._accept(ratio, "ratio", LongShortRatio)
        self.engine.update_long_short_ratio(ratio.ratio, ratio.ts_event)

    def handle_taker_volume(self, volume: TakerVolume) -> None:
        """
        Update with a period's taker buy/sell volume (``taker_share_skew``, ``taker_leverage_skew``).

        Parameters
        ----------
        volume : TakerVolume
            Taker buy and sell volume (USD).

        Raises
        ------
        ValueError
            If it is of another instrument than the map's (:attr:`instrument_id`).
        """
        volume = self._accept(volume, "volume", TakerVolume)
        self.engine.update_taker_volume(volume.buy_usd, volume.sell_usd, volume.ts_event)

    def handle_funding_rate(self, funding: FundingRate) -> None:
        """
        Update with a funding rate.

        A rate counts as *settled* (charged to open cohorts by the ``funding_adjusted`` model) when its next funding
        time is unknown (``0``) or a whole interval after ``ts_event`` (historical records stamped at their funding
        time); a rate observed between funding times (a venue's predicted rate, e.g. Binance's mark-price stream)
        only updates the current rate.

        Parameters
        ----------
        funding : FundingRate
            The funding rate (fraction per interval).

        Raises
        ------
        ValueError
            If it is of another instrument than the map's (:attr:`instrument_id`).
        """
        funding = self._accept(funding, "funding", FundingRate)
        interval_ns = funding.interval_hours * NS_PER_HOUR
        settled = (funding.next_funding_ns == 0
                   or funding.next_funding_ns - funding.ts_event >= interval_ns - NS_PER_SECOND)
        self.update_funding_raw(funding.rate, funding.ts_event, settled)

    # -- numeric updates ---------------------------------------------------------------------------------

    def update_raw(self, high: float, low: float, close: float, volume: float, ts_ns: int) -> None:
        """
        Update with raw bar values.

        Parameters
        ----------
        high, low, close : float
            Bar prices (> 0, low <= close <= high).
        volume : float
            Bar volume (>= 0).
        ts_ns : int
            Bar close time (UNIX ns).

        Raises
        ------
        ValueError
            If ``ts_ns`` is not an integer (a float such as ``1.7e18`` has lost its nanoseconds), or as
            :meth:`~liqheat_nautilus.core.engine.LiquidationMapEngine.update_bar` (which checks the type of the first
            bar's time only); the state is unchanged.
        """
        if ts_ns.__class__ is not int:  # (Nautilus' ts_event is one: handle_bar pays one comparison)
            check_time(ts_ns, "bar")
        self.engine.update_bar(high, low, close, volume, ts_ns)
        if not self.has_inputs:
            self._set_has_inputs(True)
        if not self.initialized and self.engine.initialized:  # trades mode: a batch opened at this bar
            self._set_initialized(True)

    def update_trade_raw(self, price: float, ts_ns: int, quantity: float = float("nan"),
                         is_buyer_maker: bool = False) -> None:
        """
        Update with a raw trade.

        Parameters
        ----------
        price : float
            Trade price (> 0).
        ts_ns : int
            Trade time (UNIX ns).
        quantity : float, optional
            Quantity in base units (``nan``: price only).
        is_buyer_maker : bool, default False
            True when the seller was the taker.
        """
        self.engine.update_trade(price, ts_ns, quantity, is_buyer_maker)
        if not self.has_inputs:
            self._set_has_inputs(True)
        if self.engine.initialized and not self.initialized:
            self._set_initialized(True)

    def update_open_interest_raw(self, oi_usd: float, ts_ns: int, oi_base: float = float("nan")) -> float:
        """
        Update with raw open interest.

        Parameters
        ----------
        oi_usd : float
            Open interest (USD notional, >= 0).
        ts_ns : int
            Observation time (UNIX ns).
        oi_base : float, optional
            Open interest in base units, when known.

        Returns
        -------
        float
            Notional opened by this reading (USD, both sides).

        Raises
        ------
        ValueError
            If a value is negative or not finite, or the reading is older than the previous one.
        """
        opened = self.engine.update_open_interest(oi_usd, ts_ns, oi_base)
        if self.engine.initialized and not self.initialized:
            self._set_initialized(True)
        return opened

    def update_funding_raw(self, rate: float, ts_ns: int, settled: bool = True) -> None:
        """
        Update with a raw funding rate (:meth:`~liqheat_nautilus.core.engine.LiquidationMapEngine.update_funding`).

        Parameters
        ----------
        rate : float
            Funding rate, a fraction per funding interval (0.0001 = 0.01 %).
        ts_ns : int
            Funding time (UNIX ns).
        settled : bool, default True
            Whether the rate was paid at ``ts_ns`` (False for a predicted rate: no cohort is charged).

        Raises
        ------
        ValueError
            If ``rate`` is not finite or ``ts_ns`` not an integer.
        """
        self.engine.update_funding(rate, ts_ns, settled)

    # -- reads ---------------------------------------------------------------------------------------------

    @property
    def price(self) -> float:
        """The last price seen (``nan`` before the first input)."""
        return self.engine.price

    @property
    def open_interest_usd(self) -> float:
        """The last open interest seen (USD, ``nan`` before the first)."""
        return self.engine.open_interest_usd

    @property
    def bin_edges(self) -> np.ndarray:
        """Price edges of the bins, shape ``(n_bins + 1,)``; empty before the first price."""
        return self.engine.grid.edges() if self.engine.grid is not None else np.empty(0)

    @property
    def long_usd(self) -> np.ndarray:
        """Long liquidation notional (USD) per bin, shape ``(n_bins,)`` (below price)."""
        return self.engine.long_usd()

    @property
    def short_usd(self) -> np.ndarray:
        """Short liquidation notional (USD) per bin, shape ``(n_bins,)`` (above price)."""
        return self.engine.short_usd()

    def magnet(self) -> Magnet:
        """
        Return the magnet forces and bias at the current price.

        Returns
        -------
        Magnet
            Forces up and down (USD / %²), net force and bias (``UP``, ``DOWN``, ``NEUTRAL``).
        """
        return self.engine.magnet()

    def update_clusters(self) -> list[ClusterInfo]:
        """
        Detect clusters now (stable ids) and keep them in :attr:`clusters`.

        Returns
        -------
        list[ClusterInfo]
            Current clusters followed by those cleared since the previous call.
        """
        self.clusters = self.engine.update_clusters()
        return self.clusters

    def _reset(self) -> None:
        self.engine.reset()
        self.clusters = []
        self.bars_dropped = 0
        self.instrument_id = self._configured_instrument
