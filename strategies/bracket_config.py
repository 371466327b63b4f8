"""The configuration of :class:`~strategies.brackets.BracketStrategy`: the instrument, position limit and time stop."""

from nautilus_trader.common.config import NonNegativeInt, PositiveInt
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus.validation import instrument_and_bar_type, whole_number


class BracketStrategyConfig(StrategyConfig, frozen=True):
    """
    Settings of :class:`BracketStrategy`: the instrument, position limit, time stop and order handling.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument traded (a string is parsed).
    bar_type : BarType
        Bars of that instrument giving the current price (and driving time stops; a string is parsed).
    max_positions : int, default 1
        Open positions plus pending entries allowed at once for the instrument (> 1 needs a ``HEDGING`` venue).
    time_stop_minutes : int, default 0
        Close a position held this long (0 = off).
    emulation_trigger : str, default "NO_TRIGGER"
        Nautilus ``TriggerType`` name for emulating the bracket's stop-loss and take-profit locally with the
        ``OrderEmulator`` (e.g. ``"DEFAULT"``): the entry is sent alone and the children are released as single
        orders when triggered. Needed on venues whose Nautilus adapter refuses linked order lists (Binance in
        NautilusTrader 1.221 denies them with ``UNSUPPORTED_OCO_CONDITIONAL_ORDERS``).
    flatten_on_stop : bool, default True
        Cancel the instrument's orders and close its positions when the strategy stops (False keeps them, e.g.
        for a live node restarted with ``[shutdown] close_positions = false``).
    log_signals : bool, default True
        Log each trade-signal record as JSON at INFO level.
    """

    instrument_id: InstrumentId
    bar_type: BarType
    max_positions: PositiveInt = 1
    time_stop_minutes: NonNegativeInt = 0
    emulation_trigger: str = "NO_TRIGGER"
    flatten_on_stop: bool = True
    log_signals: bool = True

    def __post_init__(self) -> None:
        """
        Parse ``instrument_id`` / ``bar_type`` given as strings (as Nautilus does when it reads a config file).

        Then check ``max_positions`` (>= 1) and ``time_stop_minutes`` (>= 0) also for a config built in Python (their
        field types apply when a file is decoded).

        Raises
        ------
        TypeError
            If an id is neither its Nautilus type nor a string (the message names the field).
        ValueError
            If such a string does not parse, ``bar_type`` is of another instrument, or ``max_positions`` /
            ``time_stop_minutes`` is not a whole number in range (the message names the field).
        """
        instrument_and_bar_type(self, "the strategy would trade one instrument on the prices of another")
        name = type(self).__name__
        whole_number(self.max_positions, f"{name}.max_positions", positive=True)
        whole_number(self.time_stop_minutes, f"{name}.time_stop_minutes", positive=False)
