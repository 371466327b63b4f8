"""Pre-trade limits for margin (futures) accounts, enforced in the execution clients.

Nautilus 1.221's ``RiskEngine`` returns before its notional checks for margin accounts
(``risk/engine.pyx``: ``if account.is_margin_account: return True  # TODO: Determine risk controls for margin``), so
``max_notional_per_order`` does nothing for Binance futures or a MARGIN sandbox. The execution clients built by
``liqheat live`` therefore check every order against :class:`RiskLimits` before it leaves the node and *deny* the
ones that break a limit (``OrderDenied``, as the risk engine would). Nautilus' own rate limits
(``max_order_submit_rate``) still apply.
"""

import math
from typing import TYPE_CHECKING

import msgspec
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.config import NautilusConfig
from nautilus_trader.execution.messages import SubmitOrder, SubmitOrderList
from nautilus_trader.model.enums import OrderSide, OrderType
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.model.orders import Order

_MARKET_TYPES = (OrderType.MARKET, OrderType.MARKET_TO_LIMIT)

if TYPE_CHECKING:  # the mixin's methods use (and call up to) a live execution client's
    from nautilus_trader.live.execution_client import LiveExecutionClient as _GuardedClient
else:
    _GuardedClient = object


class RiskLimits(NautilusConfig, frozen=True, kw_only=True):
    """
    Per-instrument notional limits in the instrument's quote currency (USD for USDT-margined contracts).

    The guarded execution clients' configs embed it (``risk_limits``) and the live file's ``[risk]`` section derives
    from it (:class:`~liqheat_nautilus.live.sections.RiskSection`).

    Parameters
    ----------
    max_notional_per_order : dict[str, float], optional
        ``{instrument_id: limit}``: largest order notional (see :func:`quote_notional`); an instrument missing here
        is unlimited. Floats: a fractional limit (2000.5 USDT) is valid.
    max_position_notional : dict[str, float], optional
        ``{instrument_id: limit}``: largest absolute net position notional the order may lead to (open positions
        of all strategies plus the order, valued at the order's price). Reduce-only orders are never limited.

    Raises
    ------
    ValueError
        If a limit is not a finite number > 0 (the message names the field and the instrument).
    """

    max_notional_per_order: dict[str, float] = msgspec.field(default_factory=dict)
    max_position_notional: dict[str, float] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        """Check every limit: a finite number > 0 (checked both when built and when a file is decoded)."""
        for name in ("max_notional_per_order", "max_position_notional"):
            for key, value in getattr(self, name).items():
                if not 0.0 < value < math.inf:
                    raise ValueError(f"{name}[{key!r}] must be a finite number > 0 (leave the instrument out for "
                                     f"no limit); got {value}")

    def is_empty(self) -> bool:
        """
        Whether no limit is configured.

        Returns
        -------
        bool
        """
        return not (self.max_notional_per_order or self.max_position_notional)


def reference_price(order: Order, cache: Cache) -> float:
    """
    Return the price an order is valued at; ``nan`` when none is known.

    The limit price, else the trigger price, else (market orders) the ask for buys / bid for sells from the last
    quote, else the last trade.

    Parameters
    ----------
    order : Order
        The order.
    cache : Cache
        The node's cache.

    Returns
    -------
    float
    """
    if order.order_type not in _MARKET_TYPES:
        if order.has_price:
            return order.price.as_double()
        if order.has_trigger_price:
            return order.trigger_price.as_double()
    quote = cache.quote_tick(order.instrument_id)
    if quote is not None:
        return (quote.ask_price if order.side == OrderSide.BUY else quote.bid_price).as_double()
    trade = cache.trade_tick(order.instrument_id)
    return trade.price.as_double() if trade is not None else math.nan


def quote_notional(instrument: Instrument, quantity: float, price: float) -> float:
    """
    Notional of ``quantity`` at ``price`` in the instrument's quote currency (USD for USDT/USD contracts).

    Nautilus' ``Instrument.notional_value`` gives quote currency for a linear contract (quantity x multiplier x
    price) and base currency for an inverse one (quantity x multiplier / price); the latter is valued at ``price``,
    so an inverse contract's notional is quantity x multiplier (contracts x USD per contract).

    Parameters
    ----------
    instrument : Instrument
        The instrument.
    quantity : float
        Order or position size (the instrument's size unit, contracts for inverse contracts), >= 0.
    price : float
        Price (quote per base unit), > 0.

    Returns
    -------
    float
        Quote currency.
    """
    notional = instrument.notional_value(Quantity(quantity, instrument.size_precision),
                                         Price(price, instrument.price_precision)).as_double()
    return notional * price if instrument.is_inverse else notional


def check_order(order: Order, instrument: Instrument | None, cache: Cache, limits: RiskLimits) -> str | None:
    """
    Return the reason to deny ``order``, or ``None`` when it is within the limits.

    Parameters
    ----------
    order : Order
        The order (not yet submitted).
    instrument : Instrument or None
        Its instrument (``None``: denied when a limit applies, since nothing can be valued).
    cache : Cache
        The node's cache (prices, open positions).
    limits : RiskLimits
        The limits.

    Returns
    -------
    str or None
        E.g. ``"NOTIONAL_EXCEEDS_MAX_PER_ORDER: 28145.10 > 1000.00 (BTCUSDT-PERP.BINANCE)"``.
    """
    key = order.instrument_id.value
    max_order = limits.max_notional_per_order.get(key)
    max_position = limits.max_position_notional.get(key) if not order.is_reduce_only else None
    if max_order is None and max_position is None:
        return None
    if instrument is None:
        return f"RISK_GUARD: instrument {key} not in the cache; cannot value the order"
    price = reference_price(order, cache)
    if not math.isfinite(price):
        return f"RISK_GUARD: no price known for {key}; cannot value the order"
    quantity = order.quantity.as_double()
    notional = quote_notional(instrument, quantity, price)
    if max_order is not None and notional > max_order:
        return f"NOTIONAL_EXCEEDS_MAX_PER_ORDER: {notional:.2f} > {max_order:.2f} ({key})"
    if max_position is not None:
        net = sum(p.signed_qty for p in cache.positions_open(instrument_id=order.instrument_id))
        projected = net + (quantity if order.side == OrderSide.BUY else -quantity)
        position_notional = quote_notional(instrument, abs(projected), price)
        if abs(projected) > abs(net) and position_notional > max_position:
            return f"POSITION_EXCEEDS_MAX_NOTIONAL: {position_notional:.2f} > {max_position:.2f} ({key})"
    return None


class RiskGuardMixin(_GuardedClient):
    """
    Mixin for a Nautilus execution client: deny orders that break :class:`RiskLimits`.

    Checks the limits in ``submit_order`` / ``submit_order_list`` and generates ``OrderDenied`` instead of
    submitting. Set ``self._risk_limits``.

    For an order list (e.g. a bracket) the first order (the entry) is checked and, when it breaks a limit, every
    order of the list is denied.
    """

    _risk_limits: RiskLimits

    def _deny(self, order: Order, reason: str) -> None:
        self._log.warning(f"risk guard denied {order.client_order_id}: {reason}")
        self.generate_order_denied(order.strategy_id, order.instrument_id, order.client_order_id, reason,
                                   self._clock.timestamp_ns())

    def submit_order(self, command: SubmitOrder) -> None:
        """
        Check the order, then submit it (or deny it).

        Parameters
        ----------
        command : SubmitOrder
            The command carrying the order; when :func:`check_order` gives a reason, ``OrderDenied`` is generated
            with it and the order does not leave the node.
        """
        order = command.order
        reason = check_order(order, self._cache.instrument(order.instrument_id), self._cache, self._risk_limits)
        if reason:
            self._deny(order, reason)
            return
        super().submit_order(command)

    def submit_order_list(self, command: SubmitOrderList) -> None:
        """
        Check the list's entry order, then submit the list (or deny all its orders).

        Parameters
        ----------
        command : SubmitOrderList
            The command carrying the order list (e.g. a bracket: its first order is the entry); when the entry
            breaks a limit, ``OrderDenied`` is generated for every order of the list.
        """
        orders = command.order_list.orders
        entry = orders[0]
        reason = check_order(entry, self._cache.instrument(entry.instrument_id), self._cache, self._risk_limits)
        if reason:
            for order in orders:
                self._deny(order, reason)
            return
        super().submit_order_list(command)
