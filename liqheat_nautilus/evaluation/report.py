"""Tables (terminal via rich, or GitHub markdown) and JSON of an :class:`EvaluationReport`."""

import dataclasses
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from liqheat_nautilus.evaluation.attraction import Attraction, distance_band
from liqheat_nautilus.evaluation.bias import BiasAccuracy
from liqheat_nautilus.evaluation.runner import EvaluationReport, RunResult
from liqheat_nautilus.evaluation.tracking import SideTracking
from liqheat_nautilus.jsonable import json_safe

T = TypeVar("T")


@dataclass(frozen=True)
class TextTable:
    """
    A rendered-agnostic table: a title, column headers, rows of strings and a footnote.

    Attributes
    ----------
    title : str
    headers : tuple[str, ...]
    rows : tuple[tuple[str, ...], ...]
    note : str
    """

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


def _f(x: float, digits: int = 2) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _pct(x: float) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{100.0 * x:.1f}"


def _ratio(x: float) -> str:
    """Format a ratio with its significant digits: ``523``, ``1.22``, ``0.0052`` (1 decimal showed 0.0052 as 0.0)."""
    if x is None or not math.isfinite(x):
        return "nan"
    return f"{x:,.0f}" if abs(x) >= 10.0 else (f"{x:.2f}" if abs(x) >= 0.01 else f"{x:.2g}")


def _pct2(x: float) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{100.0 * x:.2f}"


def _ci_pct(ci: tuple[float, float]) -> str:
    return f"[{_pct(ci[0])}, {_pct(ci[1])}]"


def _signed_pct(x: float) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{100.0 * x:+.1f}"


def _error_row(run: RunResult, width: int) -> tuple[str, ...]:
    """Build the row of a failed evaluation: model, profile, "error", the message, blanks up to ``width`` cells."""
    return (run.model, run.profile, "error", run.error, *("",) * (width - 4))


def _trio(s: SideTracking, metric: str) -> str:
    return " | ".join(_f(getattr(a, metric)) for a in (s.map, s.baseline_abs_return, s.baseline_excursion))


def tracking_table(report: EvaluationReport, side: str) -> TextTable:
    """
    Table 1 (one per side): Spearman, Pearson and top-decile overlap of the map beside both baselines.

    Parameters
    ----------
    report : EvaluationReport
        What ``liqheat evaluate`` measured (``liqheat_nautilus.evaluation.runner.evaluate``).
    side : str
        ``"long"`` or ``"short"``.

    Returns
    -------
    TextTable
    """
    rows = []
    for run in report.runs:
        s: SideTracking | None = getattr(run, side)
        if s is None:
            rows.append(_error_row(run, 8))
            continue
        ci = s.spearman_gain_ci
        rows.append((run.model, run.profile, _trio(s, "spearman"), _trio(s, "pearson"), _trio(s, "top_overlap"),
                     f"{_f(s.map.spearman - s.baseline_abs_return.spearman)} [{_f(ci[0])}, {_f(ci[1])}]",
                     _f(s.rank_r2_gain_over_excursion, 3), _pct(s.share_of_windows_with_estimate)))
    top = int(round(report.settings.top_share * 100))
    return TextTable(
        title=(f"Liquidation tracking, {side} side: {report.n_windows} windows of {report.window_hours:g} h, "
               f"{report.first_window_utc} .. {report.last_window_utc}"),
        headers=("model", "profile", "Spearman map | |r|·OI | exc·OI", "Pearson map | |r|·OI | exc·OI",
                 f"top-{top}% overlap map | |r|·OI | exc·OI", "Spearman gain vs |r|·OI [95% block CI]",
                 "rank R² added to exc·OI", "windows with estimate %"),
        rows=tuple(rows),
        note=(f"|r|·OI: |window return| × OI at window start; exc·OI: the window's adverse excursion (drop for "
              f"longs, rise for shorts) × OI. Random top-{top}% overlap: {top / 100:.2f}. Rank R² added: gain in R² "
              f"of the actual ranks when the map's ranks join exc·OI's ranks in a linear fit."),
    )


def _horizon_rows(report: EvaluationReport, results: Callable[[RunResult], tuple[T, ...]], i: int, width: int,
                  cells: Callable[[T], tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """Rows of a per-horizon table: model, profile and the cells of each run's ``i``-th result, or an error row."""
    return tuple((run.model, run.profile, *cells(results(run)[i])) if results(run) else _error_row(run, width)
                 for run in report.runs)


def _attraction_cells(a: Attraction) -> tuple[str, ...]:
    """Clusters judged, mean distance (%), touch rate [Wilson], same-distance rate, lift [block CI], mirror rate."""
    return (str(a.n_clusters), _f(a.mean_abs_distance_pct), f"{_pct(a.hit_rate)} {_ci_pct(a.hit_rate_ci)}",
            _pct(a.base_rate), f"{_signed_pct(a.lift)} [{_signed_pct(a.lift_ci[0])}, {_signed_pct(a.lift_ci[1])}]",
            _pct(a.mirror_rate))


def _bias_cells(b: BiasAccuracy) -> tuple[str, ...]:
    """Calls/snapshots, UP share (%), hit rate [Wilson], independent-calls rate, momentum rate [Wilson]."""
    return (f"{b.n_calls}/{b.n_snapshots}", _pct(b.up_call_share), f"{_pct(b.hit_rate)} {_ci_pct(b.hit_rate_ci)}",
            _pct(b.independent_rate), f"{_pct(b.momentum_rate)} {_ci_pct(b.momentum_ci)}")


def attraction_tables(report: EvaluationReport) -> list[TextTable]:
    """
    Table 2 (one per horizon): touch rate of the map's top clusters beside the same-distance and mirror rates.

    Parameters
    ----------
    report : EvaluationReport
        Its runs' attraction results, one per ``settings.touch_hours`` horizon.

    Returns
    -------
    list[TextTable]
        One table per touch horizon (rates in %, lift in percentage points).
    """
    s = report.settings
    tables = []
    for i, h in enumerate(s.touch_hours):
        rows = _horizon_rows(report, lambda run: run.attraction, i, 8, _attraction_cells)
        n_snap = next((r.attraction[i].n_snapshots for r in report.runs if r.attraction), 0)
        tables.append(TextTable(
            title=(f"Cluster attraction: top {s.top_k} clusters within "
                   f"{distance_band(s.min_distance_pct, s.max_distance_pct)} of price, touched "
                   f"within {h:g} h ({n_snap} snapshots)"),
            headers=("model", "profile", "clusters judged", "mean |distance| %", "touched % [Wilson 95%]",
                     "same-distance base %", "lift pp [95% block CI]", "mirror level %"),
            rows=rows,
            note=("same-distance base: share of all snapshots at which a level at the same signed distance was "
                  "touched; mirror: the level at the same distance on the other side of price, same snapshot. "
                  "The Wilson interval treats cluster-snapshot pairs as independent (too narrow); the block "
                  "bootstrap resamples snapshots in blocks."),
        ))
    return tables


def bias_tables(report: EvaluationReport) -> list[TextTable]:
    """
    Table 3 (one per horizon): magnet-bias hit rate beside independent calls and momentum.

    Parameters
    ----------
    report : EvaluationReport
        The horizons are ``settings.bias_hours``; each run holds one bias result per horizon.

    Returns
    -------
    list[TextTable]
        In horizon order; hit rates in % with Wilson 95 % intervals.
    """
    tables = []
    for i, h in enumerate(report.settings.bias_hours):
        rows = _horizon_rows(report, lambda run: run.bias, i, 7, _bias_cells)
        tables.append(TextTable(
            title=f"Magnet bias vs the sign of the next {h:g} h return (non-overlapping snapshots)",
            headers=("model", "profile", "calls/snapshots", "UP calls %", "hit % [Wilson 95%]",
                     "independent calls %", "momentum hit % [Wilson 95%]"),
            rows=rows,
            note=("independent calls: hit rate expected from calls with the same UP/DOWN mix but unrelated to the "
                  "outcome; momentum: the sign of the previous " f"{h:g} h return, on the same snapshots."),
        ))
    return tables


def headline_table(report: EvaluationReport) -> TextTable:
    """
    Tabulate the default configuration and the profile files beside the baselines (the headline).

    On all judged windows and on the holdout windows (``holdout_start``) alone.

    Columns: Spearman of the long and short estimates beside the adverse excursion × OI baseline, the share of
    windows with an estimate, the totals ratio (estimated × ``oi_venue_share`` ÷ actual) and the touch lift of the
    first attraction horizon with its block-bootstrap interval.

    Parameters
    ----------
    report : EvaluationReport
        Its runs of model ``default`` (the default configuration) and ``profile`` (a map profile file) are shown.

    Returns
    -------
    TextTable
        Per configuration a row over all windows and, when a holdout is set, one over the holdout windows.
    """
    rows = []
    for run in report.runs:
        if run.model not in ("default", "profile"):
            continue
        label = "default configuration" if run.model == "default" else f"profile {run.profile}"
        if run.long is None:
            rows.append((label, "error", run.error, "", "", "", "", ""))
            continue
        a = run.attraction[0] if run.attraction else None
        lift = (f"{_signed_pct(a.lift)} [{_signed_pct(a.lift_ci[0])}, {_signed_pct(a.lift_ci[1])}]" if a else "")
        for windows, long_, short in (("all", run.long, run.short), ("holdout", run.holdout_long,
                                                                    run.holdout_short)):
            if long_ is None or short is None:
                continue
            rows.append((
                label, f"{windows} ({long_.n_windows})",
                f"{_f(long_.map.spearman)} vs {_f(long_.baseline_excursion.spearman)}",
                f"{_f(short.map.spearman)} vs {_f(short.baseline_excursion.spearman)}",
                f"{_pct2(long_.share_of_windows_with_estimate)} / {_pct2(short.share_of_windows_with_estimate)}",
                f"{_no_estimate(long_)} / {_no_estimate(short)}",
                (f"{_ratio(run.totals_ratio_long)} / {_ratio(run.totals_ratio_short)}" if windows == "all" else ""),
                lift if windows == "all" else "",
            ))
    s = report.settings
    h = s.touch_hours[0] if s.touch_hours else 0.0
    holdout = (f"; holdout: windows from {s.holdout_start} ({report.n_holdout})" if s.holdout_start else "")
    return TextTable(
        title=f"Headline: the default configuration and map profiles ({report.n_windows} windows{holdout})",
        headers=("configuration", "windows", "long Spearman map vs exc·OI", "short Spearman map vs exc·OI",
                 "windows with estimate % long / short",
                 "without: windows (move < closest liq.): % of actual USD, long / short",
                 f"totals ratio long / short (OI × {s.oi_venue_share:g})",
                 f"cluster touch lift {h:g} h pp [95% CI]"),
        rows=tuple(rows),
        note=("exc·OI: the window's adverse excursion (drop for longs, rise for shorts) × OI, a baseline that uses "
              "no map. Without: the windows without an estimate; in brackets, those in which price moved less than "
              "the configuration's closest liquidation distance (its highest leverage; in % of entry, long / short: "
              f"{_closest(report)}): largest fall from a high to a later low for longs, rise from a low to a later "
              "high for shorts, within the window; no position opened inside such a window could be liquidated "
              "there, unless a funding settlement inside it moved its level closer (funding_adjusted; by about the "
              "funding rate, e.g. 0.01 % of price); after the colon, the share of the actual liquidations (USD) "
              "that fell in the windows without an estimate. Such a window can still get an estimate from a level "
              "counted over its whole bin (--bin-bps, 10 by default) or spread into the next bin by the fractional "
              "funding moves; docs/evaluation.md gives the share with 1-2 bps bins. Totals ratio: the map's estimated "
              "liquidations × the venue's share of open interest ÷ the actual liquidations over the same windows."),
    )


def _no_estimate(t: SideTracking) -> str:
    """Windows without an estimate, those price could not reach in brackets, and their share of the actual USD."""
    small = f" ({t.without_estimate_small_move})" if t.without_estimate_small_move >= 0 else ""
    return f"{t.windows_without_estimate}{small}: {_pct2(t.actual_share_without_estimate)} %"


def _closest(report: EvaluationReport) -> str:
    """Format the closest liquidation distances (percent of entry) of the headline's runs, distinct values only."""
    seen: list[str] = []
    for run in report.runs:
        if run.model in ("default", "profile") and run.long is not None and run.short is not None:
            text = f"{100.0 * run.long.closest_liquidation:.2f} / {100.0 * run.short.closest_liquidation:.2f}"
            if text not in seen:
                seen.append(text)
    return ", ".join(seen) or "n/a"


def summary_table(report: EvaluationReport) -> TextTable:
    """
    One row per model × profile with the headline figure of each evaluation beside its baseline.

    Columns: Spearman of the long and short estimates (with ``|r|·OI`` and ``exc·OI`` in brackets), the touch
    lift of the first attraction horizon with its block-bootstrap interval, and the hit rate of the last bias
    horizon with its Wilson interval beside the independent-calls rate.

    Parameters
    ----------
    report : EvaluationReport
        Every run (model × profile); a failed one shows its error.

    Returns
    -------
    TextTable
    """
    s = report.settings
    h_touch = s.touch_hours[0] if s.touch_hours else None
    h_bias = s.bias_hours[-1] if s.bias_hours else None
    rows: list[tuple[str, ...]] = []
    for run in report.runs:
        if run.long is None or run.short is None:
            rows.append(_error_row(run, 6))
            continue
        cells = [run.model, run.profile]
        for side in (run.long, run.short):
            cells.append(f"{_f(side.map.spearman)} ({_f(side.baseline_abs_return.spearman)} / "
                         f"{_f(side.baseline_excursion.spearman)})")
        if run.attraction:
            a = run.attraction[0]
            cells.append(f"{_pct(a.hit_rate)} vs {_pct(a.base_rate)}: {_signed_pct(a.lift)} "
                         f"[{_signed_pct(a.lift_ci[0])}, {_signed_pct(a.lift_ci[1])}]")
        else:
            cells.append("")
        if run.bias:
            b = run.bias[-1]
            cells.append(f"{_pct(b.hit_rate)} {_ci_pct(b.hit_rate_ci)} vs {_pct(b.independent_rate)}")
        else:
            cells.append("")
        rows.append(tuple(cells))
    return TextTable(
        title=f"Summary ({report.n_windows} windows of {report.window_hours:g} h; map figure, baselines beside it)",
        headers=("model", "profile", "long Spearman map (|r|·OI / exc·OI)", "short Spearman map (|r|·OI / exc·OI)",
                 f"clusters touched in {h_touch:g} h % vs same-distance %: lift pp [95% CI]" if h_touch else "",
                 f"bias hit % next {h_bias:g} h [Wilson 95%] vs independent calls %" if h_bias else ""),
        rows=tuple(rows),
        note="Details and further baselines (Pearson, top-decile overlap, mirror levels, momentum) follow.",
    )


def all_tables(report: EvaluationReport) -> list[TextTable]:
    """
    Every table of the report, in order (headline; summary; tracking long, short; attraction; bias).

    Parameters
    ----------
    report : EvaluationReport
        What ``liqheat evaluate`` measured.

    Returns
    -------
    list[TextTable]
        The tables ``liqheat evaluate`` prints (and writes with ``--markdown``).
    """
    return [headline_table(report), summary_table(report), tracking_table(report, "long"),
            tracking_table(report, "short"), *attraction_tables(report), *bias_tables(report)]


def to_markdown(table: TextTable) -> str:
    """
    GitHub-flavoured markdown of a table (``|`` inside cells escaped).

    Parameters
    ----------
    table : TextTable
        A table of the report (title, headers, rows of strings, note).

    Returns
    -------
    str
    """
    def row(cells) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    lines = [f"**{table.title}**", "", row(table.headers), "|" + "---|" * len(table.headers)]
    lines += [row(r) for r in table.rows]
    if table.note:
        lines += ["", f"*{table.note}*"]
    return "\n".join(lines)


def render_markdown(report: EvaluationReport) -> str:
    """
    Render the whole report as markdown: header lines, notes and every table.

    Parameters
    ----------
    report : EvaluationReport
        What ``liqheat evaluate`` measured (``liqheat_nautilus.evaluation.runner.evaluate``).

    Returns
    -------
    str
    """
    head = [f"Data: {report.source}", ""]
    head += [f"- {note}" for note in report.notes]
    body = [to_markdown(t) for t in all_tables(report)]
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + f"\n\nEvaluation time: {report.seconds:.1f} s\n"


def print_report(report: EvaluationReport, console=None) -> None:
    """
    Print every table to the terminal with rich.

    Parameters
    ----------
    report : EvaluationReport
        What ``liqheat evaluate`` measured (``liqheat_nautilus.evaluation.runner.evaluate``).
    console : rich.console.Console, optional
        Default: a console on stdout at least 160 columns wide.
    """
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=max(160, Console().width))
    console.print(f"[bold]Data:[/bold] {report.source}")
    for note in report.notes:
        console.print(f"  note: {note}")
    for t in all_tables(report):
        table = Table(title=t.title, caption=t.note, title_justify="left", caption_justify="left")
        for h in t.headers:
            table.add_column(h, overflow="fold")
        for r in t.rows:
            table.add_row(*r)
        console.print(table)
    console.print(f"evaluation time {report.seconds:.1f} s "
                  f"(replays {sum(r.replay_seconds for r in report.runs):.1f} s)")


def report_to_dict(report: EvaluationReport) -> dict:
    """
    Plain-JSON form of the report (non-finite numbers become ``null``, tuples lists).

    Parameters
    ----------
    report : EvaluationReport
        What ``liqheat evaluate`` measured (``liqheat_nautilus.evaluation.runner.evaluate``).

    Returns
    -------
    dict
    """
    data = dataclasses.asdict(report)
    data["settings"]["models"] = list(report.settings.resolved_models())
    data["settings"]["profiles"] = list(report.settings.resolved_profiles())
    return json_safe(data)


def report_to_json(report: EvaluationReport, indent: int | None = 2) -> str:
    """
    JSON text of :func:`report_to_dict`.

    Parameters
    ----------
    report : EvaluationReport
        What ``liqheat evaluate`` measured (``liqheat_nautilus.evaluation.runner.evaluate``).
    indent : int, optional
        Indentation (None for one line).

    Returns
    -------
    str
    """
    return json.dumps(report_to_dict(report), indent=indent, allow_nan=False)

