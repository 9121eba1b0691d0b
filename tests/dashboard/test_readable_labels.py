"""The dashboard names stored values in words: "Churn exit", "On page load", "Hosted page", never ``churn_exit``."""
import re

import pytest

from feedback_app.models import Role, SurveyKind
from tests.factories import create_response, create_survey, create_user, create_workspace


@pytest.fixture()
def world(db):
    workspace = create_workspace("Home Co")
    owner = create_user(workspace, role=Role.OWNER)
    churn = create_survey(workspace, SurveyKind.CHURN_EXIT, name="Cancellation survey",
                          trigger={"type": "event", "event": "clicked_cancel"})
    nps = create_survey(workspace, SurveyKind.NPS, name="Product NPS")
    csat = create_survey(workspace, SurveyKind.CSAT, name="Support CSAT", trigger={"type": "url", "url": "/help*"})
    return {"owner": owner, "churn": churn, "nps": nps, "csat": csat}


def _cells(page):
    """Return the surveys table's rows as lists of cell texts, tags stripped."""
    rows = re.findall(r"<tr><td>(.*?)</tr>", page.split('data-testid="surveys"')[1], flags=re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.split(r"</td>\s*<td>", row)] for row in rows]


def test_surveys_list_names_types_channels_triggers_and_status_in_words(client, login, world):
    login(world["owner"])
    page = client.get("/app/home-co/surveys").get_data(as_text=True)
    rows = {cells[0]: cells[1:5] + [cells[5]] for cells in _cells(page)}
    assert rows["Cancellation survey"][:3] == ["Churn exit", "Widget, Hosted page, Email",
                                               "On an event: clicked_cancel"]
    assert rows["Product NPS"][:3] == ["NPS", "Widget, Hosted page, Email", "On page load, after 5 s"]
    assert rows["Support CSAT"][2] == "On a URL: /help*"
    assert rows["Product NPS"][4] == "Active"
    for raw in ("churn_exit", "page_load", ">active<", "widget, link"):
        assert raw not in page


def test_survey_type_choices_are_words(client, login, world):
    login(world["owner"])
    page = client.get("/app/home-co/surveys/new").get_data(as_text=True)
    assert '<option value="churn_exit">Churn exit</option>' in page
    assert re.search(r'<option (selected )?value="link">Hosted page</option>', page)  # the channels


def test_responses_inbox_names_the_channel(client, login, world):
    create_response(world["nps"], score=9, comment="Fine", channel="link")
    login(world["owner"])
    page = client.get("/app/home-co/responses").get_data(as_text=True)
    assert '<span class="muted">Hosted page</span>' in page and '<span class="muted">link</span>' not in page
    assert '<option value="link">Hosted page</option>' in page  # the channel filter
