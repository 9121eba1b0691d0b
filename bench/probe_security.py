"""Probe the served app from outside, as an external tester would: access, CSRF, CORS, links, XSS, input, faults.

Usage::

    .venv/bin/python bench/probe_security.py                     # SQLite file in a temp dir
    .venv/bin/python bench/probe_security.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/probe_security.py --only authz,xss     # some groups only

It migrates a fresh database (a new SQLite file, or a new database made on the PostgreSQL server
named and dropped after), seeds two workspaces A and B (an owner each, an API key each, an active
NPS survey, a person, a response, a theme and an action, customer text carrying script, attribute,
URL and spreadsheet-formula payloads), serves the app with gunicorn on 127.0.0.1 in production
settings (CSRF on, rate limits off so that the probes are not counted), and sends each probe once.
Every probe is one line: ``ok`` or ``FINDING`` with what was sent and what came back; the fault
group restarts the server against a locked database, a closed SMTP port and a dead broker. It exits
1 if any probe found something. All traffic stays on 127.0.0.1 and is bounded (a few thousand
requests, the 100,000-row import included).
"""
import argparse
import contextlib
import csv
import io
import json
import os
import re
import secrets
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.processes import app_environment, free_port, serve_app  # noqa: E402

PASSWORD = "probe password 123"
SCRIPT = "<script>alert('xss')</script>"
ATTRIBUTE = "\"><img src=x onerror=alert(1)>"
URL = "javascript:alert(1)"
FORMULA = "=HYPERLINK(\"http://evil.example\",\"x\")"
# What an unescaped payload looks like in HTML: the tag itself or an href/src carrying the URL.
RAW_HTML = re.compile(r"<script>alert\('xss'\)</script>|<img src=x onerror|(?:href|src|action)\s*=\s*[\"']?javascript:",
                      re.IGNORECASE)
ORIGIN_A, ORIGIN_B = "https://a.example", "https://b.example"


class Findings:
    """Collect one line per probe and count what was found."""

    def __init__(self):
        self.lines, self.found, self.group = [], 0, ""

    def check(self, ok, name, detail=""):
        self.lines.append(f"  {'ok     ' if ok else 'FINDING'} {name}" + ("" if ok else f": {detail}"))
        self.found += 0 if ok else 1
        print(self.lines[-1], flush=True)
        return ok

    def note(self, name, detail):
        """Record what was seen and is allowed (documented behaviour a reader may want to know)."""
        self.lines.append(f"  note    {name}: {detail}")
        print(self.lines[-1], flush=True)

    def start(self, group):
        self.group = group
        print(f"\n[{group}]", flush=True)


def _seed_workspace(label, origin):
    from feedback_app.extensions import db
    from feedback_app.models import Action, ActionResponse, ResponseTheme, Role, SurveyKind, Theme
    from feedback_app.services.accounts import api_keys, users, workspaces
    from feedback_app.services.collection import invitations, people, survey_builder, surveys, targeting

    workspace = workspaces.create_workspace(f"Probe {label}", allowed_origins=[origin])
    db.session.commit()
    owner = users.create_user(f"owner-{label.lower()}@example.com", password=PASSWORD, workspace=workspace,
                              role=Role.OWNER)
    survey = surveys.new_survey(workspace, name=f"NPS {label} {SCRIPT}", kind=SurveyKind.NPS)
    survey_builder.set_status(workspace, survey, "active")
    person = people.upsert_person(workspace, email=f"cust-{label.lower()}@example.com", name=f"{SCRIPT}{ATTRIBUTE}",
                                  external_id=f"ext-{label}", properties={"plan": ATTRIBUTE, "site": URL,
                                                                          "formula": FORMULA})
    db.session.commit()
    from feedback_app.services.collection import responses

    response = responses.record_response(workspace, survey, score=3, person=person, channel="api",
                                         comment=f"{SCRIPT} {ATTRIBUTE} {URL}")
    second = responses.record_response(workspace, survey, score=10, person=person, channel="api", comment=FORMULA)
    theme = Theme(workspace_id=workspace.id, key=f"probe-{label}", label=f"{SCRIPT}{ATTRIBUTE}",
                  key_phrases=[SCRIPT, ATTRIBUTE], representative_response_ids=[response.id])
    db.session.add(theme)
    db.session.flush()
    db.session.add_all([ResponseTheme(response_id=r.id, theme_id=theme.id, workspace_id=workspace.id)
                        for r in (response, second)])
    action = Action(workspace_id=workspace.id, theme_id=theme.id, title=f"Fix {SCRIPT}",
                    description=ATTRIBUTE, public_message=f"We fixed it {SCRIPT} {ATTRIBUTE}")
    db.session.add(action)
    db.session.flush()
    db.session.add(ActionResponse(action_id=action.id, response_id=response.id, workspace_id=workspace.id))
    people.unsubscribe(workspace, f"gone-{label.lower()}@example.com")
    db.session.commit()
    _, raw_key = api_keys.create_api_key(workspace)
    # Invited an hour from now, so that seeding sends no mail; its links work at once.
    (request,) = invitations.invite_people(workspace, survey, [{"email": f"invitee-{label.lower()}@example.com"}],
                                           delay_seconds=3600)
    db.session.commit()
    return {
        "slug": workspace.slug, "id": workspace.id, "public_key": workspace.public_key, "key": raw_key,
        "email": owner.email, "survey": survey.id, "survey_token": survey.token, "person": person.id,
        "response": response.id, "theme": theme.id, "action": action.id,
        "comment_token": targeting.comment_token(response),
        "request_id": request.id, "answer_token": invitations.answer_token(request),
    }


def seed(database_url):
    """Migrate an empty database, add workspaces A and B; return what the probes need of each."""
    os.environ["FEEDBACK_ENV"] = "testing"
    import flask_migrate

    from feedback_app import create_app
    from feedback_app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-process-secret"})
    with app.app_context(), app.test_request_context():
        flask_migrate.upgrade()
        seeded = {"A": _seed_workspace("A", ORIGIN_A), "B": _seed_workspace("B", ORIGIN_B)}
        db.engine.dispose()
    return app, seeded


def csrf_token(html):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    return match.group(1) if match else None


def log_in(base_url, email):
    session = requests.Session()
    page = session.get(f"{base_url}/auth/login", timeout=30)
    form = {"email": email, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
    reply = session.post(f"{base_url}/auth/login", data=form, allow_redirects=False, timeout=30)
    if reply.status_code != 302:
        raise RuntimeError(f"log in as {email}: {reply.status_code} {reply.text[:300]}")
    return session


def fill(rule, values):
    """Return ``rule``'s path with each argument taken from ``values`` (by name, else a default)."""
    path = rule.rule
    for argument in rule.arguments:
        value = values.get(argument, values.get("*int", 1) if argument.endswith("_id") else "x")
        path = re.sub(r"<(?:[a-z]+:)?%s>" % argument, str(value), path)
    return path


def dashboard_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/app/")]


def values_of(ws):
    return {"workspace": ws["slug"], "action_id": ws["action"], "person_id": ws["person"],
            "response_id": ws["response"], "survey_id": ws["survey"], "theme_id": ws["theme"],
            "question_id": 1, "follow_up_id": 1, "key_id": 1, "user_id": 1, "invitation_id": 1,
            "destination_id": 1, "endpoint_id": 1, "channel": "email"}


def probe_authn(f, base, app, seeded):
    """Every dashboard route without a session, /api and /v1 without a key, a key in the query string."""
    a, b = seeded["A"], seeded["B"]
    anonymous = requests.Session()
    for rule in dashboard_rules(app):
        path = fill(rule, values_of(a))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            reply = anonymous.request(method, base + path, allow_redirects=False, timeout=30)
            # A GET goes to the login page; a POST without a session has no CSRF token either (400) or is sent
            # to log in; neither may answer 200 or act.
            location = reply.headers.get("Location", "")
            ok = (reply.status_code == 302 and "/auth/login" in location) or reply.status_code in (400, 401, 404)
            f.check(ok, f"anonymous {method} {rule.rule}", f"{reply.status_code} {location or reply.text[:120]}")
    for path in ("/api/people", "/api/responses", "/api/surveys", "/api/themes", "/api/actions",
                 "/api/webhooks", "/api/audit-events", "/api/exports/responses", "/v1/people.json",
                 "/v1/survey_responses.json", "/v1/unsubscribes.json", "/v1/metrics.json", "/v1/bounces.json"):
        reply = anonymous.get(base + path, timeout=30)
        f.check(reply.status_code == 401, f"no key GET {path}", f"{reply.status_code}")
        reply = anonymous.get(base + path, params={"api_key": a["key"], "key": a["key"], "token": a["key"]},
                              timeout=30)
        f.check(reply.status_code == 401, f"key in query string GET {path}", f"{reply.status_code}")
        reply = anonymous.get(base + path, headers={"Authorization": "Bearer fl_" + "0" * 40}, timeout=30)
        f.check(reply.status_code == 401, f"made-up key GET {path}", f"{reply.status_code}")
    # A dashboard session does not authenticate the APIs (they are CSRF-exempt for that reason).
    session = log_in(base, a["email"])
    for path in ("/api/people", "/v1/people.json"):
        reply = session.get(base + path, timeout=30)
        f.check(reply.status_code == 401, f"session cookie only GET {path}", f"{reply.status_code}")
    for path in ("/w/api/{pk}/config",):
        reply = anonymous.post(base + path.format(pk=b["public_key"]), json={}, timeout=30)
        f.check(reply.status_code == 403, "widget config without Origin", f"{reply.status_code}")


ROW_ARGUMENTS = {"action_id", "person_id", "response_id", "survey_id", "theme_id"}


def probe_dashboard_isolation(f, base, app, seeded):
    """A's session on B's workspace, and on A's workspace with B's row ids (GET and POST with a valid token)."""
    a, b = seeded["A"], seeded["B"]
    session = log_in(base, a["email"])
    token = csrf_token(session.get(f"{base}/app/{a['slug']}/settings", timeout=30).text)
    for rule in dashboard_rules(app):
        for label, values in (("B's workspace", values_of(b)),
                              ("B's ids in A's workspace", {**values_of(b), "workspace": a["slug"]})):
            if label.startswith("B's ids") and not set(rule.arguments) & ROW_ARGUMENTS:
                continue
            path = fill(rule, values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": token} if method == "POST" else None
                reply = session.request(method, base + path, data=data, allow_redirects=False, timeout=60)
                f.check(reply.status_code in (403, 404), f"{label}: {method} {path}",
                        f"{reply.status_code} {reply.headers.get('Location', '')} {reply.text[:120]!r}")


def _api(key, kind="bearer"):
    if kind == "basic":
        return {"Authorization": "Basic " + __import__("base64").b64encode(f"{key}:".encode()).decode(),
                "Accept": "application/json"}
    return {"Authorization": f"Bearer {key}"}


def probe_api_isolation(f, base, seeded):
    """A's key on B's ids across /api and /v1, every verb that takes an id."""
    a, b = seeded["A"], seeded["B"]
    bearer, basic = _api(a["key"]), _api(a["key"], "basic")
    calls = [
        ("GET", f"/api/people/{b['person']}", None), ("DELETE", f"/api/people/{b['person']}", None),
        ("GET", f"/api/responses/{b['response']}", None),
        ("PATCH", f"/api/responses/{b['response']}", {"comment": "overwritten by A"}),
        ("GET", f"/api/surveys/{b['survey']}", None), ("PATCH", f"/api/surveys/{b['survey']}", {"name": "A's"}),
        ("DELETE", f"/api/surveys/{b['survey']}", None),
        ("POST", f"/api/surveys/{b['survey']}/questions", {"kind": "text", "prompts": {"en": "q"}}),
        ("GET", f"/api/themes/{b['theme']}", None), ("GET", f"/api/actions/{b['action']}", None),
        ("PATCH", f"/api/actions/{b['action']}", {"title": "A's"}),
        ("POST", f"/api/actions/{b['action']}/status", {"status": "in_progress"}),
        ("POST", "/api/actions", {"title": "steal", "theme_id": b["theme"]}),
        ("POST", "/api/actions", {"title": "steal", "response_ids": [b["response"]]}),
        ("POST", "/api/responses", {"survey_id": b["survey"], "score": 5}),
        ("GET", f"/api/responses?survey_id={b['survey']}", None),
        ("GET", f"/api/webhooks/{1}/deliveries", None),
    ]
    for method, path, body in calls:
        reply = requests.request(method, base + path, json=body, headers=bearer, timeout=30)
        leaked = str(b["slug"]) in reply.text or "cust-b@" in reply.text
        empty_list = method == "GET" and "?" in path and '"data": []' in reply.text.replace('":[', '": [')
        ok = reply.status_code in (404, 422) or (reply.status_code == 200 and empty_list)
        f.check(ok and not leaked, f"A's key {method} {path}", f"{reply.status_code} {reply.text[:160]!r}")
    v1 = [
        ("GET", f"/v1/survey_responses/{b['response']}.json", None),
        ("PUT", f"/v1/survey_responses/{b['response']}.json", {"person": str(b["person"]), "score": 1}),
        ("DELETE", f"/v1/people/{b['person']}.json", None),
        ("DELETE", "/v1/people/email:cust-b@example.com.json", None),
        ("DELETE", "/v1/people/cust-b@example.com/survey_requests/pending.json", None),
        ("POST", "/v1/survey_responses.json", {"person": str(b["person"]), "score": 9}),
    ]
    for method, path, body in v1:
        reply = requests.request(method, base + path, json=body, headers=basic, timeout=30)
        leaked = "cust-b@" in reply.text
        f.check(reply.status_code in (404, 422) and not leaked, f"A's key {method} {path}",
                f"{reply.status_code} {reply.text[:160]!r}")
    for path in ("/v1/people.json", "/v1/survey_responses.json", "/v1/unsubscribes.json"):
        reply = requests.get(base + path, headers=basic, timeout=30)
        f.check(reply.status_code == 200 and "-b@example.com" not in reply.text, f"A's list {path} has no B rows",
                f"{reply.status_code} {reply.text[:160]!r}")
    # B's rows are still there and unchanged.
    reply = requests.get(f"{base}/api/responses/{b['response']}", headers=_api(b["key"]), timeout=30)
    f.check(reply.status_code == 200 and "overwritten" not in reply.text, "B's response unchanged after A's probes",
            f"{reply.status_code} {reply.text[:160]!r}")
    reply = requests.get(f"{base}/api/people/{b['person']}", headers=_api(b["key"]), timeout=30)
    f.check(reply.status_code == 200, "B's person still there", f"{reply.status_code}")


def probe_csrf(f, base, app, seeded):
    """Every state-changing form of the app posted by a logged-in owner without, or with a wrong, CSRF token."""
    a = seeded["A"]
    session = log_in(base, a["email"])
    rules = [rule for rule in app.url_map.iter_rules()
             if "POST" in rule.methods and not rule.rule.startswith(("/api/", "/v1/", "/healthz", "/u/"))]
    before = _counts(base, a)
    for rule in rules:
        path = fill(rule, {**values_of(a), "token": a["comment_token"], "survey_token": a["survey_token"]})
        for label, data in (("no token", {"score": "9", "comment": "forged"}),
                            ("wrong token", {"csrf_token": "IjAi.forged.token", "score": "9", "comment": "forged"})):
            reply = session.post(base + path, data=data, allow_redirects=False, timeout=60)
            # The hosted pages' forms carry their own token (Flask-WTF): a post without it is shown again, 422.
            hosted = rule.rule.startswith("/s/") and reply.status_code == 422
            ok = hosted or reply.status_code in (400, 403, 404, 410)
            f.check(ok, f"{label} POST {rule.rule}", f"{reply.status_code} {reply.headers.get('Location', '')}")
    after = _counts(base, a)
    comment = requests.get(f"{base}/api/responses/{a['response']}", headers=_api(a["key"]), timeout=30).json()
    f.check(after == before and comment.get("comment") != "forged", "nothing stored by the forged posts",
            f"{before} -> {after}, comment {comment.get('comment')!r}")
    # Still logged in and nothing changed: the owner's settings page still answers.
    f.check(session.get(f"{base}/app/{a['slug']}/settings", timeout=30).status_code == 200,
            "session survives the forged posts", "")
    # A cross-site form post carries the cookie only when SameSite allows it.
    cookie = next((c for c in session.cookies if c.name == "session"), None)
    same_site = cookie and (cookie.get_nonstandard_attr("SameSite") or cookie._rest.get("SameSite"))
    f.check(bool(same_site) and same_site.lower() in ("lax", "strict"), "session cookie has SameSite=Lax/Strict",
            f"{same_site!r}")
    f.check(bool(cookie) and cookie.has_nonstandard_attr("HttpOnly"), "session cookie is HttpOnly", "")


REDIRECTS = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example/", "/\t/evil.example/",
             "/%5Cevil.example/", "///evil.example/", "https:evil.example", "javascript:alert(1)",
             "/%2F/evil.example", " //evil.example", "/\r\n/evil.example", "http://127.0.0.1.evil.example/"]


def _is_offsite(location):
    # What a browser does with Location: strips tab/CR/LF, reads "\" as "/" in http(s) URLs, trims spaces.
    browser = re.sub(r"[\t\r\n]", "", location).strip().replace("\\", "/")
    parts = urlsplit(browser)
    return bool(parts.netloc and parts.hostname not in ("127.0.0.1", "localhost")) or parts.scheme == "javascript"


def probe_redirects(f, base, seeded):
    """``next=`` on the login form (and where else it is read) may only lead to a path of this site."""
    a = seeded["A"]
    for target in REDIRECTS:
        session = requests.Session()
        page = session.get(f"{base}/auth/login", params={"next": target}, timeout=30)
        reply = session.post(f"{base}/auth/login", params={"next": target},
                             data={"email": a["email"], "password": PASSWORD, "csrf_token": csrf_token(page.text)},
                             allow_redirects=False, timeout=30)
        location = reply.headers.get("Location", "")
        f.check(reply.status_code == 302 and not _is_offsite(location), f"login next={target!r}",
                f"{reply.status_code} Location: {location!r}")
        # Already logged in: GET /auth/login?next= redirects too.
        again = session.get(f"{base}/auth/login", params={"next": target}, allow_redirects=False, timeout=30)
        f.check(not _is_offsite(again.headers.get("Location", "")), f"logged-in login next={target!r}",
                f"Location: {again.headers.get('Location')!r}")


def _old_token(app, purpose, payload, age):
    import itsdangerous.timed

    from feedback_app.services import tokens

    real = itsdangerous.timed.time.time
    itsdangerous.timed.time.time = lambda: real() - age
    try:
        with app.app_context():
            return tokens.make_token(purpose, payload)
    finally:
        itsdangerous.timed.time.time = real


def probe_links(f, base, app, seeded):
    """Signed email links: tampered, another purpose, expired, another workspace's ids, replayed."""
    a, b = seeded["A"], seeded["B"]
    answer = a["answer_token"]
    cases = {
        "tampered payload": answer[:5] + ("A" if answer[5] != "A" else "B") + answer[6:],
        "tampered signature": answer[:-3] + ("xyz" if not answer.endswith("xyz") else "abc"),
        "truncated": answer[: len(answer) // 2],
        "comment token as answer token": a["comment_token"],
        "expired (31 days)": _old_token(app, "survey-answer", {"w": a["id"], "r": a["request_id"]}, 31 * 86400),
        "A's workspace with B's request": _old_token(app, "survey-answer", {"w": a["id"], "r": b["request_id"]}, 0),
        "not a dict payload": _old_token(app, "survey-answer", ["w", 1], 0),
        "string ids": _old_token(app, "survey-answer", {"w": "1 OR 1=1", "r": "x"}, 0),
        "huge ids": _old_token(app, "survey-answer", {"w": 2 ** 70, "r": 2 ** 70}, 0),
    }
    for label, token in cases.items():
        for path in (f"/s/r/{token}", f"/s/r/{token}/9"):
            reply = requests.get(base + path, allow_redirects=False, timeout=30)
            f.check(reply.status_code in (400, 404, 410), f"{label}: GET {path[:40]}...",
                    f"{reply.status_code} {reply.text[:100]!r}")
    comment_cases = {
        "expired comment token": _old_token(app, "survey-comment", {"w": a["id"], "r": a["response"]}, 40 * 86400),
        "comment token of B's response under A": _old_token(
            app, "survey-comment", {"w": a["id"], "r": b["response"]}, 0),
        "comment token not a dict": _old_token(app, "survey-comment", "x", 0),
        "unsubscribe token not a dict": _old_token(app, "unsubscribe", [1, 2], 0),
    }
    for label, token in comment_cases.items():
        prefix = "/u/" if label.startswith("unsubscribe") else "/s/c/"
        reply = requests.get(base + prefix + token, allow_redirects=False, timeout=30)
        f.check(reply.status_code in (400, 404, 410), f"{label}: GET {prefix}",
                f"{reply.status_code} {reply.text[:100]!r}")
    # Replay: the same score link twice gives one response (the second click changes it).
    first = requests.get(f"{base}/s/r/{answer}/2", allow_redirects=False, timeout=30)
    second = requests.get(f"{base}/s/r/{answer}/8", allow_redirects=False, timeout=30)
    f.check(first.status_code == 303 and second.status_code == 303 and first.headers.get("Location")
            == second.headers.get("Location"), "score link replayed updates the same response",
            f"{first.status_code} {second.status_code} {first.headers.get('Location')} "
            f"{second.headers.get('Location')}")
    reply = requests.get(f"{base}/s/r/{answer}/11", allow_redirects=False, timeout=30)
    f.check(reply.status_code in (400, 404, 422), "score link with score 11", f"{reply.status_code}")
    reply = requests.get(f"{base}/s/r/{answer}/99999999999999999999", allow_redirects=False, timeout=30)
    f.check(reply.status_code in (400, 404, 422), "score link with a 20-digit score", f"{reply.status_code}")


def probe_cors(f, base, seeded):
    """The widget API answers only its workspace's origins, preflight included, never with credentials."""
    a, b = seeded["A"], seeded["B"]
    config = f"{base}/w/api/{a['public_key']}/config"
    respond = f"{base}/w/api/{a['public_key']}/surveys/{a['survey_token']}/responses"
    for origin, allowed in ((ORIGIN_A, True), (ORIGIN_B, False), ("null", False), ("https://a.example.evil.example",
                            False), ("https://evil.example", False), ("http://a.example", False),
                            ("https://A.EXAMPLE", None), ("", False)):
        headers = {"Origin": origin, "Access-Control-Request-Method": "POST",
                   "Access-Control-Request-Headers": "content-type"} if origin else {}
        pre = requests.options(config, headers=headers, timeout=30)
        post = requests.post(config, json={}, headers={"Origin": origin} if origin else {}, timeout=30)
        allow = post.headers.get("Access-Control-Allow-Origin")
        credentials = post.headers.get("Access-Control-Allow-Credentials", "false")
        if allowed is None:  # case-insensitive host: either allowed with its own origin echoed, or refused
            ok = post.status_code == 403 or allow == origin
        elif allowed:
            ok = pre.status_code == 204 and post.status_code == 200 and allow == origin and credentials != "true"
        else:
            ok = pre.status_code == 403 and post.status_code == 403 and not allow
        f.check(ok, f"widget CORS origin {origin!r}", f"preflight {pre.status_code}, post {post.status_code}, "
                f"ACAO {allow!r}, ACAC {credentials!r}")
    # B's survey through A's key (and origin), A's survey through B's key.
    reply = requests.post(f"{base}/w/api/{a['public_key']}/surveys/{b['survey_token']}/responses",
                          json={"score": 5}, headers={"Origin": ORIGIN_A}, timeout=30)
    f.check(reply.status_code == 404, "A's widget key answering B's survey", f"{reply.status_code} {reply.text[:100]}")
    reply = requests.post(f"{base}/w/api/{b['public_key']}/surveys/{a['survey_token']}/responses",
                          json={"score": 5}, headers={"Origin": ORIGIN_B}, timeout=30)
    f.check(reply.status_code == 404, "B's widget key answering A's survey", f"{reply.status_code} {reply.text[:100]}")
    reply = requests.post(respond, json={"score": 5}, headers={"Origin": ORIGIN_B}, timeout=30)
    f.check(reply.status_code == 403, "B's origin answering A's survey", f"{reply.status_code}")
    reply = requests.post(f"{base}/w/api/{a['public_key']}/displays/1/dismiss", json={},
                          headers={"Origin": ORIGIN_A}, timeout=30)
    f.check(reply.status_code in (204, 404), "dismissing a display id guessed",
            f"{reply.status_code} {reply.text[:80]}")
    for path in ("/w/widget.js", f"/w/delighted/v1/library/{a['public_key']}/x.js"):
        reply = requests.get(base + path, headers={"Origin": "https://evil.example"}, timeout=30)
        f.check(reply.headers.get("Access-Control-Allow-Credentials") != "true", f"GET {path} grants no credentials",
                f"{reply.headers}")
    # The dashboard and the APIs send no CORS grant to any origin.
    for path, headers in (("/api/people", _api(a["key"])), ("/v1/people.json", _api(a["key"], "basic")),
                          (f"/app/{a['slug']}/", {})):
        reply = requests.get(base + path, headers={**headers, "Origin": "https://evil.example"}, timeout=30,
                             allow_redirects=False)
        f.check("Access-Control-Allow-Origin" not in reply.headers, f"GET {path} from another origin has no ACAO",
                reply.headers.get("Access-Control-Allow-Origin", ""))


def probe_xss(f, base, seeded):
    """Every page showing customer text, as A's owner: no payload reaches the HTML unescaped."""
    a = seeded["A"]
    session = log_in(base, a["email"])
    w = f"/app/{a['slug']}"
    pages = [f"{w}/", f"{w}/themes", f"{w}/themes/{a['theme']}", f"{w}/responses", f"{w}/responses?q=%3Cscript%3E",
             f"{w}/responses/{a['response']}", f"{w}/people", f"{w}/people?q={SCRIPT}", f"{w}/people/{a['person']}",
             f"{w}/actions", f"{w}/actions/{a['action']}", f"{w}/actions/{a['action']}/emails/{a['person']}",
             f"{w}/follow-ups", f"{w}/surveys", f"{w}/surveys/{a['survey']}", f"{w}/trends", f"{w}/trends?segment=plan",
             f"{w}/audit", f"{w}/data/", f"{w}/settings", f"{w}/actions/new?theme_id={a['theme']}",
             f"{w}/surveys/{a['survey']}/preview-frame", f"{w}/responses?tag={ATTRIBUTE}"]
    for path in pages:
        reply = session.get(base + path, timeout=60)
        hit = RAW_HTML.search(reply.text)
        f.check(reply.status_code in (200, 404, 422) and not hit, f"GET {path[:70]}",
                f"{reply.status_code} {hit.group(0) if hit else reply.text[:100]!r}")
    public = [f"/s/{a['survey_token']}", f"/s/c/{a['comment_token']}", f"/s/r/{a['answer_token']}"]
    for path in public:
        reply = requests.get(base + path, timeout=30)
        hit = RAW_HTML.search(reply.text)
        f.check(not hit, f"GET {path[:40]}", f"{reply.status_code} {hit.group(0) if hit else ''}")
    for path in (f"{w}/people/{a['person']}/export.json",):
        reply = session.get(base + path, timeout=30)
        kind = reply.headers.get("Content-Type", "")
        f.check(kind.startswith("application/json") and reply.headers.get("X-Content-Type-Options") == "nosniff",
                f"GET {path} is JSON, nosniff", kind)
    # CSV exports: a cell a spreadsheet would run as a formula starts with '.
    for path, sess in ((f"{w}/responses/export.csv", session), (f"{w}/data/export?format=csv", session),
                       ("/api/exports/responses?format=csv", None)):
        reply = (sess or requests).get(base + path, headers=None if sess else _api(a["key"]), timeout=60)
        cells = [cell for row in csv.reader(io.StringIO(reply.text)) for cell in row]
        live = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(
            r"-?\d+(\.\d+)?", cell)]
        f.check(reply.status_code == 200 and not live and any("HYPERLINK" in c for c in cells),
                f"CSV export {path} neutralises formulas", f"{reply.status_code} {live[:3]} {reply.text[:120]!r}")


def probe_line_breaks(f, base, seeded):
    """Which entry points store a person name with a line break (it goes into alert emails' Subject)."""
    a = seeded["A"]
    name = "Ann\r\nBcc: everyone@evil.example"
    requests.post(f"{base}/api/people", json={"email": "crlf-api@example.com", "name": name}, headers=_api(a["key"]),
                  timeout=30)
    requests.post(f"{base}/v1/people.json", json={"email": "crlf-v1@example.com", "name": name, "send": "false"},
                  headers=_api(a["key"], "basic"), timeout=30)
    requests.post(f"{base}/w/api/{a['public_key']}/surveys/{a['survey_token']}/responses",
                  json={"score": 2, "submission_key": secrets.token_hex(10),
                        "identity": {"id": "crlf-w", "name": name, "email": "crlf-w@example.com"}},
                  headers={"Origin": ORIGIN_A}, timeout=30)
    content = ("Response ID,Email,Name,Score,Comment,Response timestamp\r\n"
               f'crlf1,crlf-csv@example.com,"{name}",2,x,2026-01-02 10:00:00\r\n').encode()
    requests.post(f"{base}/api/imports", headers=_api(a["key"]), files={"file": ("x.csv", content)}, timeout=60)
    time.sleep(2)  # the widget's answer is recorded by the worker; here nothing records it, so it is not looked at
    people = requests.get(f"{base}/api/people", params={"limit": 100}, headers=_api(a["key"]), timeout=30).json()
    for person in people["data"]:
        if (person.get("email") or "").startswith("crlf-"):
            # Stored as given (the APIs and imports take any text); what matters is that emails quoting it work.
            f.note(f"name stored by {person['email']}", repr(person.get("name")))


def probe_emails(f, app, seeded):
    """Render every email kind about payload-laden rows and build the message: HTML escaped, headers single-line."""
    from feedback_app.extensions import db
    from feedback_app.models import Notification, NotificationKind, Person, Response, Workspace
    from feedback_app.services.loop import mail, outbox

    a = seeded["A"]
    with app.app_context(), app.test_request_context():
        workspace = db.session.get(Workspace, a["id"])
        person = db.session.get(Person, a["person"])
        person.name = "Ann\r\nBcc: everyone@evil.example " + SCRIPT  # a name a CSV import or /v1 might store
        response = db.session.get(Response, a["response"])
        for kind in (NotificationKind.DETRACTOR_ALERT, NotificationKind.ACTION_UPDATE):
            notification = Notification(workspace_id=workspace.id, kind=kind, person_id=person.id,
                                        to_address="team@example.com", response_id=response.id,
                                        action_id=a["action"] if kind == NotificationKind.ACTION_UPDATE else None)
            db.session.add(notification)
            db.session.flush()
            try:
                email = outbox.render(notification)
                message = mail.build_message("team@example.com", email, message_id="<probe@example.com>")
            except Exception as error:  # noqa: BLE001 - a probe reports whatever happens
                f.check(False, f"render + build {kind}", f"{type(error).__name__}: {error}")
                continue
            head = message.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
            f.check("\nBcc:" not in head and not RAW_HTML.search(email.html or ""), f"render + build {kind}",
                    head[:200])
        db.session.rollback()


def _counts(base, ws):
    """Return what B's key sees of its own data: responses and people (to prove nothing stored is lost)."""
    counts = {}
    for name in ("responses", "people"):
        reply = requests.get(f"{base}/api/{name}", params={"limit": 100}, headers=_api(ws["key"]), timeout=30)
        counts[name] = len(reply.json()["data"]) if reply.status_code == 200 else reply.status_code
    return counts


def _expect(f, label, reply, statuses=(400, 404, 409, 413, 415, 422)):
    ok = reply.status_code in statuses
    f.check(ok, label, f"{reply.status_code} {reply.text[:160]!r}")


def probe_bad_input(f, base, seeded, import_rows=100_000, import_seconds=300):
    """Malformed bodies and parameters on both APIs, the widget and the dashboard: a clear 4xx each, never a 500."""
    a = seeded["A"]
    before = {ws: _counts(base, seeded[ws]) for ws in ("A", "B")}
    bearer, basic = _api(a["key"]), _api(a["key"], "basic")
    deep = "[" * 5000 + "]" * 5000
    bodies = {
        "malformed JSON": b'{"email": "x@example.com",', "not UTF-8": b'{"email": "\xff\xfe@example.com"}',
        "deep nesting": ('{"email": "d@example.com", "properties": {"x": %s}}' % deep).encode(),
        "NaN": b'{"email": "n@example.com", "properties": {"x": NaN}}',
        "NUL in value": b'{"email": "nul@example.com", "name": "a\\u0000b"}',
        "array body": b'[1, 2]', "wrong types": b'{"email": 5, "name": ["x"], "properties": "no"}',
        "huge number": b'{"email": "h@example.com", "properties": {"x": 1e999}}',
        "huge body": b'{"email": "b@example.com", "name": "' + b"x" * (17 * 1024 * 1024) + b'"}',
        "empty": b"",
    }
    for label, body in bodies.items():
        for path, headers in (("/api/people", bearer), ("/v1/people.json", basic)):
            reply = requests.post(base + path, data=body, headers={**headers, "Content-Type": "application/json"},
                                  timeout=60)
            _expect(f, f"{label} POST {path}", reply)
        if len(body) < 1024 * 1024 and label != "wrong types":  # the widget's own wrong types are below
            reply = requests.post(f"{base}/w/api/{a['public_key']}/config", data=body,
                                  headers={"Origin": ORIGIN_A, "Content-Type": "application/json"}, timeout=30)
            _expect(f, f"{label} POST /w/api config", reply)
    reply = requests.post(f"{base}/api/people", data="email=x@example.com", timeout=30,
                          headers={**bearer, "Content-Type": "application/x-www-form-urlencoded"})
    # Forms are read as Delighted read them (README); the lone surrogate case is documented as U+FFFD.
    _expect(f, "form-encoded body POST /api/people (accepted as a form)", reply, statuses=(200, 201))
    reply = requests.post(f"{base}/api/people", data=b'{"email": "s@example.com", "name": "\\ud800"}',
                          headers={**bearer, "Content-Type": "application/json"}, timeout=30)
    f.check(reply.status_code in (200, 201) and reply.json().get("name") == "\ufffd",
            "lone surrogate POST /api/people is read as U+FFFD", f"{reply.status_code} {reply.text[:120]!r}")
    for body in ({"identity": "me"}, {"identity": {"id": ["x"]}}, {"identity": {"id": "x", "properties": "no"}},
                 {"score": "ten"}, {"score": 10 ** 30}, {"score": 5, "comment": ["x"]},
                 {"score": 5, "comment": "x" * 10001}):
        path = "config" if "identity" in body else f"surveys/{a['survey_token']}/responses"
        reply = requests.post(f"{base}/w/api/{a['public_key']}/{path}", json=body, headers={"Origin": ORIGIN_A},
                              timeout=30)
        _expect(f, f"wrong type POST /w/api {path.split('/')[0]} {json.dumps(body)[:60]}", reply)
    reply = requests.post(f"{base}/w/api/{a['public_key']}/config", data="{}",
                          headers={"Origin": ORIGIN_A, "Content-Type": "text/plain"}, timeout=30)
    _expect(f, "text/plain body POST /w/api config", reply)
    params = [
        ("/api/responses", {"per_page": 10 ** 9}), ("/api/responses", {"per_page": -1}),
        ("/api/responses", {"per_page": "x"}), ("/api/responses", {"per_page": ["1", "2"]}),
        ("/api/responses", {"cursor": "garbage"}), ("/api/responses", {"cursor": "9" * 40 + "_1"}),
        ("/api/responses", {"since": "2026-13-45"}), ("/api/responses", {"since": "2026-01-01T00:00:00+25:00"}),
        ("/api/responses", {"since": "9999-12-31T23:59:59-23:59"}), ("/api/responses", {"survey_id": 2 ** 63}),
        ("/api/responses", {"survey_id": -1}), ("/api/responses", {"score": "\x00"}),
        ("/api/trends", {"period": "century"}), ("/api/trends", {"since": "0001-01-01", "until": "9999-12-31"}),
        ("/api/loop-metrics", {"days": 10 ** 12}), ("/api/loop-metrics", {"days": -5}),
        ("/api/people/99999999999999999999", {}), ("/api/people/-1", {}),
        ("/api/audit-events", {"since": "yesterday"}),
    ]
    for path, query in params:
        reply = requests.get(base + path, params=query, headers=bearer, timeout=60)
        _expect(f, f"GET {path} {query}", reply)
    v1_params = [
        ("/v1/survey_responses.json", {"per_page": 10 ** 9}), ("/v1/survey_responses.json", {"per_page": -1}),
        ("/v1/survey_responses.json", {"since": 10 ** 20}), ("/v1/survey_responses.json", {"since": "-1e9"}),
        ("/v1/survey_responses.json", {"until": "tomorrow"}), ("/v1/survey_responses.json", {"page": 10 ** 12}),
        ("/v1/people.json", {"per_page": 10 ** 9}), ("/v1/metrics.json", {"since": 2 ** 64}),
        ("/v1/metrics.json", {"trend": "\x00"}), ("/v1/unsubscribes.json", {"since": "x"}),
        ("/v1/survey_responses/99999999999999999999.json", {}),
    ]
    for path, query in v1_params:
        reply = requests.get(base + path, params=query, headers=basic, timeout=60)
        # Delighted clamps per_page and reads an out-of-range page as empty; both are fine if not a 500.
        paging = "per_page" in query or "page" in query
        ok = reply.status_code in (400, 404, 422) or (reply.status_code == 200 and paging)
        f.check(ok, f"GET {path} {query}", f"{reply.status_code} {reply.text[:160]!r}")
    session = log_in(base, a["email"])
    w = f"{base}/app/{a['slug']}"
    dashboard = [("/responses", {"page": -1}), ("/responses", {"since": "2026-99-99"}), ("/responses", {"score": "x"}),
                 ("/responses", {"cursor": "abc"}), ("/responses", {"after": "\x00"}), ("/responses", {"q": "a\x00b"}),
                 ("/people", {"after": "abc"}), ("/people", {"q": "x" * 100000}), ("/trends", {"start": "9999-99-99"}),
                 ("/trends", {"since": "0001-01-01", "until": "9999-12-31"}), ("/", {"days": 10 ** 12}),
                 ("/", {"days": -1}), ("/audit", {"since": "x", "page": "y"}), ("/themes", {"sort": "'; drop"}),
                 ("/data/export", {"format": "xml"}), ("/data/export", {"since": "2026-02-31"}),
                 ("/responses/export.csv", {"since": "bad"})]
    for path, query in dashboard:
        reply = session.get(w + path, params=query, timeout=60, allow_redirects=False)
        f.check(reply.status_code < 500, f"dashboard GET {path} {query}"[:100], f"{reply.status_code}")
    _probe_imports(f, base, session, seeded, import_rows, import_seconds)
    after = {ws: _counts(base, seeded[ws]) for ws in ("A", "B")}
    f.check(after["B"] == before["B"], "B's data unchanged by the bad input", f"{before['B']} -> {after['B']}")
    f.check(after["A"]["responses"] >= before["A"]["responses"], "A's responses not lost",
            f"{before['A']} -> {after['A']}")


def _probe_imports(f, base, session, seeded, import_rows=100_000, import_seconds=300):
    a = seeded["A"]
    page = session.get(f"{base}/app/{a['slug']}/data/", timeout=30)
    token = csrf_token(page.text)
    header = "Response ID,Email,Score,Comment,Response timestamp\r\n"
    files = {
        "latin-1": (header + "r1,l1@example.com,9,Très bien,2026-01-02 10:00:00\r\n").encode("latin-1"),
        "UTF-16": (header + "r2,l2@example.com,9,ok,2026-01-02 10:00:00\r\n").encode("utf-16"),
        "NUL bytes": (header + "r3,l3@example.com,9,a\x00b,2026-01-02 10:00:00\r\n").encode(),
        "binary": bytes(range(256)) * 64, "empty": b"", "header only": header.encode(),
        "missing columns": b"Foo,Bar\r\n1,2\r\n",
        "bad dates/scores": (header + "r4,l4@example.com,99,x,2026-02-31 25:61:00\r\n"
                             "r5,l5@example.com,-1,x,0000-00-00\r\nr6,l6@example.com,1e3,x,\r\n").encode(),
        "formula cells": (header + f"r7,l7@example.com,5,{FORMULA},2026-01-02 10:00:00\r\n").encode(),
        "unterminated quote": (header + 'r8,l8@example.com,5,"never closed,2026-01-02\r\n').encode(),
        "huge cell": (header + "r9,l9@example.com,5," + "x" * 200000 + ",2026-01-02 10:00:00\r\n").encode(),
        "wrong column count": (header + "r10,l10@example.com\r\nr11,a,b,c,d,e,f,g\r\n").encode(),
    }
    for label, content in files.items():
        reply = requests.post(f"{base}/api/imports", headers=_api(a["key"]), files={"file": ("x.csv", content)},
                              timeout=120)
        f.check(reply.status_code in (200, 400, 413, 422), f"API import {label}", f"{reply.status_code} "
                f"{reply.text[:160]!r}")
        reply = session.post(f"{base}/app/{a['slug']}/data/import", data={"csrf_token": token,
                             "survey_id": a["survey"]}, files={"file": ("x.csv", content)}, timeout=120)
        f.check(reply.status_code in (200, 400, 413, 422), f"dashboard import {label}", f"{reply.status_code}")
    for count in (2_000, import_rows):
        rows = [header] + [f"big{count}-{i},big{i % 500}@example.com,{i % 11},comment {i},2026-01-02 10:00:00\r\n"
                           for i in range(count)]
        content = "".join(rows).encode()
        started = time.monotonic()
        label = f"API import of {count:,} rows ({len(content) / 1e6:.1f} MB)"
        try:
            reply = requests.post(f"{base}/api/imports", headers=_api(a["key"]), timeout=import_seconds,
                                  files={"file": ("big.csv", content)})
        except requests.RequestException as error:
            f.check(False, label, f"no answer within {import_seconds} s ({type(error).__name__})")
            return
        seconds = time.monotonic() - started
        f.check(reply.status_code in (200, 413, 422), f"{label} in {seconds:.1f} s = {count / seconds:,.0f} rows/s",
                f"{reply.status_code} {reply.text[:160]!r}")


def probe_db_locked(f, base, seeded, sqlite_path):
    """Hold SQLite's write lock past the busy timeout: writes answer 503 with Retry-After, reads still answer."""
    a = seeded["A"]
    holder = sqlite3.connect(sqlite_path, timeout=1, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    results = {}

    def call(name, method, url, **kwargs):
        results[name] = requests.request(method, url, timeout=60, **kwargs)

    calls = [
        ("POST /api/people", "POST", f"{base}/api/people",
         dict(json={"email": "locked@example.com"}, headers=_api(a["key"]))),
        ("POST /v1/survey_responses", "POST", f"{base}/v1/survey_responses.json",
         dict(json={"person": str(a["person"]), "score": 4}, headers=_api(a["key"], "basic"))),
        ("POST widget response", "POST", f"{base}/w/api/{a['public_key']}/surveys/{a['survey_token']}/responses",
         dict(json={"score": 6, "submission_key": secrets.token_hex(10)}, headers={"Origin": ORIGIN_A})),
        ("GET /api/responses", "GET", f"{base}/api/responses", dict(headers=_api(a["key"]))),
        ("GET /healthz", "GET", f"{base}/healthz", {}),
    ]
    threads = [threading.Thread(target=call, args=(name, method, url), kwargs=kwargs)
               for name, method, url, kwargs in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    holder.execute("ROLLBACK")
    holder.close()
    for name, *_ in calls:
        reply = results[name]
        if name.startswith("GET /api"):
            ok = reply.status_code == 200
        elif name == "GET /healthz":
            ok = reply.status_code == 503
        else:  # refused cleanly, or queued (the widget's writer may have committed after the lock went)
            ok = (reply.status_code == 503 and reply.headers.get("Retry-After")) or reply.status_code in (200, 201,
                                                                                                          202)
        f.check(bool(ok), f"SQLite write lock held: {name}", f"{reply.status_code} {reply.headers.get('Retry-After')} "
                f"{reply.text[:120]!r}")


def probe_db_down(f, app):
    """The database server is unreachable: every kind of request answers 503 with Retry-After, not 500."""
    environment = app_environment(f"postgresql://postgres@127.0.0.1:{free_port()}/gone",
                                  FEEDBACK_RATELIMIT_ENABLED="false")
    unsubscribe = _old_token(app, "unsubscribe", {"w": 1, "e": "x@example.com"}, 0)  # valid: the database is asked
    with served(environment, threads=2) as base:
        session = requests.Session()
        page = session.get(f"{base}/auth/login", timeout=60)  # needs no database: it answers 200
        form = {"email": "x@example.com", "password": "x", "csrf_token": csrf_token(page.text)}
        for method, path, kwargs in (("POST", "/auth/login", {"data": form}),
                                     ("GET", "/api/people", {"headers": _api("fl_x")}),
                                     ("GET", "/v1/people.json", {"headers": _api("fl_x", "basic")}),
                                     ("POST", "/w/api/pk/config", {"json": {}, "headers": {"Origin": ORIGIN_A}}),
                                     ("GET", "/s/sometoken", {}), ("GET", f"/u/{unsubscribe}", {})):
            reply = session.request(method, base + path, timeout=60, allow_redirects=False, **kwargs)
            f.check(reply.status_code == 503 and bool(reply.headers.get("Retry-After")),
                    f"database down: {method} {path}", f"{reply.status_code} {reply.text[:120]!r}")
        reply = session.get(f"{base}/healthz", timeout=60)
        f.check(reply.status_code == 503 and "database" in reply.json(), "database down: GET /healthz names it",
                f"{reply.status_code} {reply.text[:120]!r}")


def probe_broker_down(f, database_url, seeded):
    """The broker (Redis) is down while answers come in and emails are due: answers stored, outbox rows kept."""
    a = seeded["A"]
    environment = app_environment(database_url, FEEDBACK_RATELIMIT_ENABLED="false",
                                  BROKER_URL=f"redis://127.0.0.1:{free_port()}/0", FEEDBACK_PUBLIC_URL="http://x.test")
    # /healthz takes 2-3 s to say the broker is down (kombu retries once): wait for the login page instead.
    with served(environment, threads=4, ready_path="/auth/login") as base:
        started = time.monotonic()
        health = requests.get(f"{base}/healthz", timeout=60)
        f.check(health.status_code == 503 and "broker" in health.json(), f"broker down: GET /healthz says so "
                f"(in {time.monotonic() - started:.1f} s)", f"{health.status_code} {health.text[:120]!r}")
        reply = requests.post(f"{base}/v1/people.json", json={"email": "broker-down@example.com", "send": "true"},
                              headers=_api(a["key"], "basic"), timeout=120)
        f.check(reply.status_code in (200, 201, 503), "broker down: POST /v1/people send=true",
                f"{reply.status_code} {reply.text[:160]!r}")
        created = requests.post(f"{base}/api/responses", json={"survey_id": a["survey"], "score": 2,
                                                               "comment": "broker down"},
                                headers=_api(a["key"]), timeout=120)
        f.check(created.status_code in (201, 503), "broker down: POST /api/responses",
                f"{created.status_code} {created.text[:160]!r}")
        widget = requests.post(f"{base}/w/api/{a['public_key']}/surveys/{a['survey_token']}/responses",
                               json={"score": 1, "submission_key": secrets.token_hex(10)}, headers={"Origin": ORIGIN_A},
                               timeout=120)
        f.check(widget.status_code in (202, 503), "broker down: widget answer",
                f"{widget.status_code} {widget.text[:160]!r}")
        if created.status_code == 201:
            rid = created.json()["id"]
            stored = requests.get(f"{base}/api/responses/{rid}", headers=_api(a["key"]), timeout=30)
            f.check(stored.status_code == 200, "broker down: the acknowledged response is stored",
                    f"{stored.status_code}")
        people = requests.get(f"{base}/v1/people.json", params={"email": "broker-down@example.com"},
                              headers=_api(a["key"], "basic"), timeout=30)
        if reply.status_code in (200, 201):
            f.check("broker-down@example.com" in people.text, "broker down: the acknowledged person is stored",
                    people.text[:160])


def probe_smtp_down(f, app, seeded):
    """SMTP refuses connections while the outbox sends: the notification stays, to be retried, never lost or sent."""
    from sqlalchemy import select

    from feedback_app.extensions import db
    from feedback_app.models import Notification, NotificationKind, NotificationStatus, Person, Workspace
    from feedback_app.services.loop import outbox

    a = seeded["A"]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2)
    with app.app_context(), app.test_request_context():
        workspace = db.session.get(Workspace, a["id"])
        person = db.session.get(Person, a["person"])
        notification = outbox.queue_notification(workspace, kind=NotificationKind.ACTION_UPDATE, person=person,
                                                 action=db.session.get(__import__("feedback_app.models", fromlist=[
                                                     "Action"]).Action, a["action"]))
        db.session.commit()
        nid = getattr(notification, "id", None)
        try:
            outbox.deliver_due(worker="probe")
            error = None
        except Exception as caught:  # noqa: BLE001
            error = caught
        db.session.rollback()
        row = db.session.scalar(select(Notification).where(Notification.id == nid)) if nid else None
        status = getattr(row, "status", None)
        f.check(row is not None and status != NotificationStatus.SENT and error is None,
                "SMTP down: the outbox row is kept for a retry", f"{status} {error!r}")
        f.check(row is not None and (row.attempts or 0) >= 1 and row.next_attempt_at is not None,
                "SMTP down: the attempt is counted and a retry scheduled",
                f"attempts={getattr(row, 'attempts', None)} next={getattr(row, 'next_attempt_at', None)}")


GROUPS = ("authn", "isolation", "api-isolation", "csrf", "redirects", "links", "cors", "xss", "emails", "bad-input",
          "faults")


@contextlib.contextmanager
def served(environment, **kwargs):
    """``serve_app``, and then kill its workers still running (a 100,000-row import outlives the master's stop)."""
    workers = []
    try:
        with serve_app(environment, **kwargs) as base:
            port = urlsplit(base).port
            try:
                yield base
            finally:
                workers = [pid for pid in os.listdir("/proc") if pid.isdigit() and _serves(pid, port)]
    finally:
        for pid in workers:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(pid), signal.SIGKILL)


def _serves(pid, port):
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"gunicorn" in b" ".join(command) and f"127.0.0.1:{port}".encode() in command


@contextlib.contextmanager
def database(admin_url, directory):
    if not admin_url:
        yield f"sqlite:///{directory}/probe.db"
        return
    import psycopg

    name = f"probe_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL; a new database is made on it and dropped")
    parser.add_argument("--only", help="comma-separated groups: " + ",".join(GROUPS))
    parser.add_argument("--import-rows", type=int, default=100_000, help="rows of the large CSV import")
    parser.add_argument("--import-seconds", type=int, default=300, help="how long the large import may take")
    args = parser.parse_args()
    # SIGTERM (timeout, Ctrl-C's cousins) unwinds like an exception, so that the served app is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    groups = args.only.split(",") if args.only else GROUPS
    f = Findings()
    with tempfile.TemporaryDirectory() as directory, database(args.database_url, directory) as database_url:
        app, seeded = seed(database_url)
        environment = app_environment(database_url, FEEDBACK_RATELIMIT_ENABLED="false",
                                      FEEDBACK_PUBLIC_URL="http://feedback.test")
        with served(environment, workers=1, threads=4) as base:
            steps = {
                "authn": lambda: probe_authn(f, base, app, seeded),
                "isolation": lambda: probe_dashboard_isolation(f, base, app, seeded),
                "api-isolation": lambda: probe_api_isolation(f, base, seeded),
                "csrf": lambda: probe_csrf(f, base, app, seeded),
                "redirects": lambda: probe_redirects(f, base, seeded),
                "links": lambda: probe_links(f, base, app, seeded),
                "cors": lambda: probe_cors(f, base, seeded),
                "xss": lambda: probe_xss(f, base, seeded),
                "emails": lambda: (probe_line_breaks(f, base, seeded), probe_emails(f, app, seeded)),
                "bad-input": lambda: probe_bad_input(f, base, seeded, args.import_rows, args.import_seconds),
            }
            for group in groups:
                if group in steps:
                    f.start(group)
                    steps[group]()
            if "faults" in groups and not args.database_url:
                f.start("faults: SQLite write lock")
                probe_db_locked(f, base, seeded, database_url.removeprefix("sqlite:///"))
        if "faults" in groups:
            f.start("faults: database down, broker down, SMTP down")
            probe_db_down(f, app)
            probe_broker_down(f, database_url, seeded)
            probe_smtp_down(f, app, seeded)
        if args.database_url:
            from feedback_app.extensions import db

            with app.app_context():
                db.engine.dispose()
    print(f"\n{f.found} finding(s) in {len(f.lines)} probes")
    sys.exit(1 if f.found else 0)


if __name__ == "__main__":
    main()
