"""Factory building :class:`~liqheat_nautilus.adapters.ccxt.data.CcxtDataClient` for a TradingNode."""

import asyncio

from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.live.factories import LiveDataClientFactory
from nautilus_trader.model.identifiers import ClientId

from liqheat_nautilus.adapters.ccxt.config import CcxtDataClientConfig
from liqheat_nautilus.adapters.ccxt.data import CcxtDataClient


class CcxtLiveDataClientFactory(LiveDataClientFactory):
    """Builds the open-interest / funding poller (register under the client name, e.g. ``"LIQHEAT_OI"``)."""

    @staticmethod
    def create(  # type: ignore[override]
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: CcxtDataClientConfig,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
    ) -> CcxtDataClient:
        """
        Create the poller.

        Parameters
        ----------
        loop : asyncio.AbstractEventLoop
            The node's event loop.
        name : str
            The client id.
        config : CcxtDataClientConfig
            Targets and timing.
        msgbus, cache, clock
            The node's components.

        Returns
        -------
        CcxtDataClient
        """
        return CcxtDataClient(loop=loop, client_id=ClientId(name), msgbus=msgbus, cache=cache, clock=clock,
                                  config=config)
