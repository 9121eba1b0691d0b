"""Customer text holding HTML or script is shown as text on every page, in Chromium: no script runs."""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import FollowUp, ResponseNote, ResponseTag, ResponseTheme, Role, SurveyKind, Theme
from feedback_app.services.loop import actions
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in

PAYLOADS = [
    "<script>window.__xss = 'script'</script>",
    "<img src=x onerror=\"window.__xss = 'img'\">",
    "\"><svg onload=\"window.__xss = 'svg'\">",
    "'><script>alert('xss')</script>",
    "javascript:window.__xss='url'",
]
ALL = " ".join(PAYLOADS)


@pytest.fixture()
def poisoned(db):
    """A workspace whose every customer-controlled text is a payload."""
    workspace = create_workspace("XSS Co")
    owner = create_user(workspace, role=Role.OWNER)
    owner.name = PAYLOADS[1]
    survey = create_survey(workspace, SurveyKind.NPS, name=PAYLOADS[2])
    churn = create_survey(workspace, SurveyKind.CHURN_EXIT, churn_reasons=[PAYLOADS[0]])
    person = create_person(workspace, name=PAYLOADS[0], email="victim@example.com", external_id=PAYLOADS[4],
                           properties={PAYLOADS[1]: PAYLOADS[2], "site": PAYLOADS[4]})
    response = create_response(survey, person=person, score=2, comment=ALL,
                               properties={PAYLOADS[2]: PAYLOADS[0], "plan": PAYLOADS[1]})
    create_response(churn, person=person, churn_reason=PAYLOADS[0], comment=PAYLOADS[3])
    theme = Theme(workspace_id=workspace.id, key="t", label=PAYLOADS[1], key_phrases=[PAYLOADS[0]],
                  representative_response_ids=[response.id], priority=50.0,
                  scores={"volume": 1, "priority": 50.0, "explanation": PAYLOADS[2], "trend": "up"})
    other = Theme(workspace_id=workspace.id, key="u", label=PAYLOADS[3], priority=10.0)
    _db.session.add_all([theme, other])
    _db.session.flush()
    _db.session.add_all([
        ResponseTheme(response_id=response.id, theme_id=theme.id, workspace_id=workspace.id),
        ResponseTag(response_id=response.id, name=PAYLOADS[0].lower(), workspace_id=workspace.id),
        ResponseNote(response_id=response.id, author_id=owner.id, text=PAYLOADS[2]),
        FollowUp(workspace_id=workspace.id, response_id=response.id, status="open"),
    ])
    _db.session.commit()
    action = actions.create_action(workspace, title=PAYLOADS[0], theme=theme, response_ids=[response.id],
                                   description=PAYLOADS[1], public_message=PAYLOADS[3])
    return {"workspace": workspace, "owner": owner, "survey": churn, "person": person, "response": response,
            "theme": theme, "action": action}


@pytest.mark.browser
def test_no_payload_runs_on_any_page(poisoned, live_server, browser):
    slug = poisoned["workspace"].slug
    paths = [
        "/", f"/?segment_key=plan&segment_value={PAYLOADS[1]}", "/themes", f"/themes/{poisoned['theme'].id}",
        f"/themes/{poisoned['theme'].id}?segment_key=plan", "/responses", f"/responses?q={PAYLOADS[0]}",
        f"/responses/{poisoned['response'].id}", "/people", f"/people?q={PAYLOADS[1]}",
        f"/people/{poisoned['person'].id}", "/follow-ups", "/settings", "/surveys",
        f"/surveys/{poisoned['survey'].id}", "/actions", f"/actions/{poisoned['action'].id}",
        f"/actions/new?theme={poisoned['theme'].id}",
    ]
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script("window.__xss = null;")
    browser_log_in(page, live_server, poisoned["owner"].email)
    for path in paths:
        page.goto(f"{live_server}/app/{slug}{path}")
        page.wait_for_load_state("load")
        page.hover("body")
        assert page.evaluate("window.__xss") is None, path
        assert dialogs == [], path
        # The only scripts a page may hold are its own files (the survey page's live preview).
        injected = "main script:not([src^='/static/']), main img[src=x], main svg[onload]"
        assert page.locator(injected).count() == 0, path
    # The payloads are there, as text.
    page.goto(f"{live_server}/app/{slug}/responses/{poisoned['response'].id}")
    assert PAYLOADS[0] in page.text_content("[data-testid=comment]")
    assert PAYLOADS[2] in page.text_content("[data-testid=note]")
    page.goto(f"{live_server}/app/{slug}/people/{poisoned['person'].id}")
    assert page.text_content("[data-testid=person-name]") == PAYLOADS[0]
