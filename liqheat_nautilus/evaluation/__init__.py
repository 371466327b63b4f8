"""``liqheat evaluate``: judge the liquidation map against actual liquidations and price outcomes.

One concept per module: ``series`` (the input arrays), ``csv_inputs`` / ``coinglass`` / ``catalog_input``
(readers), ``replay`` (drives the pure engine and snapshots each window), ``metrics`` (rank/linear correlation,
top-share overlap, Wilson interval, block bootstrap), ``baselines`` (figures that use no map), ``tracking``,
``attraction`` and ``bias`` (the three evaluations), ``runner`` (every model × leverage profile) and ``report``
(tables and JSON). The method and the published figures are in ``docs/evaluation.md``.
"""

from liqheat_nautilus.evaluation.coinglass import read_coinglass_dir
from liqheat_nautilus.evaluation.replay import ReplayResult, replay
from liqheat_nautilus.evaluation.report import print_report, render_markdown, report_to_json
from liqheat_nautilus.evaluation.runner import EvaluationReport, EvaluationSettings, RunResult, run_evaluation
from liqheat_nautilus.evaluation.series import (
    BarSeries,
    EvaluationData,
    LiquidationWindows,
    Observations,
    TakerFlow,
)

__all__ = [
    "BarSeries",
    "EvaluationData",
    "EvaluationReport",
    "EvaluationSettings",
    "LiquidationWindows",
    "Observations",
    "ReplayResult",
    "RunResult",
    "TakerFlow",
    "print_report",
    "read_coinglass_dir",
    "render_markdown",
    "replay",
    "report_to_json",
    "run_evaluation",
]
