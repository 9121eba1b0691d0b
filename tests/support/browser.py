"""The browser tests' setup: Debian's Chromium (Playwright), the app under gunicorn, another origin, forms.

A plugin of tests/conftest.py: any test may ask for ``browser``, ``live_server``, ``live_server_with_mail``
and ``other_origin``. Each lives for one test, as the ``db`` data it serves does; tests.support.markers
marks their users ``browser`` and ``slow``. The steps tests take in a page (logging in, filling and sending
a form, building a survey) are functions here, so that each is written once.
"""
import http.server
import json
import os
import shutil
import threading
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import select

from feedback_app.models import Response
from feedback_app.services.collection import ingest
from tests.factories import PASSWORD
from tests.loop.smtp_server import RecordingHandler, smtp_server
from tests.support.processes import app_environment, celery_worker, free_port, serve_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium tries Google's services and this machine's closed network refuses them.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Browser tests that show a page save it here; the README's pictures are these files.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# A customer's site on another origin embedding the widget with its one script tag; the button fires a named event.
HOST_PAGE = """<!doctype html>
<html><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title></head>
<body><h1>Shop</h1><button id="cancel" onclick="feedbackLoop.track('clicked_cancel')">Cancel my plan</button>
<script>
  (window.feedbackLoopQueue = window.feedbackLoopQueue || []).push(["identify", __IDENTITY__]);
</script>
<script src="__APP__/w/widget.js" data-workspace="__KEY__" async></script>
</body></html>"""

# The same site telling when the widget has settled: ``settled`` is set one zero-delay timer after the widget's
# ready event. The widget arms a zero-delay trigger before that event, and equal timers run in order, so by then
# a matching survey has been opened (its UI script inserted) and a non-matching one never will be.
SETTLING_PAGE = """<!doctype html>
<html><head><title>Shop</title></head><body><h1>Shop</h1>
<script>
  window.settled = false;
  window.addEventListener("feedbackloop:ready", function () { setTimeout(function () { window.settled = true; }, 0); });
  (window.feedbackLoopQueue = window.feedbackLoopQueue || []).push(["identify", __IDENTITY__]);
</script>
<script src="__APP__/w/widget.js" data-workspace="__KEY__" async></script>
</body></html>"""


def embedding_page(app_url, workspace, identity, template=HOST_PAGE):
    """Return ``template`` (a host page) embedding ``workspace``'s widget from ``app_url``, identifying ``identity``."""
    return (template.replace("__APP__", app_url).replace("__KEY__", workspace.public_key)
            .replace("__IDENTITY__", json.dumps(identity)))


def widget_opened(page, url):
    """Load ``url`` (a SETTLING_PAGE) and return whether the widget opened a survey there once its triggers ran."""
    page.goto(url)
    page.wait_for_function("window.settled === true", timeout=15000)
    return page.evaluate("() => document.querySelector('script[src$=\"/w/static/widget-ui-1.js\"]') !== null")


def allow_origin(db, workspace, origin):
    """Let ``origin`` embed ``workspace``'s widget (its only allowed origin)."""
    workspace.allowed_origins = [origin]
    db.session.commit()


def stored_responses(db, **filters):
    """Return the stored responses matching ``filters``, once the ingest queue the worker would run is processed."""
    ingest.process_pending()  # the worker's part: the served app runs without one
    db.session.expire_all()
    return db.session.scalars(select(Response).filter_by(**filters)).all()


def submit_form(page, fields, button, done):
    """Fill the fields named in ``fields`` ({name: value}), click ``button``, wait for the selector ``done``.

    A select box takes the option of that value, a checkbox is ticked or cleared by a bool, any other
    field is typed into (what it held is replaced).
    """
    for name, value in fields.items():
        field = page.locator(f"[name='{name}']")
        kind = field.evaluate("node => node.type")  # "select-one", "checkbox", "text", "textarea"...
        if kind.startswith("select"):
            field.select_option(value)
        elif kind == "checkbox":
            field.set_checked(value)
        else:
            field.fill(value)
    page.click(button)
    page.wait_for_selector(done)


def browser_log_in(page, base_url, email, password=PASSWORD):
    """Log in through the served login form and wait for the overview it lands on."""
    page.goto(base_url + "/auth/login")
    submit_form(page, {"email": email, "password": password}, "#submit", "h1:has-text('Overview')")


def new_survey(page, base_url, workspace, fields):
    """Create a draft survey on Surveys > New survey with ``fields`` filled in; return the path of its page."""
    page.goto(f"{base_url}/app/{workspace.slug}/surveys/new")
    submit_form(page, fields, "#save-survey", "[data-testid=survey-status]:has-text('draft')")
    return page.url.split(base_url, 1)[1].split("#")[0]


def add_question(page, base_url, survey_path, fields):
    """Add a question to the survey at ``survey_path`` on its new-question page, with ``fields`` filled in."""
    page.goto(f"{base_url}{survey_path}/questions/new")
    submit_form(page, fields, "#save-question", "[data-testid=questions]")


def page_errors(page):
    """Return the list that collects the uncaught JavaScript errors of ``page`` from now on."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture()
def browser():
    """Yield a headless Chromium for one test; each ``new_page()`` opens a fresh context (no shared cookies).

    Skips the test where Debian's Chromium is not installed (fails it under CI): no browser is downloaded.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        message = "Debian's chromium is not installed (make test installs it)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture()
def live_server(app, db):
    """Serve the app under gunicorn with production settings on this test's database; yield its base URL."""
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"])
    with serve_app(environment) as base_url:
        yield base_url


class MailingServer(NamedTuple):
    """A served app whose emails really go out: its base URL and the SMTP server's recording handler."""

    url: str
    mail: RecordingHandler


# Where the links in the served app's emails point; tests follow their paths on the base URL.
MAILED_LINKS_URL = "http://feedback.test"


@pytest.fixture()
def live_server_with_mail(app, db, tmp_path):
    """Serve the app with a Celery worker sending its email to a recording SMTP server; yield a MailingServer.

    The worker takes the served app's tasks from the embedded SQLite queue (no Redis needed); the SMTP
    server is aiosmtpd on loopback.
    """
    with smtp_server() as (mail, port):
        environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"],
                                      BROKER_URL=f"sqla+sqlite:///{tmp_path / 'broker.db'}",
                                      FEEDBACK_SMTP_HOST="127.0.0.1", FEEDBACK_SMTP_PORT=port,
                                      FEEDBACK_PUBLIC_URL=MAILED_LINKS_URL)
        with serve_app(environment) as base_url, \
                celery_worker(environment, queues=["email"], log_path=tmp_path / "worker.log"):
            yield MailingServer(base_url, mail)


class HostSite(NamedTuple):
    """A site on another origin than the app: it serves ``pages`` ({path: html}, filled by the test) at ``url``."""

    url: str
    pages: dict


@pytest.fixture()
def other_origin():
    """Yield a HostSite: pages that embed the widget from another origin, as a customer's site does.

    A second HTTP server on loopback, in a thread of the test process; a path not in ``pages`` is a 404.
    """
    pages = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path.split("?")[0], "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass  # the test's output is not the place for each page served

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield HostSite(f"http://127.0.0.1:{server.server_address[1]}", pages)
    finally:
        server.shutdown()
        server.server_close()
