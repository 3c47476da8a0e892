"""Insights: what the catalog says about the videos the viewer may list, as Bokeh charts."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool, NumeralTickFormatter

from dashboard import safe, theme
from dashboard.store import Store
from reelhouse.client import ClientError
from reelhouse.insights import DayUploads, DurationBin, Insights, ProcessingTime

EMPTY = ("No insights yet: the catalog is empty or cannot be read. Upload a video and wait "
         "until it is ready; its facts appear here within a minute.")
_ACCENT = theme.ACCENT


def _figure(title: str, **kw: Any) -> Any:
    from bokeh.plotting import figure  # loads on first use, not on a page's first answer

    fig = figure(title=title, height=280, sizing_mode="stretch_width", toolbar_location=None,
                 min_width=260, **kw)
    fig.title.text_font_size = "13pt"
    fig.outline_line_color = None
    fig.grid.grid_line_alpha = 0.3
    return fig


def uploads_chart(per_day: list[DayUploads]) -> Any:
    # Bokeh sends a `date` as a string, which a datetime axis cannot place: use datetimes.
    days = [datetime.combine(r.day, time(), tzinfo=UTC) for r in per_day]
    fig = _figure("Uploads per day", x_axis_type="datetime")
    fig.vbar(x=days, top=[r.uploads for r in per_day], width=0.8 * 86_400_000,
             color=_ACCENT)
    fig.y_range.start = 0
    fig.add_tools(HoverTool(tooltips=[("day", "@x{%F}"), ("uploads", "@top")],
                            formatters={"@x": "datetime"}))
    return fig


def storage_chart(by_rung: dict[str, int], source_bytes: int) -> Any:
    names = [*by_rung, "source"] if source_bytes else list(by_rung)
    mib = [(by_rung.get(n) or 0) / 2**20 for n in by_rung] + (
        [source_bytes / 2**20] if source_bytes else [])
    fig = _figure("Storage by rung (MiB)", x_range=names)
    fig.vbar(x=names, top=mib, width=0.7, color=_ACCENT)
    fig.y_range.start = 0
    fig.yaxis.formatter = NumeralTickFormatter(format="0,0.0")
    fig.add_tools(HoverTool(tooltips=[("rung", "@x"), ("MiB", "@top{0,0.0}")]))
    return fig


def duration_chart(bins: list[DurationBin]) -> Any:
    fig = _figure("Durations (seconds)")
    fig.quad(left=[b.start for b in bins], right=[b.end for b in bins], bottom=0,
             top=[b.count for b in bins], color=_ACCENT, line_color="white")
    fig.y_range.start = 0
    fig.add_tools(HoverTool(tooltips=[("from", "@left s"), ("to", "@right s"),
                                      ("videos", "@top")]))
    return fig


def processing_chart(points: list[ProcessingTime]) -> Any:
    source = ColumnDataSource({"duration": [p.duration_s for p in points],
                               "processing": [p.processing_s for p in points]})
    fig = _figure("Processing time per video", x_axis_label="video length (s)",
                  y_axis_label="processing (s)")
    fig.scatter("duration", "processing", source=source, size=8, alpha=0.6, color=_ACCENT)
    fig.add_tools(HoverTool(tooltips=[("length", "@duration{0.0} s"),
                                      ("processing", "@processing{0.0} s")]))
    return fig


def _number(name: str, value: str) -> pn.viewable.Viewable:
    return theme.card(safe.text_pane(name, "div", "rh-sub"),
                      safe.text_pane(value, "div", "rh-title"), min_width=160,
                      styles={**theme.CARD_STYLES, "flex": "1 1 200px"})


class InsightsView(pn.viewable.Viewer):
    """Totals and charts over the catalog, of the videos this viewer may list (the API
    rereads the catalog each minute)."""

    store = param.ClassSelector(class_=Store)

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._body = pn.Column(sizing_mode="stretch_width", margin=0)

    @param.depends("store.page", watch=True)
    def load(self) -> None:
        if self.store.page != "insights":
            return
        data = self._insights()
        if data is None or not data.videos:
            self._body.objects = [safe.text_pane(EMPTY, "div", "rh-empty", margin=(24, 0))]
            return
        hours = data.total_duration_s / 3600
        totals = pn.FlexBox(
            _number("Processed videos", f"{data.videos:,}"),
            _number("Hours of video", f"{hours:,.2f}"),
            _number("Source storage", safe.size(data.source_bytes)),
            _number("Rendition storage", safe.size(data.hls_bytes)), gap="12px")
        charts = [uploads_chart(data.uploads_per_day),
                  storage_chart(data.storage_by_rung, data.source_bytes),
                  duration_chart(data.duration_histogram),
                  processing_chart(data.processing)]
        grid = pn.FlexBox(*[theme.card(pn.pane.Bokeh(c, sizing_mode="stretch_width"),
                                       styles={**theme.CARD_STYLES, "flex": "1 1 420px"},
                                       min_width=280) for c in charts],
                          gap="12px", sizing_mode="stretch_width")
        self._body.objects = [totals, grid]

    def _insights(self) -> Insights | None:
        """The viewer's insights; None when the catalog (or the API) cannot answer."""
        try:
            return self.store.api.insights()
        except ClientError:
            return None

    def __panel__(self) -> pn.viewable.Viewable:
        return self._body
