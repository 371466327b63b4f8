"""Wrap a custom data object as Nautilus ``CustomData`` under its instrument's data type (how clients publish it)."""

from nautilus_trader.core.data import Data
from nautilus_trader.model.data import CustomData, DataType


def as_custom_data(obj: Data) -> CustomData:
    """
    ``CustomData`` of ``obj`` with data type ``DataType(type(obj), metadata={"instrument_id": "<id>"})``.

    This is the data type ``LiquidationMapActor`` and the strategies subscribe to per instrument.

    Parameters
    ----------
    obj : Data
        A liqheat data object with an ``instrument_id`` (e.g. ``OpenInterest``, ``FundingRate``,
        ``LiquidationEvent``).

    Returns
    -------
    CustomData
    """
    data_type = DataType(type(obj), metadata={"instrument_id": obj.instrument_id.value})
    return CustomData(data_type=data_type, data=obj)
