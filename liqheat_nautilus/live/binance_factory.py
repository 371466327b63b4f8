"""Factory building :class:`~liqheat_nautilus.live.binance_data.LiqheatBinanceFuturesDataClient` for a TradingNode."""

import asyncio

from nautilus_trader.adapters.binance.common.urls import get_ws_base_url
from nautilus_trader.adapters.binance.factories import (
    get_cached_binance_futures_instrument_provider,
    get_cached_binance_http_client,
)
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.live.factories import LiveDataClientFactory

from liqheat_nautilus.live.binance_data import LiqheatBinanceDataClientConfig, LiqheatBinanceFuturesDataClient


class LiqheatBinanceLiveDataClientFactory(LiveDataClientFactory):
    """Builds the liqheat Binance futures data client; same HTTP client and instrument provider as Nautilus'."""

    @staticmethod
    def create(  # type: ignore[override]
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: LiqheatBinanceDataClientConfig,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
    ) -> LiqheatBinanceFuturesDataClient:
        """
        Create the client.

        Parameters
        ----------
        loop : asyncio.AbstractEventLoop
            The node's event loop.
        name : str
            The client id (e.g. ``"BINANCE"``).
        config : LiqheatBinanceDataClientConfig
            The configuration (``account_type`` must be a futures type).
        msgbus, cache, clock
            The node's components.

        Returns
        -------
        LiqheatBinanceFuturesDataClient

        Raises
        ------
        ValueError
            If ``config.account_type`` is not a futures account type.
        """
        if not config.account_type.is_futures:
            raise ValueError(f"LiqheatBinanceDataClientConfig.account_type must be a futures type, "
                             f"was {config.account_type.value}")
        client = get_cached_binance_http_client(
            clock=clock, account_type=config.account_type, api_key=config.api_key, api_secret=config.api_secret,
            key_type=config.key_type, base_url=config.base_url_http, is_testnet=config.testnet, is_us=config.us,
        )
        provider = get_cached_binance_futures_instrument_provider(
            client=client, clock=clock, account_type=config.account_type, config=config.instrument_provider,
            venue=config.venue,
        )
        base_url_ws = config.base_url_ws or get_ws_base_url(config.account_type, config.testnet, config.us)
        return LiqheatBinanceFuturesDataClient(
            loop=loop, client=client, msgbus=msgbus, cache=cache, clock=clock, instrument_provider=provider,
            base_url_ws=base_url_ws, config=config, account_type=config.account_type, name=name,
        )
