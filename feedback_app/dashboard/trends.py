"""Trends page: one NPS line per value of a person property over time, as Delighted's Trends showed it."""
from datetime import timedelta

from flask import g, render_template, request

from feedback_app.dashboard import charts
from feedback_app.dashboard.forms import TrendFilterForm
from feedback_app.dashboard.overview import read_report_filters
from feedback_app.dashboard.routes import bp
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.insights import reports, trends

DEFAULT_DAYS = 365  # Delighted's Trends opened on the last year


@bp.get("/app/<workspace>/trends")
def segment_trends():
    """Show the NPS of each value of the chosen property, period by period."""
    form = TrendFilterForm(request.args)
    form.set_surveys(reports.survey_choices(g.workspace))
    keys = reports.segment_keys(g.workspace)
    context = {"form": form, "segment_keys": keys, "trend": None, "charts": {}, "invalid": False}
    if not form.validate():
        return render_template("dashboard/trends.html", **{**context, "invalid": True}), 422
    if form.start.data is None:
        form.start.data = (form.end.data or reports.utc_today()) - timedelta(days=DEFAULT_DAYS - 1)
    try:
        filters = read_report_filters(form)
    except InvalidInput as error:  # what the form cannot check alone: a start after today with no end
        for name, problems in error.fields.items():
            if name in form:
                form[name].errors = [*form[name].errors, *problems]
        if form.end.data is None:
            form.end.data = reports.utc_today()  # the end the start was compared with
        return render_template("dashboard/trends.html", **{**context, "invalid": True}), 422
    # The date inputs show the period in use, its default end (today) too, as the overview's do.
    form.start.data, form.end.data = filters.start, filters.end
    property_key = (form.property.data or "").strip() or (keys[0] if keys else None)
    if property_key is None:  # no response carries a property yet: nothing to follow
        return render_template("dashboard/trends.html", **context)
    form.property.data = property_key  # the property in use, also when it is the first one by default
    trend = trends.segment_trend(g.workspace, filters, property_key=property_key)
    context.update(trend=trend, filters=filters, charts={
        value: charts.series_chart(trend.series[value], "nps", lower=-100, upper=100,
                                   granularity=filters.granularity) for value in trend.values})
    return render_template("dashboard/trends.html", **context)
