"""Checks of user-given values *before* they reach NautilusTrader's parsers.

Several of Nautilus' string parsers are Rust functions that abort the whole process on a bad value (e.g. an
``oms_type`` of ``"SIDEWAYS"`` or a log level of ``"LOUD"`` end in a Rust panic, exit code 134). Every enum-like
value a user writes in a file or on the command line goes through :func:`enum_name` (or :func:`log_level`) first,
which raises a one-line ``ValueError`` naming the field or option and listing the valid values, taken from
Nautilus' own enums.
"""

from liqheat_nautilus.config_messages import decode_message, type_words
from liqheat_nautilus.file_checks import input_file, output_dir, output_file, wrong_kind
from liqheat_nautilus.validation.identifiers import (
    bar_spec,
    bar_type_step,
    instrument_and_bar_type,
    instrument_id,
    instrument_ids,
    trader_id,
)
from liqheat_nautilus.validation.values import (
    FUNDING_INTERVAL_MAX_HOURS,
    balances,
    enum_name,
    enum_names,
    funding_interval_hours,
    log_level,
    money,
    number,
    time_range,
    utc_time,
    whole_number,
)

__all__ = [
    "FUNDING_INTERVAL_MAX_HOURS",
    "balances",
    "bar_spec",
    "bar_type_step",
    "decode_message",
    "enum_name",
    "enum_names",
    "funding_interval_hours",
    "input_file",
    "instrument_and_bar_type",
    "instrument_id",
    "instrument_ids",
    "log_level",
    "money",
    "number",
    "output_dir",
    "output_file",
    "time_range",
    "trader_id",
    "type_words",
    "utc_time",
    "whole_number",
    "wrong_kind",
]
