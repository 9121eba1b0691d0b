"""Security headers: CSP without inline script, no framing, nosniff, referrer policy, HSTS over HTTPS only."""
import pytest

from feedback_app.models import Role
from tests.dashboard.browser_data import build_dashboard_world
from tests.factories import create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in


def directives(response):
    policy = response.headers["Content-Security-Policy"]
    return {name: value for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))}


def test_dashboard_pages_send_the_security_headers(client, login):
    workspace = create_workspace("Headers Co")
    login(create_user(workspace, role=Role.ADMIN))
    response = client.get(f"/app/{workspace.slug}/settings")
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["style-src"] == "'self' 'unsafe-inline'" and policy["object-src"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_hsts_is_sent_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    secure = client.get("/auth/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_hosted_survey_pages_send_no_referrer_and_no_inline_script(client):
    survey = create_survey(create_workspace("Hosted Co"))
    response = client.get(f"/s/{survey.token}")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert directives(response)["script-src"] == "'self'"
    assert "<script" not in response.get_data(as_text=True)


def test_the_widget_loader_stays_loadable_from_other_origins(client):
    response = client.get("/w/widget.js")
    assert response.status_code == 200 and "javascript" in response.headers["Content-Type"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    for header in ("Cross-Origin-Resource-Policy", "Cross-Origin-Embedder-Policy"):
        assert header not in response.headers


@pytest.mark.browser
def test_another_origin_cannot_frame_the_settings_page(db, live_server, other_origin, browser):
    workspace = create_workspace("Frame Co")
    owner = create_user(workspace, role=Role.OWNER)
    context = browser.new_context()
    page = context.new_page()
    browser_log_in(page, live_server, owner.email)
    settings_url = f"{live_server}/app/{workspace.slug}/settings"
    # Another origin on the same site (127.0.0.1, another port): the session cookie
    # (SameSite=Lax) goes along with the frame's request, as it would for a sibling subdomain.
    other_origin.pages["/frame.html"] = (f'<!doctype html><title>evil</title><iframe id="victim" src="{settings_url}">'
                                         '</iframe>')
    page.goto(other_origin.url + "/frame.html", wait_until="load")  # "load" waits for the frame too
    [victim] = [frame for frame in page.frames if frame.parent_frame is not None]
    assert victim.locator("h1:has-text('Settings')").count() == 0
    assert not victim.url.startswith(live_server)  # Chromium shows its error page instead
    # The same page is fine at the top level.
    page.goto(settings_url)
    assert page.locator("h1:has-text('Settings')").count() == 1


@pytest.mark.browser
def test_dashboard_pages_load_without_csp_violations(db, live_server, browser):
    workspace, owner = build_dashboard_world("CSP Co", responses=60)
    survey = create_survey(workspace, name="Hosted one")
    page = browser.new_page()
    errors = []
    page.on("console", lambda message: errors.append((page.url, message.text, message.location.get("url")))
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_log_in(page, live_server, owner.email)
    tabs = page.eval_on_selector_all("nav.tabs a", "links => links.map(link => link.getAttribute('href'))")
    assert len(tabs) >= 6
    pages = [*tabs, f"/app/{workspace.slug}/surveys/{survey.id}", "/auth/account", f"/s/{survey.token}"]
    visited = []
    for path in pages:
        response = page.goto(live_server + path)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        visited.append((path, response.status))
        # The stylesheet applied: 'self' styles are allowed (the topbar is a flex row).
        if not path.startswith("/s/"):
            assert page.eval_on_selector(".topbar", "bar => getComputedStyle(bar).display") == "flex", path
    assert all(status == 200 for _, status in visited), visited
    assert errors == []
    # The listener does see violations: an injected inline script is refused and reported.
    page.goto(live_server + tabs[0])
    ran = page.evaluate("""() => { const script = document.createElement('script');
        script.textContent = 'window.injected = true'; document.head.appendChild(script);
        return window.injected === true; }""")
    assert ran is False
    assert any("Content Security Policy" in text for _, text, _ in errors)
