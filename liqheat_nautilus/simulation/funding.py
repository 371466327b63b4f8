"""``FundingModule``: perpetual-futures funding payments in Nautilus backtests.

Nautilus' simulated exchange charges no funding. This ``SimulationModule`` (the venue hook Nautilus uses for its
``FXRolloverInterestModule``) applies each funding settlement to the open positions of the venue:

    payment = rate x position notional at the mark,

with the notional from Nautilus' ``Instrument.notional_value(quantity, mark)`` (quote currency for linear
contracts, base currency for inverse ones) and the mark the last bar close / trade price / quote mid the venue saw
for the instrument (falling back to the cache's last price). With ``rate > 0`` longs pay and shorts receive;
with ``rate < 0`` the reverse (the convention of Binance, OKX and Bybit perpetuals). The account balance changes by
the payment through an ``AccountState`` event of the venue's execution client (as
``SimulatedExchange.adjust_account`` does), so Nautilus' account reports and the portfolio analyzer's
total PnL include funding (per-position realized PnL does not).

Funding comes from this package's :class:`~liqheat_nautilus.data.FundingRate` custom data (``BacktestDataConfig``
with a ``client_id``, or ``CustomData`` in ``BacktestEngine.add_data``) and from Nautilus' ``FundingRateUpdate``.
Each record is one settlement, applied once at its ``ts_event`` (duplicates of the same instrument and time are
ignored), so feed settled rates, not streams of predicted rates.

Configure it on the venue::

    BacktestVenueConfig(..., modules=[ImportableActorConfig(
        actor_path="liqheat_nautilus.simulation.funding:FundingModule",
        config_path="liqheat_nautilus.simulation.funding:FundingModuleConfig", config={})])
"""

import bisect
from dataclasses import asdict, dataclass

from nautilus_trader.backtest.config import SimulationModuleConfig
from nautilus_trader.backtest.modules import SimulationModule
from nautilus_trader.model.data import Bar, CustomData, FundingRateUpdate, QuoteTick, TradeTick
from nautilus_trader.model.enums import PriceType, position_side_to_str
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import AccountBalance, Money, Price

from liqheat_nautilus import validation
from liqheat_nautilus.data import FundingRate

PAYMENTS_TOPIC = "liqheat.funding.payments"
"""Message-bus topic on which each :class:`FundingPayment` is published (as a ``dict``)."""


class FundingModuleConfig(SimulationModuleConfig, frozen=True):
    """
    Configuration of :class:`FundingModule`.

    Parameters
    ----------
    instrument_ids : list[str], optional
        Only these instruments (default: every instrument of the venue that gets funding data).
    """

    instrument_ids: list[str] | None = None

    def __post_init__(self) -> None:
        """
        Check ``instrument_ids`` when the config is built.

        Raises
        ------
        ValueError
            If ``instrument_ids`` is not a list of instrument ids (e.g. one string, or ``"BTCUSDT"`` without venue)
            or lists an instrument twice.
        """
        validation.instrument_ids(self.instrument_ids, "FundingModuleConfig.instrument_ids")


@dataclass(frozen=True)
class FundingPayment:
    """
    One funding payment applied to one position.

    Attributes
    ----------
    ts : int
        Funding time (UNIX ns), the rate's ``ts_event``.
    instrument_id : str
    position_id : str
    side : str
        ``"LONG"`` or ``"SHORT"``.
    quantity : float
        Position quantity (contracts / base units).
    mark : float
        Price used for the notional.
    rate : float
        Funding rate (fraction per interval).
    notional : float
        ``Instrument.notional_value(quantity, mark)`` in ``currency``.
    amount : float
        Signed cash flow to the account (negative = paid): ``-rate x notional`` for a long, ``+rate x notional``
        for a short.
    currency : str
        Currency of ``notional`` and ``amount`` (converted to the account's base currency when it has one).
    """

    ts: int
    instrument_id: str
    position_id: str
    side: str
    quantity: float
    mark: float
    rate: float
    notional: float
    amount: float
    currency: str


class FundingModule(SimulationModule):
    """
    Applies funding rates to open positions of a simulated venue (see the module docstring).

    Parameters
    ----------
    config : FundingModuleConfig, optional
        The configuration.

    Attributes
    ----------
    payments : list[FundingPayment]
        Every payment applied, in order.
    skipped : list[tuple[int, str, str]]
        ``(ts, instrument_id, why)`` for settlements that could not be applied (no mark price).
    """

    def __init__(self, config: FundingModuleConfig | None = None) -> None:
        super().__init__(config or FundingModuleConfig())
        ids = self.config.instrument_ids
        self._only = {InstrumentId.from_str(i) for i in ids} if ids else None
        self._pending: list[tuple[int, int, InstrumentId, float]] = []  # (ts_event, seq, instrument, rate)
        self._seq = 0
        self._seen: set[tuple[InstrumentId, int]] = set()
        self._marks: dict[InstrumentId, float] = {}
        self._subscribed = False
        self.payments: list[FundingPayment] = []
        self.skipped: list[tuple[int, str, str]] = []

    def register_base(self, portfolio, msgbus, cache, clock) -> None:
        """
        Register with the kernel (called by the simulated exchange) and subscribe to funding data.

        Parameters
        ----------
        portfolio, msgbus, cache, clock
            As for any Nautilus ``Actor``.
        """
        super().register_base(portfolio, msgbus, cache, clock)
        if not self._subscribed:
            msgbus.subscribe(topic=f"data.{FundingRate.__name__}*", handler=self._on_funding)
            msgbus.subscribe(topic="data.funding_rates.*", handler=self._on_funding)
            self._subscribed = True

    def _on_funding(self, data) -> None:
        if isinstance(data, CustomData):
            data = data.data
        if not isinstance(data, FundingRate | FundingRateUpdate):
            return
        rate = float(data.rate)
        instrument_id = data.instrument_id
        if self._only is not None and instrument_id not in self._only:
            return
        key = (instrument_id, int(data.ts_event))
        if key in self._seen:
            return
        self._seen.add(key)
        self._seq += 1
        bisect.insort(self._pending, (int(data.ts_event), self._seq, instrument_id, rate))

    def pre_process(self, data) -> None:
        """
        Track the mark price of each instrument from the market data the venue processes.

        Parameters
        ----------
        data : Data
            A bar (close), trade tick (price) or quote tick (mid); other data is ignored.
        """
        if isinstance(data, Bar):
            self._marks[data.bar_type.instrument_id] = data.close.as_double()
        elif isinstance(data, TradeTick):
            self._marks[data.instrument_id] = data.price.as_double()
        elif isinstance(data, QuoteTick):
            self._marks[data.instrument_id] = (data.bid_price.as_double() + data.ask_price.as_double()) / 2.0

    def process(self, ts_now: int) -> None:
        """
        Apply every pending settlement whose funding time is at or before ``ts_now``.

        Parameters
        ----------
        ts_now : int
            The simulated exchange's current time (UNIX ns).
        """
        while self._pending and self._pending[0][0] <= ts_now:
            ts, _, instrument_id, rate = self._pending.pop(0)
            self._apply(ts, instrument_id, rate)

    def _mark(self, instrument_id: InstrumentId) -> float | None:
        mark = self._marks.get(instrument_id)
        if mark is None:
            price = self.exchange.cache.price(instrument_id, PriceType.LAST)
            if price is None:
                price = self.exchange.cache.price(instrument_id, PriceType.MID)
            mark = price.as_double() if price is not None else None
        return mark

    def _apply(self, ts: int, instrument_id: InstrumentId, rate: float) -> None:
        instrument = self.exchange.instruments.get(instrument_id)
        if instrument is None:
            return  # not traded on this venue
        positions = self.exchange.cache.positions_open(instrument_id=instrument_id)
        if not positions or rate == 0.0:
            return
        mark = self._mark(instrument_id)
        if mark is None:
            self.skipped.append((ts, instrument_id.value, "no mark price"))
            self.log.warning(f"funding {rate} at {ts} for {instrument_id} not applied: no mark price")
            return
        mark_price = Price(mark, instrument.price_precision)
        totals: dict = {}
        for position in positions:
            notional = instrument.notional_value(position.quantity, mark_price)
            currency = notional.currency
            amount = (-1.0 if position.is_long else 1.0) * rate * notional.as_double()
            base = self.exchange.base_currency
            if base is not None and base != currency:
                xrate = self.exchange.cache.get_xrate(instrument_id.venue, currency, base, PriceType.MID)
                if not xrate:
                    self.skipped.append((ts, instrument_id.value, f"no {currency}/{base} rate"))
                    continue
                amount *= float(xrate)
                currency = base
            totals[currency] = totals.get(currency, 0.0) + amount
            payment = FundingPayment(
                ts=ts, instrument_id=instrument_id.value, position_id=position.id.value,
                side=position_side_to_str(position.side), quantity=position.quantity.as_double(), mark=mark,
                rate=rate, notional=notional.as_double(), amount=amount, currency=currency.code,
            )
            self.payments.append(payment)
            self.msgbus.publish(topic=PAYMENTS_TOPIC, msg=asdict(payment))
        for currency, amount in totals.items():
            self._adjust_account(Money(amount, currency))

    def _adjust_account(self, adjustment: Money) -> None:
        # Like SimulatedExchange.adjust_account, but with a new AccountBalance: adjust_account mutates the
        # balance object that earlier AccountState events still reference, which rewrites the account report.
        exchange = self.exchange
        if exchange.is_frozen_account:
            return
        account = exchange.cache.account_for_venue(exchange.exec_client.venue)
        balance = account.balance(adjustment.currency) if account is not None else None
        if balance is None:
            self.log.error(f"cannot apply funding {adjustment}: no {adjustment.currency} balance at the venue")
            return
        currency = adjustment.currency
        new_balance = AccountBalance(
            total=Money(balance.total.as_decimal() + adjustment.as_decimal(), currency),
            locked=balance.locked,
            free=Money(balance.free.as_decimal() + adjustment.as_decimal(), currency),
        )
        margins = list(account.margins().values()) if account.is_margin_account else []
        exchange.exec_client.generate_account_state(
            balances=[new_balance], margins=margins, reported=True, ts_event=self.clock.timestamp_ns(),
        )

    def totals(self) -> dict[str, float]:
        """
        Net funding per currency (positive = received).

        Returns
        -------
        dict[str, float]
        """
        out: dict[str, float] = {}
        for p in self.payments:
            out[p.currency] = out.get(p.currency, 0.0) + p.amount
        return out

    def log_diagnostics(self, logger) -> None:
        """
        Log the funding totals (called by the backtest engine after a run).

        Parameters
        ----------
        logger : Logger
            The engine's Nautilus logger (one INFO line is written).
        """
        totals = ", ".join(f"{v:,.4f} {k}" for k, v in self.totals().items()) or "none"
        logger.info(f"Funding (net, + = received): {totals} over {len(self.payments)} payments")

    def reset(self) -> None:
        """Forget pending settlements, marks and payments."""
        self._pending.clear()
        self._seen.clear()
        self._marks.clear()
        self.payments.clear()
        self.skipped.clear()
