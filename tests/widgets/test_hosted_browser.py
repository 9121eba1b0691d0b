"""The hosted survey page answered in Chromium with JavaScript disabled, CSRF on (production config)."""
import pytest
from sqlalchemy import select

from feedback_app.models import Response, SurveyKind
from tests.factories import create_survey, create_workspace

pytestmark = pytest.mark.browser


def test_hosted_page_answered_without_javascript(db, live_server, browser):
    survey = create_survey(create_workspace("Plain Co"), SurveyKind.NPS)
    context = browser.new_context(java_script_enabled=False, locale="fr-FR", viewport={"width": 375, "height": 667})
    page = context.new_page()
    page.goto(f"{live_server}/s/{survey.token}")
    assert "Quelle est la probabilité" in page.content()
    page.check("input[name=score][value='6']")
    page.click("input[type=submit]")
    page.wait_for_selector("textarea#comment")
    assert "Nous en sommes désolés" in page.content()  # the detractor wording
    db.session.expire_all()
    assert db.session.scalar(select(Response.score)) == 6  # stored before the comment
    page.fill("textarea#comment", "Trop cher")
    page.click("input[type=submit]")
    page.wait_for_selector("h1:has-text('Merci')")
    context.close()
    db.session.expire_all()
    [response] = db.session.scalars(select(Response)).all()
    assert (response.score, response.comment, response.locale, response.channel) == (6, "Trop cher", "fr", "link")


def test_hosted_form_without_its_csrf_token_stores_nothing(db, live_server):
    import urllib.error
    import urllib.parse
    import urllib.request

    survey = create_survey(create_workspace("Csrf Co"), SurveyKind.NPS)
    data = urllib.parse.urlencode({"score": "9"}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(f"{live_server}/s/{survey.token}", data=data), timeout=10)
    assert refused.value.code == 422
    assert "CSRF" in refused.value.read().decode()
    assert db.session.scalar(select(Response.id)) is None
