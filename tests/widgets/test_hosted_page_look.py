"""What a browser may load on the hosted survey pages: the workspace's logo, and an icon of the site's own."""
from feedback_app.models import Role, SurveyKind
from feedback_app.security_headers import CONTENT_SECURITY_POLICY
from feedback_app.services.accounts import workspace_settings
from tests.factories import create_survey, create_user


def _set_logo(workspace, logo_url):
    workspace_settings.set_survey_look(workspace, logo_url=logo_url, intro_text="", brand_color="",
                                       default_locale="en", by=create_user(workspace, role=Role.ADMIN))


def _img_sources(response):
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return policy["img-src"].split()


def test_the_hosted_page_policy_lets_the_browser_load_the_logo(workspace, client):
    # Settings > Customers takes an https logo; the app-wide policy (img-src 'self' data:) blocked it in Chromium.
    _set_logo(workspace, "https://cdn.example.com/brand/logo.png")
    survey = create_survey(workspace, SurveyKind.NPS)
    page = client.get(f"/s/{survey.token}")
    assert page.status_code == 200 and 'src="https://cdn.example.com/brand/logo.png"' in page.get_data(as_text=True)
    assert _img_sources(page) == ["'self'", "data:", "https://cdn.example.com"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]  # the rest of the policy is unchanged


def test_the_thanks_and_comment_pages_allow_the_logo_too(workspace, client):
    _set_logo(workspace, "https://cdn.example.com:8443/logo.svg")
    survey = create_survey(workspace, SurveyKind.NPS)
    answered = client.post(f"/s/{survey.token}", data={"score": "9"})
    comment_page = client.get(answered.headers["Location"])
    assert "https://cdn.example.com:8443" in _img_sources(comment_page)
    thanks = client.post(answered.headers["Location"], data={"comment": "Great"})
    assert thanks.status_code == 200 and "https://cdn.example.com:8443" in _img_sources(thanks)


def test_without_a_logo_the_page_keeps_the_apps_policy(workspace, client):
    survey = create_survey(workspace, SurveyKind.NPS)
    page = client.get(f"/s/{survey.token}")
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_the_hosted_page_names_an_icon_so_the_browser_asks_for_no_missing_favicon(workspace, client):
    survey = create_survey(workspace, SurveyKind.NPS)
    page = client.get(f"/s/{survey.token}").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    icon = client.get("/static/favicon.svg")
    icon.close()  # a file response keeps the file open until closed
    assert icon.status_code == 200
