"""A person logs in with a real browser against a real server."""
import pytest

from feedback_app.models import Role
from tests.factories import PASSWORD, create_user, create_workspace


@pytest.mark.browser
def test_login_in_chromium_shows_the_overview(db, live_server, browser):
    workspace = create_workspace("Browser Co")
    user = create_user(workspace, role=Role.OWNER)
    page = browser.new_page()
    page.goto(live_server + "/")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_selector("h1:has-text('Overview')")
    assert "Browser Co" in page.content()
    page.click("text=Log out")
    page.wait_for_selector("h1:has-text('Log in')")


# Each button's text colour and its effective background (the first opaque one up the tree), as RGBA lists.
BUTTON_COLOURS_JS = """() => [...document.querySelectorAll("button, input[type=submit], input[type=button]")]
  .filter((element) => element.offsetParent !== null)
  .map((element) => {
    const rgba = (text) => text.match(/[\\d.]+/g).map(Number).concat([1]).slice(0, 4);
    let background = element;
    while (background && rgba(getComputedStyle(background).backgroundColor)[3] === 0) {
      background = background.parentElement;
    }
    return {
      label: element.id || element.textContent.trim() || element.value,
      text: rgba(getComputedStyle(element).color),
      background: background ? rgba(getComputedStyle(background).backgroundColor) : [255, 255, 255, 1],
    };
  })"""


def _relative_luminance(rgb):
    """Return the WCAG 2 relative luminance of an sRGB colour given as 0-255 channels."""
    def linear(channel):
        channel /= 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(text, background):
    """Return the WCAG 2 contrast ratio of two opaque sRGB colours (1 to 21)."""
    lighter, darker = sorted((_relative_luminance(text), _relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio([255, 255, 255], [255, 255, 255]) == 1
    assert round(contrast_ratio([0, 0, 0], [255, 255, 255]), 2) == 21
    assert round(contrast_ratio([118, 118, 118], [255, 255, 255]), 2) == 4.54  # #767676, WCAG's AA limit


def _unreadable_buttons(page):
    buttons = page.evaluate(BUTTON_COLOURS_JS)
    assert buttons, "no visible button on " + page.url
    return [(button["label"], round(contrast_ratio(button["text"], button["background"]), 2))
            for button in buttons if contrast_ratio(button["text"], button["background"]) < 4.5]


@pytest.mark.browser
def test_login_and_dashboard_buttons_have_readable_text(db, live_server, browser):
    workspace = create_workspace("Contrast Co")
    user = create_user(workspace, role=Role.OWNER)
    page = browser.new_page()
    page.goto(live_server + "/auth/login")
    login_button = page.evaluate(BUTTON_COLOURS_JS)
    assert [button["label"] for button in login_button] == ["submit"]
    assert contrast_ratio(login_button[0]["text"], login_button[0]["background"]) >= 4.5, login_button
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_selector("h1:has-text('Overview')")
    unreadable = {"overview": _unreadable_buttons(page)}
    for path in ("responses", "people", "settings", "surveys/new", "actions/new"):
        page.goto(f"{live_server}/app/{workspace.slug}/{path}")
        unreadable[path] = _unreadable_buttons(page)
    assert unreadable == dict.fromkeys(unreadable, [])
