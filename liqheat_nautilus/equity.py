"""Mark-to-market equity of an account for one instrument, from Nautilus' portfolio (backtest or live)."""

import math

from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Currency


def instrument_equity(portfolio, instrument_id: InstrumentId, currency: Currency) -> float:
    """
    Return the account's total balance in ``currency`` plus the unrealized PnL of the instrument's open positions.

    Parameters
    ----------
    portfolio : nautilus_trader.portfolio.PortfolioFacade
        A strategy's or actor's ``self.portfolio``.
    instrument_id : InstrumentId
        The instrument (its venue's account is used).
    currency : Currency
        The instrument's settlement currency (``Instrument.get_settlement_currency()``).

    Returns
    -------
    float
        Equity in ``currency``; ``nan`` while the venue has no account or no balance in that currency.
    """
    account = portfolio.account(instrument_id.venue)
    if account is None:
        return math.nan
    balance = account.balance_total(currency)
    if balance is None:
        return math.nan
    equity = balance.as_double()
    if not portfolio.is_flat(instrument_id):
        unrealized = portfolio.unrealized_pnl(instrument_id)
        if unrealized is not None:
            equity += unrealized.as_double()
    return equity
