"""Every contract specification the venue adapters know offline, by instrument id."""

from nautilus_trader.model.instruments import CryptoPerpetual

from liqheat_nautilus.adapters.binance.providers import BINANCE_PERPETUALS
from liqheat_nautilus.adapters.common.instruments import PerpetualSpec, perpetual_from
from liqheat_nautilus.adapters.okx.providers import OKX_PERPETUALS

KNOWN_PERPETUALS: dict[str, PerpetualSpec] = {**BINANCE_PERPETUALS, **OKX_PERPETUALS}
"""The Binance archive instruments and the OKX sample's instrument, by instrument id."""


def known_perpetual(instrument_id: str, ts_ns: int = 0) -> CryptoPerpetual:
    """
    The instrument of any venue's known contract (:func:`~.instruments.perpetual_from` over all of them).

    Parameters
    ----------
    instrument_id : str
        A key of :data:`KNOWN_PERPETUALS`, e.g. ``"BTCUSDT.BINANCE"`` or ``"SOL-USDT-SWAP.OKX"``.
    ts_ns : int, default 0
        Definition time (UNIX ns).

    Returns
    -------
    CryptoPerpetual
        Raises ``KeyError`` (listing the known ids) for any other instrument.
    """
    return perpetual_from(KNOWN_PERPETUALS, instrument_id, ts_ns)
