"""URL triggers in Debian's Chromium: a survey opens only on the paths its pattern names."""

import pytest
from sqlalchemy import func, select

from feedback_app.models import Role, Survey, SurveyDisplay, SurveyKind
from tests.factories import create_survey, create_user, create_workspace
from tests.support.browser import SETTLING_PAGE, embedding_page, widget_opened

pytestmark = pytest.mark.browser

PATHS = ("/", "/account", "/help/x", "/x/help")


def _display_count(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count(SurveyDisplay.id)))


def _walk(db, live_server, other_origin, browser, workspace, identity):
    """Visit the host paths in one browser; return what opened where and the displays after the misses."""
    seen = {}
    host = other_origin.url
    workspace.allowed_origins = [host]
    db.session.commit()
    for path in PATHS:
        other_origin.pages[path] = embedding_page(live_server, workspace, identity, SETTLING_PAGE)
    page = browser.new_page()
    for url in ("/", "/account?next=/help", "/x/help"):
        seen[url] = widget_opened(page, host + url)
    seen["displays before /help/x"] = _display_count(db)
    seen["/help/x"] = widget_opened(page, host + "/help/x")
    if seen["/help/x"]:  # opened: the visitor really sees the survey
        page.locator("[data-feedback-loop] >> [role=dialog]").wait_for(timeout=15000)
    return seen


EXPECTED = {"/": False, "/account?next=/help": False, "/x/help": False, "displays before /help/x": 0,
            "/help/x": True}


def test_url_trigger_opens_only_on_its_paths_and_uses_no_recontact_elsewhere(db, live_server, other_origin, browser):
    workspace = create_workspace("Help Co")
    create_survey(workspace, SurveyKind.NPS, trigger={"type": "url", "url": "/help*"})
    assert _walk(db, live_server, other_origin, browser, workspace, {"id": "cust-help"}) == EXPECTED


def test_url_trigger_saved_from_the_dashboard_opens_only_on_its_paths(db, client, login, live_server, other_origin,
                                                                      browser):
    workspace = create_workspace("Desk Co")
    login(create_user(workspace, role=Role.OWNER))
    form = {"name": "Help NPS", "kind": "nps", "locales": "en", "texts.en.question": "Would you recommend us?",
            "channels": ["widget"], "trigger_type": "url", "trigger_value": "/help*", "delay_seconds": "0",
            "sampling_percent": "100"}
    assert client.post("/app/desk-co/surveys/new", data=form).status_code == 302
    survey_id = db.session.scalar(select(Survey.id))
    # A new survey is a draft: published, it is shown.
    assert client.post(f"/app/desk-co/surveys/{survey_id}/status", data={"status": "active"}).status_code == 302
    assert db.session.scalar(select(Survey.trigger)) == {"type": "url", "url": "/help*", "delay_seconds": 0}
    assert _walk(db, live_server, other_origin, browser, workspace, {"id": "cust-desk"}) == EXPECTED


# The workspace key comes from the page's query string, which the patterns never see.
KEYED_PAGE = """<!doctype html>
<html><head><title>Docs</title></head><body><h1>Docs</h1>
<script>
  window.settled = false;
  window.addEventListener("feedbackloop:ready", function () { setTimeout(function () { window.settled = true; }, 0); });
  var loader = document.createElement("script");
  loader.src = "__APP__/w/widget.js";
  loader.setAttribute("data-workspace", new URLSearchParams(location.search).get("key"));
  document.head.appendChild(loader);
</script></body></html>"""
PATTERN_CASES = [
    ({"type": "url", "url": "/docs/*.html"}, "/docs/intro.html", True),
    ({"type": "url", "url": "/docs/*.html"}, "/docs/guide/sync.html", True),
    ({"type": "url", "url": "/docs/*.html"}, "/docs/introxhtml", False),  # "." is a dot, not any character
    ({"type": "url", "url": "/docs/*.html"}, "/docs/intro.html/edit", False),  # anchored at the end
    ({"type": "url", "url": "/docs/*.html"}, "/x/docs/intro.html", False),  # anchored at the start
    ({"type": "url", "url": "/pricing"}, "/pricing", True),
    ({"type": "url", "url": "/pricing"}, "/pricing/team", False),
    ({"type": "url", "url_pattern": "/docs*"}, "/docs/intro.html", False),  # the old key names no pattern
    ({"type": "page_load", "url": "/docs*"}, "/docs/intro.html", True),
    ({"type": "page_load", "url": "/docs*"}, "/pricing", False),
]


def test_url_patterns_are_anchored_globs_on_the_path(db, live_server, other_origin, browser):
    workspaces = [create_workspace(f"Docs Co {number}") for number in range(len(PATTERN_CASES))]
    for workspace, (trigger, _path, _expected) in zip(workspaces, PATTERN_CASES):
        create_survey(workspace, SurveyKind.CSAT, trigger=trigger)
    seen = []
    host = other_origin.url
    for workspace in workspaces:
        workspace.allowed_origins = [host]
    db.session.commit()
    for _trigger, path, _expected in PATTERN_CASES:
        other_origin.pages[path] = KEYED_PAGE.replace("__APP__", live_server)
    for workspace, (trigger, path, _expected) in zip(workspaces, PATTERN_CASES):
        context = browser.new_context()  # a new visitor each time: nobody's recontact window applies
        seen.append((trigger, path, widget_opened(context.new_page(), f"{host}{path}?key={workspace.public_key}")))
        context.close()
    assert seen == PATTERN_CASES
