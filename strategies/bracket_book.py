"""Bookkeeping of a strategy's bracket orders: which entry and which stop-loss / take-profit belong together."""

from dataclasses import dataclass, field

from nautilus_trader.model.enums import PositionSide
from nautilus_trader.model.identifiers import ClientOrderId

from liqheat_nautilus.signals import TradeSignal


@dataclass
class Bracket:
    """
    One bracket: its entry, stop-loss and take-profit orders, and the ``ENTER`` record behind them.

    Attributes
    ----------
    side : PositionSide
        The position the entry opens.
    entry_id, stop_id, take_profit_id : ClientOrderId
        The orders (the children's ids change when the strategy submits them again).
    signal : TradeSignal
        The ``ENTER`` record.
    replacements : set[ClientOrderId]
        Children submitted again by the strategy.
    """

    side: PositionSide
    entry_id: ClientOrderId
    stop_id: ClientOrderId
    take_profit_id: ClientOrderId
    signal: TradeSignal
    replacements: set[ClientOrderId] = field(default_factory=set)

    @property
    def children(self) -> tuple[ClientOrderId, ClientOrderId]:
        """The stop-loss and take-profit ids."""
        return self.stop_id, self.take_profit_id

    def sibling(self, child_id: ClientOrderId) -> ClientOrderId:
        """
        Return the other child of the pair.

        Parameters
        ----------
        child_id : ClientOrderId
            The stop-loss or take-profit id.

        Returns
        -------
        ClientOrderId
        """
        return self.take_profit_id if child_id == self.stop_id else self.stop_id


class BracketBook:
    """
    The strategy's working brackets, by entry id (while the entry works) and by child id (while a child works).

    Attributes
    ----------
    entries : dict[ClientOrderId, Bracket]
        Brackets whose entry is still working.
    children : dict[ClientOrderId, Bracket]
        Brackets by the id of a stop-loss or take-profit still tracked.
    """

    def __init__(self) -> None:
        self.entries: dict[ClientOrderId, Bracket] = {}
        self.children: dict[ClientOrderId, Bracket] = {}

    def __len__(self) -> int:
        """Return the number of working entries."""
        return len(self.entries)

    def add(self, bracket: Bracket) -> None:
        """
        Track a new bracket (its entry and both children).

        Parameters
        ----------
        bracket : Bracket
            The bracket just submitted (entry, stop-loss and take-profit order ids).
        """
        self.entries[bracket.entry_id] = bracket
        for child_id in bracket.children:
            self.children[child_id] = bracket

    def drop_children(self, bracket: Bracket) -> None:
        """
        Stop tracking both children of a bracket.

        Parameters
        ----------
        bracket : Bracket
            A bracket whose entry ended unfilled or whose position closed.
        """
        for child_id in bracket.children:
            self.children.pop(child_id, None)

    def clear(self) -> None:
        """Forget every bracket."""
        self.entries.clear()
        self.children.clear()
