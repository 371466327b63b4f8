"""Request parameters of the ``liqheat serve`` API: the query types every route shares, and time parsing.

Each alias carries its validation (length, pattern, bounds) and its OpenAPI description, so a bad value is a 422
naming the field before any work. Times are UNIX nanoseconds or ISO-8601 text (naive = UTC).
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

try:  # FastAPI's own validation step of path and query parameters (internal: see _invalid_values)
    from fastapi.dependencies.utils import request_params_to_args
except ImportError:  # pragma: no cover - a FastAPI that moved it
    request_params_to_args = None  # type: ignore[assignment]
try:  # FastAPI's own test of a list-valued parameter (internal: see _single_valued)
    from fastapi.dependencies.utils import field_annotation_is_sequence
except ImportError:  # pragma: no cover - a FastAPI that moved it: every parameter is single-valued (all are now)
    def field_annotation_is_sequence(annotation: object) -> bool:
        """Tell whether a parameter's annotation is a list (FastAPI's own test when it can be imported)."""
        return False

from liqheat_nautilus.core.params import MODELS
from liqheat_nautilus.core.units import NS_PER_DAY, NS_PER_HOUR, NS_PER_MINUTE
from liqheat_nautilus.serve import models as m
from liqheat_nautilus.times import TimeOutOfRange, parse_time

MAX_WINDOW_NS = 30 * NS_PER_DAY
"""Longest heatmap / history window (30 days)."""
RANGES: dict[str, int] = {"12h": 12 * NS_PER_HOUR, "24h": NS_PER_DAY, "3d": 3 * NS_PER_DAY, "7d": 7 * NS_PER_DAY,
                          "14d": 14 * NS_PER_DAY, "30d": 30 * NS_PER_DAY}
"""Heatmap and history ranges by name (12 hours to 30 days)."""
RangeName = Literal["12h", "24h", "3d", "7d", "14d", "30d"]
CANDLE_STEPS_NS = (NS_PER_MINUTE, 5 * NS_PER_MINUTE, 15 * NS_PER_MINUTE, 30 * NS_PER_MINUTE, NS_PER_HOUR,
                   4 * NS_PER_HOUR, NS_PER_DAY)
"""Candle lengths offered by the heatmap (1 minute to 1 day, UNIX ns): the shortest giving <= MAX_CANDLES."""
MAX_CANDLES = 400
"""Most candles of a heatmap response."""
MAX_COLUMNS = 500
"""Most map updates (time columns) of a heatmap response; more are thinned evenly."""
_TIME_MIN_NS, _TIME_MAX_NS = 0, 2**63 - 1
_TIME_RANGE = "1970-01-01 .. 2262-04-11T23:47:16Z"

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": m.ErrorDetail, "description": "Unknown instrument or run (the known ones are listed in `known`), "
                                                 "or no map update at the time or in the window asked for (the "
                                                 "times with one in `span`)."},
    422: {"model": m.ValidationErrorResponse, "description": "Invalid parameter (the field is named)."}}
"""OpenAPI ``responses`` of the map routes."""

TIME_PATTERN = (r"^\s*(\d{1,19}|\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,9})?)?)?)?"
                r"(Z|[+-]\d{2}(:?\d{2})?)?)\s*$")
"""Times: UNIX nanoseconds, or ISO-8601 dates/times (naive = UTC)."""

if TYPE_CHECKING:
    from fastapi.dependencies.models import Dependant
    ModelName = str
else:
    ModelName = Literal[MODELS]  # an enum of core.params.MODELS in the schema

InstrumentQ = Annotated[str | None, Query(max_length=64, description="Instrument id (default: the first served).")]
ModelQ = Annotated[ModelName | None, Query(description="Liquidation-price model (catalog mode).")]
RunQ = Annotated[str | None, Query(pattern=r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$",
                                   description="Recorded backtest run id, a UUID (catalog mode).")]
AtQ = Annotated[str | None, Query(max_length=40, pattern=TIME_PATTERN,
                                  description="Time: ISO-8601 (UTC if naive) or UNIX ns; default the latest update.")]
TimeQ = Annotated[str | None, Query(max_length=40, pattern=TIME_PATTERN, description="Time: ISO-8601 (UTC if naive) "
                                                                                      "or UNIX ns.")]
WindowQ = Annotated[float, Query(gt=0.0, le=50.0, allow_inf_nan=False,
                                  description="Half-width of the price window (percent of price).")]
"""A price window: NaN and infinity are refused as not finite (not as "should be <= 50")."""


def profile_query(profiles: tuple[str, ...]) -> Any:
    """
    Build the type of the ``profile`` parameter: an enum of the source's leverage profiles.

    Parameters
    ----------
    profiles : tuple[str, ...]
        The profiles a catalog source offers; empty in live mode (any text, rejected by the source).

    Returns
    -------
    typing.Annotated
        For a route parameter annotation (a runtime type: routes declare it under ``TYPE_CHECKING`` as
        ``Annotated[str | None, ...]``).
    """
    return Annotated[Literal[profiles] | None if profiles else str | None,
                     Query(max_length=64, description="Leverage profile (catalog mode).")]


def invalid(field: str, message: str, where: str = "query", value: Any = None) -> RequestValidationError:
    """
    Build a 422 error naming a request field (FastAPI's validation error layout).

    Parameters
    ----------
    field : str
        The parameter's name.
    message : str
        Why it is invalid.
    where : str, default "query"
        Where the parameter is (``query`` or ``path``).
    value : Any, optional
        The value given, answered as the item's ``input`` as FastAPI's own items do (``None``: a check of several
        parameters, or of a defaulted one).

    Returns
    -------
    RequestValidationError
        To raise.
    """
    return RequestValidationError([{"type": "value_error", "loc": (where, field), "msg": message, "input": value}])


def parse_time_param(value: str | None, name: str) -> int | None:
    """
    Parse a time parameter as UNIX ns.

    Parameters
    ----------
    value : str or None
        ISO-8601 text (naive = UTC) or an integer number of nanoseconds.
    name : str
        The parameter's name, for the error.

    Returns
    -------
    int or None
        UNIX ns; ``None`` when ``value`` is ``None``.

    Raises
    ------
    RequestValidationError
        If the value is not a time, or one outside 1970-01-01 .. 2262-04-11T23:47:16Z (UNIX ns in a signed 64-bit
        integer); the error names the field.
    """
    if value is None:
        return None
    text = value.strip()
    out_of_range = invalid(name, _out_of_range_message(value), value=value)
    try:
        ns = int(text) if text.lstrip("-").isdigit() else parse_time(text)
    except TimeOutOfRange as exc:  # a date such as 2262-04-12: a time, but not one UNIX ns can hold
        raise out_of_range from exc
    except (ValueError, TypeError, OverflowError) as exc:
        raise invalid(name, _not_a_time_message(value), value=value) from exc
    if ns is None or not _TIME_MIN_NS <= ns <= _TIME_MAX_NS:
        raise out_of_range
    return ns


def _out_of_range_message(value: object) -> str:
    """Word the 422 of a time outside the UNIX-ns range (a negative or 20-digit number, a date after 2262)."""
    return f"time out of range: {value!r} is beyond the range of UNIX-ns timestamps ({_TIME_RANGE})"


def _not_a_time_message(value: object) -> str:
    """Word the 422 of a value that is not a time."""
    return f"not a time: {value!r} (ISO-8601, e.g. 2026-06-20T12:00, or UNIX ns)"


def readable_time_errors(errors: Sequence[Any]) -> list[Any]:
    """
    Give FastAPI's validation items of time parameters :func:`parse_time_param`'s wording.

    A time that does not match :data:`TIME_PATTERN` (``at=yesterday``, ``at=-5``, a 20-digit number) is refused by
    FastAPI before the route parses it, with FastAPI's message "String should match pattern" and the regular expression:
    true, but it leaves a user to read the expression. The item keeps its type, ``loc`` and ``ctx``
    (the pattern, for programs); its ``msg`` says what a time is, as the route's own check does.

    Parameters
    ----------
    errors : sequence of dict
        ``RequestValidationError.errors()``.

    Returns
    -------
    list of dict
        The same items, those of time parameters reworded.
    """
    out = []
    for item in errors:
        ctx = item.get("ctx") if isinstance(item, dict) else None
        if isinstance(ctx, dict) and item.get("type") == "string_pattern_mismatch" \
                and ctx.get("pattern") == TIME_PATTERN:
            value = item.get("input")
            number = isinstance(value, str) and value.strip().lstrip("-").isdigit()
            item = {**item, "msg": _out_of_range_message(value) if number else _not_a_time_message(value)}
        out.append(item)
    return out


def refuse_range_with_start(request: Request) -> None:
    """
    Refuse ``range`` together with ``start`` (a dependency of the windowed routes).

    ``range`` is the window's length when ``start`` is omitted (``end - range .. end``); with ``start`` it was
    ignored without a word, so ``?start=2026-06-20&range=24h`` answered the six days from ``start`` to the latest
    update rather than the 24 hours its author meant.

    Parameters
    ----------
    request : fastapi.Request
        The request.

    Raises
    ------
    RequestValidationError
        A 422 naming ``range`` when the query holds both.
    """
    if "range" in request.query_params and "start" in request.query_params:
        raise invalid("range", "range sets the window's length only when start is omitted (the window is then "
                               "end - range .. end); with start, give end (default: the latest update) instead")


async def reject_unknown_query(request: Request) -> None:
    """
    Refuse query parameters the route does not take, and single-valued ones given twice (an application dependency).

    It runs before every route's own dependencies. Without it a misspelt parameter (``?windw_pct=5``) was ignored
    and the default answer given, and a repeated single-valued one (``?at=A&at=B``) silently took its last value.
    The dashboard's pages and static files (not in the OpenAPI schema) are left alone: browsers' links may carry
    extra parameters.

    Parameters
    ----------
    request : fastapi.Request
        The request; its route's query parameters (its own and its dependencies') are the accepted ones.

    Raises
    ------
    RequestValidationError
        A 422 naming each unknown parameter and listing the accepted ones, and each single-valued parameter given
        more than once with its values, followed by FastAPI's own items for the invalid values of the known path
        and query parameters (``?windw_pct=5&at=notatime`` lists both: this dependency runs before FastAPI
        validates the route's parameters, so raising here alone hid the bad value). Checks the route makes in its
        body (e.g. a time past 2262) are not run.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    dependants = _dependants(route)
    fields = {field.alias: field for dependant in dependants for field in dependant.query_params}
    accepted = tuple(fields)
    errors: list[Any] = []
    for key in dict.fromkeys(request.query_params.keys()):
        values = request.query_params.getlist(key)
        if key not in fields:
            takes = f"accepted: {', '.join(accepted)}" if accepted else "it takes no query parameter"
            errors.append({"type": "value_error", "loc": ("query", key), "input": None,
                           "msg": f"unknown query parameter {key!r} ({takes})"})
        elif len(values) > 1 and not field_annotation_is_sequence(fields[key].field_info.annotation):
            errors.append({"type": "value_error", "loc": ("query", key), "input": values,
                           "msg": f"query parameter {key!r} given {len(values)} times "
                                  f"({', '.join(map(repr, values))}); it takes one value"})
    if errors:
        raise RequestValidationError(errors + _invalid_values(request, dependants))


def _dependants(route: APIRoute) -> list["Dependant"]:
    """Return ``route``'s dependant, then its dependencies' (e.g. the event stream's instrument), breadth first."""
    out: list[Dependant] = []
    todo = [route.dependant]
    while todo:
        dependant = todo.pop(0)
        out.append(dependant)
        todo += dependant.dependencies
    return out


def _invalid_values(request: Request, dependants: list["Dependant"]) -> list[Any]:
    """Return FastAPI's validation items for the path and query parameters of ``dependants`` (deduplicated)."""
    # request_params_to_args is FastAPI's own (internal) step; should a later FastAPI change it, the 422 names the
    # unknown parameters alone, as before (the bad values are then reported once the names are fixed)
    if request_params_to_args is None:
        return []
    items: dict[tuple[Any, ...], Any] = {}
    try:
        for dependant in dependants:  # the validation FastAPI runs after the dependencies (solve_dependencies)
            for fields, received in ((dependant.path_params, request.path_params),
                                     (dependant.query_params, request.query_params)):
                for item in request_params_to_args(fields, received)[1]:
                    items.setdefault((tuple(item["loc"]), item["type"]), item)
    except (TypeError, AttributeError, KeyError, IndexError):
        return []
    return list(items.values())
