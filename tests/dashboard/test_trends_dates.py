"""The Trends page's date inputs show the period in use, both ends, as the overview's do.

Seen on a fresh demo: with no end date given the "To" input was empty, although the page said
"... to <today>" and drew the lines up to today.
"""
import re
from datetime import date, timedelta

import pytest

from feedback_app.models import SurveyKind
from feedback_app.services.insights import reports
from tests.factories import create_response, create_survey, create_user, create_workspace

YEAR = timedelta(days=364)  # the page's default period: the last 365 days, today included


@pytest.fixture()
def workspace(db):
    return create_workspace("Trend Dates Co")


def _dates(page):
    """Return the ``(From, To)`` values of the filter form's date inputs ("" when empty)."""
    values = []
    for name in ("start", "end"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        value = re.search(r'value="([^"]*)"', tag)
        values.append(value.group(1) if value else "")
    return tuple(values)


def _trends(client, workspace, **query):
    response = client.get(f"/app/{workspace.slug}/trends", query_string=query)
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("with_properties", [False, True])
def test_without_dates_both_inputs_show_the_last_year_up_to_today(client, login, workspace, with_properties):
    if with_properties:  # the trend is drawn; without a property the page only says so
        create_response(create_survey(workspace, SurveyKind.NPS), score=9, properties={"plan": "pro"})
    login(create_user(workspace))
    status, page = _trends(client, workspace)
    today = reports.utc_today()
    assert status == 200
    assert _dates(page) == ((today - YEAR).isoformat(), today.isoformat())
    assert (f"{today - YEAR} to {today}" in page) == with_properties


def test_a_start_alone_shows_today_as_its_end(client, login, workspace):
    login(create_user(workspace))
    today = reports.utc_today()
    start = (today - timedelta(days=40)).isoformat()
    status, page = _trends(client, workspace, start=start)
    assert status == 200
    assert _dates(page) == (start, today.isoformat())


def test_an_end_alone_shows_the_year_before_it(client, login, workspace):
    login(create_user(workspace))
    status, page = _trends(client, workspace, end="2025-06-30")
    assert status == 200
    assert _dates(page) == ((date(2025, 6, 30) - YEAR).isoformat(), "2025-06-30")


def test_a_start_after_today_without_an_end_is_refused_beside_the_field(client, login, workspace):
    login(create_user(workspace))
    start = (reports.utc_today() + timedelta(days=10)).isoformat()
    status, page = _trends(client, workspace, start=start)
    assert status == 422
    assert _dates(page) == (start, reports.utc_today().isoformat())  # what was typed, and the end compared with
    after_start = page.split('name="start"', 1)[1]
    assert after_start.index("must be on or before the end date") < after_start.index('name="end"')
    assert "No response carries a person property yet" not in page  # the page is about the dates, not the data


def test_the_property_input_shows_the_property_drawn_by_default(client, login, workspace):
    create_response(create_survey(workspace, SurveyKind.NPS), score=9, properties={"company_size": "1-10"})
    login(create_user(workspace))
    status, page = _trends(client, workspace)
    assert status == 200 and "by <strong>company_size</strong>" in page
    assert re.search(r'<input[^>]*name="property"[^>]*value="company_size"', page)
