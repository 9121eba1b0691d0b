"""Overview page: NPS, CSAT, CES and churn for a period, against the previous one, with trends."""
from flask import g, render_template, request

from analysis.scales import SCALES
from feedback_app.dashboard import charts
from feedback_app.dashboard.forms import OverviewFilterForm
from feedback_app.dashboard.routes import bp
from feedback_app.services.insights import reports, theme_reports

NPS_SCALE = SCALES["nps"]
# Bottom of each bar up: detractors, passives, promoters (the figures' keys and the scale's group names).
NPS_GROUPS = list(zip(("promoters", "passives", "detractors"), NPS_SCALE.labels))[::-1]
NPS_LEGEND = [(name, f"{low}-{high}") for name, (low, high) in zip(NPS_SCALE.labels, NPS_SCALE.groups)]


def read_report_filters(form):
    """Return :class:`reports.ReportFilters` from a validated filter form."""
    return reports.make_filters(
        start=form.start.data, end=form.end.data, granularity=form.granularity.data or "day",
        survey_id=form.survey.data, channel=form.channel.data or None,
        segment_key=(form.segment_key.data or "").strip() or None,
        segment_value=(form.segment_value.data or "").strip() or None,
    )


@bp.get("/app/<workspace>/")
def overview():
    """Show the workspace's figures for the chosen period and filters."""
    form = OverviewFilterForm(request.args)
    form.set_surveys(reports.survey_choices(g.workspace))
    context = {"form": form, "segment_keys": reports.segment_keys(g.workspace)}
    if not form.validate():
        return render_template("dashboard/overview.html", report=None, **context), 422
    filters = read_report_filters(form)
    # The date inputs show the period in use, also when it is the default one.
    form.start.data, form.end.data = filters.start, filters.end
    report = reports.overview(g.workspace, filters)
    series = report["series"]
    chart_args = {"granularity": filters.granularity}
    context["charts"] = {
        "nps": charts.series_chart(series, "nps", lower=-100, upper=100, **chart_args),
        "csat": charts.series_chart(series, "csat", lower=0, upper=100, **chart_args),
        "ces": charts.series_chart(series, "ces", lower=1, upper=7, fmt="{:.1f}", **chart_args),
        "volume": charts.bar_series_chart(series, "responses", **chart_args),
        "nps_groups": charts.group_shares_chart(series, NPS_GROUPS, **chart_args),
    }
    return render_template("dashboard/overview.html", report=report, filters=filters, nps_legend=NPS_LEGEND,
                           problems=theme_reports.worst_problems(g.workspace),
                           loved=theme_reports.most_loved(g.workspace), **context)
