"""What a live run did, gathered from the stopped node (printed by ``liqheat live`` and written with ``--summary``)."""

from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.enums import OrderStatus


def collect_summary(node: TradingNode, run_info: dict) -> dict:
    """
    Counters of a stopped (not yet disposed) node.

    Parameters
    ----------
    node : TradingNode
        The node after ``stop``.
    run_info : dict
        From :func:`~liqheat_nautilus.live.node.run_node_async`.

    Returns
    -------
    dict
        JSON-serialisable: ``run`` (run_info), ``feeds`` (monitor counts), ``map`` (per map actor: clusters and
        snapshots published, liquidation prints seen), ``orders`` (submitted, filled, denied, rejected),
        ``fills``, ``positions`` (open, closed), ``poller`` (per target status), ``liquidations`` (prints),
        ``trader_state``.
    """
    cache = node.kernel.cache
    orders = cache.orders()
    summary: dict = {
        "run": run_info,
        "trader_state": node.trader.state.name,
        "orders": {
            "submitted": len(orders),
            "filled": sum(o.status == OrderStatus.FILLED for o in orders),
            "denied": sum(o.status == OrderStatus.DENIED for o in orders),
            "rejected": sum(o.status == OrderStatus.REJECTED for o in orders),
            "open": len(cache.orders_open()),
        },
        "fills": sum(len([e for e in o.events if type(e).__name__ == "OrderFilled"]) for o in orders),
        "positions": {"open": len(cache.positions_open()), "closed": len(cache.positions_closed())},
        "feeds": {}, "map": {}, "poller": {}, "liquidations": [],
    }
    for actor in node.trader.actors():
        if hasattr(actor, "counts") and hasattr(actor, "liquidations"):
            summary["feeds"] = dict(actor.counts)
            summary["liquidations"] = [
                {"side": e.side, "price": e.price, "quantity": e.quantity, "notional_usd": e.notional_usd,
                 "source": e.source, "ts_event": e.ts_event} for e in actor.liquidations
            ]
        if hasattr(actor, "clusters_published"):
            summary["map"][str(actor.id)] = {
                "clusters_published": actor.clusters_published,
                "snapshots_published": actor.snapshots_published,
                "liquidations_seen": len(getattr(actor, "liquidation_events", [])),
                "warmup_received": dict(getattr(actor, "warmup_received", {})),
            }
    for client in node.kernel.data_engine.registered_clients:
        instance = node.kernel.data_engine._clients.get(client)
        status = getattr(instance, "status", None)
        if isinstance(status, dict):
            summary["poller"] = {k: vars(v) for k, v in status.items()}
    return summary
