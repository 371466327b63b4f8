"""Plain JSON of the project's results: ``NaN`` and infinities become ``null`` (JSON has none of them)."""

import math
from typing import Any


def json_safe(obj: Any) -> Any:
    """
    Return ``obj`` as strict JSON values: non-finite floats as ``None``, tuples as lists, mapping keys as strings.

    Python's ``json`` writes ``NaN`` and ``Infinity``, which jq, JavaScript and most other parsers refuse; an undefined
    statistic (a Sharpe ratio without trades, a rank correlation of a constant series) is ``null`` instead.

    Parameters
    ----------
    obj : Any
        Nested dicts, lists, tuples and scalars (e.g. ``dataclasses.asdict`` of a result).

    Returns
    -------
    Any
        The same structure; other objects are returned as they are.
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    return obj
