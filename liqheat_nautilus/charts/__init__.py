"""Charts of the liquidation map (Plotly): map, heatmap, backtest report; HTML that opens offline and PNG.

- :mod:`~liqheat_nautilus.charts.liquidation_map` — notional per price bin stacked by leverage tier (Coinglass
  "liquidation map"), cumulative curves, current price, cluster hover labels;
- :mod:`~liqheat_nautilus.charts.heatmap` — time × price density from the snapshot ring buffer, price path,
  faded cleared zones;
- :mod:`~liqheat_nautilus.charts.backtest_report` — price over the heatmap with entries/exits, equity,
  drawdown and the strategy comparison table;
- :mod:`~liqheat_nautilus.charts.output` / :mod:`~liqheat_nautilus.charts.browser` — writing HTML, and PNG by
  screenshotting the page in headless Chromium (Debian's ``chromium``).
"""

from liqheat_nautilus.charts.backtest_report import backtest_report_figure, report_from_outcome, write_backtest_report
from liqheat_nautilus.charts.heatmap import heatmap_data, heatmap_figure
from liqheat_nautilus.charts.liquidation_map import MapView, liquidation_map_figure
from liqheat_nautilus.charts.output import ChartFiles, write_figure, write_html, write_png

__all__ = [
    "ChartFiles",
    "MapView",
    "backtest_report_figure",
    "heatmap_data",
    "heatmap_figure",
    "liquidation_map_figure",
    "report_from_outcome",
    "write_backtest_report",
    "write_figure",
    "write_html",
    "write_png",
]
