"""Chart geometry computed on the server, drawn as inline SVG by the templates (no script needed).

Labels reach the page only through Jinja's autoescape (SVG ``<title>`` and ``<text>``), so a
customer's text in a label stays text.
"""
from dataclasses import dataclass, field


@dataclass
class Chart:
    """What a template needs to draw a line or bar chart."""

    width: int
    height: int
    points: list = field(default_factory=list)  # [{"x", "y", "value", "label", "h", "partial"}]
    y_ticks: list = field(default_factory=list)  # [{"y", "label"}]
    x_labels: list = field(default_factory=list)  # [{"x", "label"}]
    baseline: float = 0.0
    bar_width: float = 0.0  # bar charts: the width of each bar, inside its period's slot

    @property
    def polyline(self):
        """Return the SVG ``points`` of the line through the whole periods' values."""
        whole = [p for p in self.points if p["value"] is not None and not p["partial"]]
        return " ".join(f"{p['x']:.1f},{p['y']:.1f}" for p in whole)

    @property
    def partial_lines(self):
        """Return ``[(x1, y1, x2, y2)]``: the lines to or from a partial period's value, drawn apart (dashed)."""
        known = [p for p in self.points if p["value"] is not None]
        return [(a["x"], a["y"], b["x"], b["y"]) for a, b in zip(known, known[1:]) if a["partial"] or b["partial"]]

    @property
    def plot_right(self):
        """Return the x of the plot's right edge (its last point's)."""
        return self.width - PAD_RIGHT

    @property
    def empty(self):
        return all(p["value"] is None for p in self.points)


# The last x label is centred on the plot's right edge: PAD_RIGHT holds half of the widest one
# ("Dec 2026" is about 45 px in the 10 px axis font), so no label is cut by the svg's edge.
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 30, 10, 24
# A bar takes this share of its period's slot; the rest is the gap between neighbours.
BAR_FILL = 0.7


def _format_period(period, granularity):
    if granularity == "month":
        return period.strftime("%b %Y")
    return period.strftime("%d %b")


def series_chart(series, key, *, granularity, lower=None, upper=None, width=640, height=200, fmt="{:.0f}"):
    """Return a :class:`Chart` of ``series[i][key]`` per period; ``None`` values leave gaps.

    A row whose ``partial`` is true (a period not over, or not covered whole) gives a point drawn
    apart, off the solid line.

    :param lower: fixed bottom of the y axis (e.g. -100 for NPS); else the data's minimum.
    :param upper: fixed top of the y axis; else the data's maximum.
    """
    values = [row[key] for row in series]
    known = [v for v in values if v is not None]
    low = lower if lower is not None else min(known + [0])
    high = upper if upper is not None else max(known + [1])
    if high == low:
        high = low + 1
    plot_w, plot_h = width - PAD_LEFT - PAD_RIGHT, height - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(len(series) - 1, 1)
    chart = Chart(width=width, height=height)

    def y_of(value):
        return PAD_TOP + plot_h * (1 - (value - low) / (high - low))

    for index, row in enumerate(series):
        value = row[key]
        x = PAD_LEFT + step * index if len(series) > 1 else PAD_LEFT + plot_w / 2
        label = _format_period(row["period"], granularity)
        y = y_of(value) if value is not None else None
        chart.points.append({"x": x, "y": y, "value": value, "label": label,
                             "text": "–" if value is None else fmt.format(value),
                             "h": (y_of(low) - y) if y is not None else 0, "partial": row.get("partial", False)})
    for fraction in (0, 0.5, 1):
        value = low + (high - low) * fraction
        chart.y_ticks.append({"y": y_of(value), "label": fmt.format(value)})
    every = max(1, len(series) // 6)
    chart.x_labels = [{"x": p["x"], "label": p["label"]} for p in chart.points[::every]]
    chart.baseline = y_of(max(low, 0) if low < 0 < high else low)
    return chart


def bar_series_chart(series, key, *, granularity, width=640, height=200, fmt="{:.0f}"):
    """Return a :class:`Chart` of one bar per period of ``series[i][key]`` (counts: the y axis starts at 0).

    Each period gets an equal slot of the plot and its bar fills most of it, centred: bars placed
    on a line chart's points (the first on the y axis, the last on the plot's right edge) covered
    the axis labels and ran past the svg when there were only 2 or 3 periods.
    """
    chart = series_chart(series, key, granularity=granularity, lower=0, width=width, height=height, fmt=fmt)
    slot = (width - PAD_LEFT - PAD_RIGHT) / max(len(series), 1)
    for index, point in enumerate(chart.points):
        point["x"] = PAD_LEFT + slot * (index + 0.5)
    chart.bar_width = slot * BAR_FILL
    every = max(1, len(series) // 6)
    chart.x_labels = [{"x": p["x"], "label": p["label"]} for p in chart.points[::every]]
    return chart


def group_shares_chart(series, groups, *, granularity, width=640, height=200):
    """Return a :class:`Chart` of 100% stacked bars: each period's share of each score group.

    :param groups: ``[(key of the series rows, group name)]`` from the bottom of a bar up, e.g.
        ``[("detractors", "detractor"), ("passives", "passive"), ("promoters", "promoter")]``.
    A period without answers has no bar (its point's ``value`` is ``None``).
    """
    plot_w, plot_h = width - PAD_LEFT - PAD_RIGHT, height - PAD_TOP - PAD_BOTTOM
    slot = plot_w / max(len(series), 1)
    chart = Chart(width=width, height=height)
    for index, row in enumerate(series):
        total = sum(row[key] for key, _group in groups)
        bottom, segments = PAD_TOP + plot_h, []
        for key, group in groups if total else ():
            share = row[key] / total
            segments.append({"group": group, "count": row[key], "share": share, "y": bottom - plot_h * share,
                             "h": plot_h * share})
            bottom -= plot_h * share
        label = _format_period(row["period"], granularity)
        chart.points.append({"x": PAD_LEFT + slot * (index + 0.5), "y": None, "h": 0, "value": total or None,
                             "label": label, "segments": segments,
                             "text": ", ".join(f"{s['count']} {s['group']}s ({s['share']:.0%})" for s in segments)
                             or "no answers"})
    chart.bar_width = slot * BAR_FILL
    chart.y_ticks = [{"y": PAD_TOP + plot_h * (1 - fraction), "label": f"{fraction:.0%}"} for fraction in (0, 0.5, 1)]
    every = max(1, len(series) // 6)
    chart.x_labels = [{"x": p["x"], "label": p["label"]} for p in chart.points[::every]]
    chart.baseline = PAD_TOP + plot_h
    return chart


def sparkline(values, *, width=120, height=28):
    """Return the SVG ``points`` attribute of a sparkline of ``values`` (empty for none)."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = width / max(len(values) - 1, 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in enumerate(values))
