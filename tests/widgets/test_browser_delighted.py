"""Delighted's web snippet in Debian's Chromium, unchanged but for its library URL and token."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from feedback_app.models import Person, SurveyDisplay, SurveyKind
from tests.factories import create_survey, create_workspace
from tests.support.processes import wait_until
from tests.support.browser import allow_origin, stored_responses

pytestmark = pytest.mark.browser

DELIGHTED_LIBRARY = "https://d2yyd1h5u9mauk.cloudfront.net/integrations/web/v1/library/"
# Delighted's documented snippet, as sites pasted it (YOUR_TOKEN stands for the project's token).
DELIGHTED_SNIPPET = (
    '!function(e,t,r,n){if(!e[n]){for(var a=e[n]=[],i=["survey","reset","config","init","set","get","event",'
    '"identify","track","page","screen","group","alias"],c=0;c<i.length;c++){var s=i[c];a[s]=a[s]||function(e)'
    '{return function(){var t=Array.prototype.slice.call(arguments);a.push([e,t])}}(s)}a.SNIPPET_VERSION="1.0.1";'
    'var o=t.createElement("script");o.type="text/javascript",o.async=!0,'
    'o.src="https://d2yyd1h5u9mauk.cloudfront.net/integrations/web/v1/library/"+r+"/"+n+".js";'
    'var p=t.getElementsByTagName("script")[0];p.parentNode.insertBefore(o,p)}}'
    '(window,document,"YOUR_TOKEN","delighted");')

# In <head>, where sites often paste it: delighted.survey() may then run before <body> exists.
HOST_PAGE = """<!doctype html>
<html><head><title>Hem &amp; Stitch</title>
<script type="text/javascript">
  __SNIPPET__

  delighted.survey(__OPTIONS__);
</script>
</head>
<body><h1>Hem &amp; Stitch</h1></body></html>"""


def embedding_page(app_url, workspace, options):
    """Return the host page: Delighted's snippet with only its library URL and token changed."""
    snippet = (DELIGHTED_SNIPPET.replace(DELIGHTED_LIBRARY, f"{app_url}/w/delighted/v1/library/")
               .replace('"YOUR_TOKEN"', json.dumps(workspace.public_key)))
    return HOST_PAGE.replace("__SNIPPET__", snippet).replace("__OPTIONS__", json.dumps(options))


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _displays(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count(SurveyDisplay.id)))


@pytest.fixture()
def delighted_site(db, live_server, other_origin, browser):
    """Return ``serve(workspace, pages_options)``: a host site whose pages embed the snippet.

    ``pages_options`` is ``{path: delighted.survey options}``; ``serve`` returns ``(open_page, page)``:
    ``open_page(path)`` loads a page and waits for the snippet's library.
    """
    page = browser.new_page()

    def open_page(path):
        page.goto(other_origin.url + path)
        page.wait_for_function("window.delighted && window.delighted.feedbackLoop === true")

    def serve(workspace, pages_options):
        allow_origin(db, workspace, other_origin.url)
        other_origin.pages.update({path: embedding_page(live_server, workspace, options)
                                   for path, options in pages_options.items()})
        return open_page, page

    return serve


def test_the_delighted_snippet_shows_the_survey_and_stores_the_answer_with_the_person(db, delighted_site):
    workspace = create_workspace("Hem Co")
    survey = create_survey(workspace, SurveyKind.NPS, trigger={})  # shown by delighted.survey() alone
    created = _iso(datetime.now(timezone.utc) - timedelta(days=40))
    options = {"email": "olive@example.com", "name": "Olive", "createdAt": created,
               "properties": {"customerId": 123, "location": "USA", "questionProductName": "The Classic Oxford"},
               "initialDelay": 30 * 86400, "minTimeOnPage": 3, "recurringPeriod": 90 * 86400}
    open_page, page = delighted_site(workspace, {"/": options})
    open_page("/")
    page.wait_for_timeout(1000)
    assert page.locator("[data-feedback-loop]").count() == 0  # minTimeOnPage: 3 seconds
    widget = page.locator("[data-feedback-loop] >> [role=dialog]")
    widget.wait_for(timeout=15000)
    assert "recommend The Classic Oxford to a friend" in widget.inner_text()
    widget.locator("button[data-score='9']").click()
    wait_until(lambda: stored_responses(db, survey_id=survey.id), timeout=15)
    widget.locator("textarea[name=comment]").fill("Lovely shirts")
    widget.locator("button.send").click()
    widget.locator("h2:has-text('Thank you')").wait_for(timeout=10000)
    open_page("/")  # recurringPeriod: this browser does not show it again within 90 days
    page.wait_for_timeout(4500)
    assert page.locator("[data-feedback-loop]").count() == 0
    [response] = stored_responses(db, survey_id=survey.id)
    assert (response.score, response.comment, response.channel) == (9, "Lovely shirts", "widget")
    assert response.properties == {"customerId": 123, "location": "USA", "questionProductName": "The Classic Oxford"}
    person = db.session.get(Person, response.person_id)
    assert (person.email, person.name) == ("olive@example.com", "Olive")
    assert _displays(db) == 1


def test_initial_delay_keeps_a_new_person_from_being_asked(db, delighted_site):
    workspace = create_workspace("New Co")
    create_survey(workspace, SurveyKind.NPS, trigger={})
    options = {"email": "fresh@example.com", "createdAt": _iso(datetime.now(timezone.utc) - timedelta(hours=1)),
               "initialDelay": 86400}
    open_page, page = delighted_site(workspace, {"/": options})
    open_page("/")
    page.wait_for_timeout(2500)
    assert page.locator("[data-feedback-loop]").count() == 0
    assert page.evaluate("typeof window.feedbackLoop") == "undefined"  # the widget was not even loaded
    assert _displays(db) == 0


def test_recurring_period_applies_per_browser_beside_the_recontact_window(db, delighted_site):
    workspace = create_workspace("Again Co")
    workspace.recontact_days = 0  # the server would ask again at once: only recurringPeriod holds it back
    create_survey(workspace, SurveyKind.NPS, trigger={})
    pages = {"/": {"email": "again@example.com", "recurringPeriod": 3600},
             "/once": {"email": "again@example.com", "recurringPeriod": False},
             "/always": {"email": "again@example.com", "forceDisplay": True}}
    open_page, page = delighted_site(workspace, pages)
    for path, shown in (("/", True), ("/", False), ("/once", False), ("/always", True)):
        open_page(path)
        if shown:
            page.locator("[data-feedback-loop] >> [role=dialog]").wait_for(timeout=15000)
            wait_until(lambda: _displays(db) >= 1, timeout=10)
            page.keyboard.press("Escape")
        else:
            page.wait_for_timeout(2000)
            assert page.locator("[data-feedback-loop]").count() == 0, path
    assert _displays(db) == 2
