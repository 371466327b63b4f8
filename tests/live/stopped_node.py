"""A stand-in for a ``TradingNode`` whose run is over (or was stopped while starting), for tests of ``liqheat live``'s
summary and exit paths with ``build_node`` and ``run_node_async`` replaced (the run itself is tested with real
nodes in test_live_node_replay and tests/serve)."""

import asyncio


class StoppedNode:
    """What ``liqheat live`` touches of a node after its run: the event loop, and ``dispose``."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()

    def get_event_loop(self):
        return self.loop

    def dispose(self):
        self.loop.close()
