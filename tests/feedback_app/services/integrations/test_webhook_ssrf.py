"""Webhook SSRF guard: one URL parser, one DNS answer that is both checked and connected to, quiet errors.

Tests may only talk to loopback, so where a test needs a *public* host it lets 127.0.0.2 play one: the
``public_stand_in`` fixture makes that single address count as global, and ``resolver`` answers made-up
names the way a rebinding DNS server would. Both substitute the world (the address registry, DNS);
the HTTP receivers and every socket are real.
"""
import ipaddress
import shutil
import socket
import ssl
import subprocess

import pytest
import requests

from feedback_app.models import Role, WebhookDelivery, WebhookEndpoint
from feedback_app.services.accounts import api_keys
from feedback_app.services.integrations import webhooks
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_user, create_workspace
from tests.support.receiver import webhook_receiver

STAND_IN = ipaddress.IPv4Address("127.0.0.2")
PUBLIC = "93.184.215.14"  # a global address literal: parsing it needs no DNS and no traffic

BAD_URLS = [
    "http://127.0.0.1:5208\\@1.1.1.1/",  # urllib.parse sees host 1.1.1.1, requests connects to 127.0.0.1
    f"http://{PUBLIC}\\@127.0.0.1/",
    f"http://user@{PUBLIC}/",
    f"http://user:secret@{PUBLIC}/",
    "http://[::1",
    "http://a b/",
    f"http://{PUBLIC}/\n",
    f"http://{PUBLIC}/a\x00b",
    f"\thttp://{PUBLIC}/",
    f"http://{PUBLIC}/\u2028",
    f"ftp://{PUBLIC}/",
    "javascript:alert(1)",
    "file:///etc/passwd",
    f"//{PUBLIC}/",
    "http:///hook",
    f"http://{PUBLIC}:abc/",
    f"http://{PUBLIC}:99999/",
    f"http://{PUBLIC}:0/",
    f"http://{PUBLIC}:22/",
    f"http://{PUBLIC}:25/",
    "http://[fe80::1%25eth0]/",
    f"https://{PUBLIC}/" + "a" * 2000,
    "",
    None,
]


@pytest.fixture()
def resolver(monkeypatch):
    """Answer the names put in the returned dict with their address lists in turn (the last one repeats)."""
    real = socket.getaddrinfo
    answers = {}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in answers:
            return real(host, port, family, type, proto, flags)
        turns = answers[name]
        addresses = turns.pop(0) if len(turns) > 1 else turns[0]
        return [(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port), 0, 0))
                if ":" in address else
                (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))
                for address in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.fixture()
def public_stand_in(monkeypatch):
    """Make 127.0.0.2 count as a global address, so that a loopback receiver can play a public host."""
    original = ipaddress.IPv4Address.is_global
    monkeypatch.setattr(ipaddress.IPv4Address, "is_global",
                        property(lambda address: address == STAND_IN or original.fget(address)))


@pytest.fixture()
def strict(app, monkeypatch):
    """Turn the private-address guard on (the testing config allows loopback receivers)."""
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)


def _stored_endpoint(workspace, url):
    # A row as an older release (or a since-changed DNS record) left it: no check at creation.
    endpoint = WebhookEndpoint(workspace_id=workspace.id, url=url, events=["response.created"], secret="whsec_t")
    webhooks.db.session.add(endpoint)
    webhooks.db.session.commit()
    return endpoint


def _deliver_once(db, workspace):
    (delivery,) = webhooks.publish(workspace, "response.created", {"response_id": 1})
    db.session.expire_all()
    return db.session.get(WebhookDelivery, delivery.id)


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.parametrize("url", BAD_URLS)
def test_check_url_refuses_malformed_and_smuggling_urls(app, db, monkeypatch, allow_private, url):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", allow_private)
    with pytest.raises(InvalidInput) as raised:
        webhooks.check_url(url)
    assert list(raised.value.fields) == ["url"]


@pytest.mark.parametrize("url", [f"https://{PUBLIC}/in", f"http://{PUBLIC}:8080/in?x=1", f"HTTPS://{PUBLIC}:443/",
                                 "https://[2606:4700:4700::1111]/hook"])
def test_check_url_accepts_public_http_urls(db, strict, url):
    webhooks.check_url(url)


@pytest.mark.parametrize("url", ["http://[::ffff:127.0.0.1]/", "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::1]/",
                                 "http://[ff0e::1]/", "http://[::]/", "http://0.0.0.0/", "http://0.1.2.3/",
                                 "http://100.64.0.1/", "http://224.0.0.1/", "http://2130706433/", "http://0x7f.1/",
                                 "http://127.1/", "http://[fd00::1]/"])
def test_private_addresses_in_every_disguise_are_refused(db, strict, url):
    with pytest.raises(InvalidInput) as raised:
        webhooks.check_url(url)
    assert list(raised.value.fields) == ["url"]


def test_a_name_with_any_private_answer_is_refused(db, strict, resolver):
    resolver["mixed.test"] = [[PUBLIC, "10.0.0.5"]]
    with pytest.raises(InvalidInput):
        webhooks.check_url("https://mixed.test/hook")


def test_backslash_userinfo_url_is_refused_at_creation(db, strict):
    with pytest.raises(InvalidInput) as raised:
        webhooks.create_endpoint(create_workspace(), url="http://127.0.0.1:5208\\@1.1.1.1/",
                                 events=["response.created"])
    assert "url" in raised.value.fields
    assert db.session.query(WebhookEndpoint).count() == 0


@pytest.mark.parametrize("allow_private", [True, False])
def test_backslash_userinfo_url_is_refused_at_delivery(app, db, monkeypatch, allow_private):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", allow_private)
    workspace = create_workspace()
    with webhook_receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        _stored_endpoint(workspace, f"http://127.0.0.1:{port}\\@1.1.1.1/")
        delivery = _deliver_once(db, workspace)
    assert receiver.requests == []
    assert (delivery.status, delivery.response_status, delivery.last_error) == ("pending", None, "refused by policy")


def test_rebinding_after_the_check_cannot_reach_loopback(db, strict, resolver, public_stand_in):
    workspace = create_workspace()
    with webhook_receiver() as internal:
        port = int(internal.url.split(":")[2].split("/")[0])
        with webhook_receiver(host=str(STAND_IN), port=port) as public:
            resolver["rebind.test"] = [[str(STAND_IN)]]
            webhooks.create_endpoint(workspace, url=f"http://rebind.test:{port}/hook", events=["response.created"])
            # Each delivery looks the name up; the attacker's DNS gives the public address first, then loopback.
            resolver["rebind.test"] = [[str(STAND_IN)], ["127.0.0.1"]]
            delivery = _deliver_once(db, workspace)
    assert internal.requests == []
    assert [headers["Host"] for headers, _ in public.requests] == [f"rebind.test:{port}"]
    assert delivery.status == "succeeded"


def test_delivery_connects_to_the_checked_address_with_the_original_host_header(db):
    workspace = create_workspace()  # loopback is allowed here: the testing config's WEBHOOKS_ALLOW_PRIVATE
    with webhook_receiver() as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost")  # /etc/hosts: localhost is 127.0.0.1
        webhooks.create_endpoint(workspace, url=url, events=["response.created"])
        delivery = _deliver_once(db, workspace)
    ((headers, body),) = receiver.requests
    assert headers["Host"] == url.split("/")[2]
    assert (delivery.status, delivery.response_status) == ("succeeded", 200)


@pytest.fixture()
def localhost_tls(tmp_path):
    """Return (server SSL context recording SNI names, CA file) for a self-signed certificate of ``localhost``."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_names = []
    context.sni_callback = lambda sock, name, ctx: context.sni_names.append(name)
    return context, str(cert)


def test_https_delivery_to_the_pinned_address_keeps_sni_and_certificate_name(localhost_tls):
    context, ca_file = localhost_tls
    with webhook_receiver(ssl_context=context) as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost")
        answer = webhooks.safe_http.post(url, data=b"{}", headers={}, timeout=10, allow_private=True, verify=ca_file)
    assert answer.status_code == 200
    assert context.sni_names == ["localhost"]
    assert [headers["Host"] for headers, _ in receiver.requests] == [url.split("/")[2]]


def test_https_certificate_is_checked_against_the_url_name(localhost_tls, resolver):
    context, ca_file = localhost_tls
    resolver["other.test"] = [["127.0.0.1"]]
    with webhook_receiver(ssl_context=context) as receiver:
        url = receiver.url.replace("127.0.0.1", "other.test")
        with pytest.raises(requests.exceptions.SSLError):
            webhooks.safe_http.post(url, data=b"{}", headers={}, timeout=10, allow_private=True, verify=ca_file)
    assert receiver.requests == []


def test_delivery_log_is_generic_for_a_refused_target(db, strict):
    workspace = create_workspace()
    with webhook_receiver() as receiver:
        _stored_endpoint(workspace, receiver.url)
        delivery = _deliver_once(db, workspace)
    assert receiver.requests == []
    assert (delivery.response_status, delivery.last_error) == (None, "refused by policy")


def test_delivery_log_is_generic_for_an_unreachable_target(db):
    workspace = create_workspace()
    with webhook_receiver() as receiver:
        url = receiver.url
    webhooks.create_endpoint(workspace, url=url, events=["response.created"])  # nobody listens there now
    delivery = _deliver_once(db, workspace)
    assert (delivery.status, delivery.response_status, delivery.last_error) == ("pending", None, "could not connect")


def test_redirects_are_recorded_not_followed(db):
    workspace = create_workspace()
    with webhook_receiver(statuses=[302]) as receiver:
        webhooks.create_endpoint(workspace, url=receiver.url, events=["response.created"])
        delivery = _deliver_once(db, workspace)
    assert len(receiver.requests) == 1
    assert (delivery.status, delivery.response_status, delivery.last_error) == ("pending", 302, "HTTP 302")


@pytest.fixture()
def api_headers(db):
    _, raw_key = api_keys.create_api_key(create_workspace())
    return {"Authorization": f"Bearer {raw_key}", "Accept": "application/json"}


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.parametrize("url", ["http://[::1", 5, "http://a b/", "http://127.0.0.1:5208\\@1.1.1.1/", ["x"],
                                 {"a": 1}, f"http://{PUBLIC}:abc/", f"http://user@{PUBLIC}/", "http://[fe80::1%25lo]/"])
def test_api_answers_422_for_malformed_webhook_urls(client, app, monkeypatch, api_headers, allow_private, url):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", allow_private)
    answer = client.post("/api/webhooks", headers=api_headers, json={"url": url, "events": ["response.created"]})
    assert answer.status_code == 422
    assert list(answer.get_json()["errors"]) == ["url"]


@pytest.mark.parametrize("url", ["http://[::1", "http://a b/", f"http://{PUBLIC}:abc/", "http://x\\@1.1.1.1/"])
def test_settings_form_answers_422_for_malformed_webhook_urls(client, db, login, strict, url):
    login(create_user(create_workspace("Home Co"), role=Role.ADMIN))
    answer = client.post("/app/home-co/settings/webhooks", data={"url": url, "events": ["response.created"]})
    assert answer.status_code == 422
    assert db.session.query(WebhookEndpoint).count() == 0
