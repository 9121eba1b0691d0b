"""Posting to a URL that a tenant chose without letting it reach our own network (the SSRF guard).

One parser and one DNS answer: a URL is read the way requests itself reads it (a URL on which
``urllib.parse`` and urllib3 disagree is refused), every address its host resolves to must be
public, and the connection goes to an address that was checked, so a DNS record that changes
between the check and the connect (rebinding) cannot send the request elsewhere. The Host header,
TLS SNI and certificate check keep the URL's own name. Redirects are never followed.
"""
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, HTTPError, LocationParseError
from urllib3.util import parse_url

MAX_URL_LENGTH = 2000  # WebhookEndpoint.url's column
DEFAULT_PORTS = {"http": 80, "https": 443}
# Below 1024 only the schemes' own ports: the others are well-known services (SSH, SMTP, ...) that a
# POST could talk to across protocols; receivers on 8080 or 8443 are common and stay allowed.
LOWEST_OTHER_PORT = 1024
MAX_ADDRESSES_TRIED = 3  # a host whose first address is down (often IPv6) still gets its delivery


class RefusedURL(Exception):
    """A URL we will not post to; ``problem`` says why, in words for the person who typed it."""

    def __init__(self, problem):
        super().__init__(problem)
        self.problem = problem


class NoPublicAddress(RefusedURL):
    """The URL's host name does not resolve, or not only to addresses we may connect to."""

    def __init__(self):
        super().__init__("host does not resolve to a public address")


@dataclass(frozen=True)
class Target:
    """Where a URL sends a request, as requests reads it."""

    url: str  # the URL requests sends (IDNA host, quoted path)
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int

    @property
    def host_header(self):
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == DEFAULT_PORTS[self.scheme] else f"{name}:{self.port}"

    @property
    def is_address(self):
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class Answer:
    """What a reached endpoint answered: its status and the start of its body."""

    status_code: int
    text: str


def _check_text(url):
    if not isinstance(url, str) or not url:
        raise RefusedURL("must be an http or https URL")
    if len(url) > MAX_URL_LENGTH:
        raise RefusedURL(f"must be at most {MAX_URL_LENGTH} characters")
    # Parsers disagree on these (a backslash ends the host for some and not for others).
    if "\\" in url or any(char.isspace() or not char.isprintable() for char in url):
        raise RefusedURL("must not contain spaces, control characters or backslashes")


def _prepare(url):
    # Return the port as typed (reading it checks its range) and the URL that requests would send.
    try:
        typed = urlsplit(url)
        if typed.scheme not in DEFAULT_PORTS:
            raise RefusedURL("must be an http or https URL")
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, None)  # with urllib3's parser, which also checks the port's range
        return typed.port, prepared.url
    # requests' InvalidURL, urllib3's LocationParseError and urlsplit's errors are all ValueErrors.
    except (ValueError, UnicodeError, LocationParseError):
        raise RefusedURL("is not a valid URL") from None


def parse(url):
    """Return the :class:`Target` that requests would send ``url`` to.

    :raises RefusedURL: unless ``url`` is an http(s) URL of at most ``MAX_URL_LENGTH`` characters
        without user name, backslash, white space, control character or IPv6 zone, on an allowed port.
    """
    _check_text(url)
    typed_port, sent = _prepare(url)
    split, parsed = urlsplit(sent), parse_url(sent)
    if "@" in split.netloc or parsed.auth is not None:
        raise RefusedURL("must not contain a user name or password")
    host = split.hostname or ""
    if "%" in host or "%" in (parsed.host or ""):
        raise RefusedURL("must not name an IPv6 zone")
    # requests builds the URL with urllib3's parser and connects to urllib.parse's reading of it.
    if not host or host != (parsed.host or "").strip("[]").lower():
        raise RefusedURL("is not a valid URL")
    port = DEFAULT_PORTS[split.scheme] if split.port is None else split.port
    # requests drops a port 0 and so would post to port 80: judge the port that was typed.
    if typed_port not in (None, port) or (
            port not in DEFAULT_PORTS.values() and not LOWEST_OTHER_PORT <= port <= 65535):
        raise RefusedURL(f"must use port 80, 443 or {LOWEST_OTHER_PORT}-65535")
    return Target(url=sent, scheme=split.scheme, host=host, port=port)


def _embedded_ipv4(address):
    # IPv6 forms that carry an IPv4 address a relay would connect to.
    if address.version == 6:
        return address.ipv4_mapped or address.sixtofour
    return None


def is_public_address(address):
    """Return whether ``address`` is globally reachable unicast, and so is any IPv4 address inside it."""
    embedded = _embedded_ipv4(address)
    if embedded is not None and not is_public_address(embedded):
        return False
    # is_global leaves out what IANA calls private, loopback, link-local, CGNAT 100.64/10, 0/8 and
    # documentation ranges; multicast and IPv6's reserved ::/8 (IPv4-compatible, NAT64) it lets through.
    return address.is_global and not address.is_multicast and not address.is_reserved


def _allowed(address, allow_private):
    if not allow_private:
        return is_public_address(address)
    inner = _embedded_ipv4(address) or address
    return not any(candidate.is_multicast or candidate.is_unspecified for candidate in (address, inner))


def resolve(target, *, allow_private=False):
    """Return the addresses of ``target``'s host once each, in the resolver's order, having checked them all.

    :param allow_private: allow private, loopback and link-local addresses (never multicast or unspecified).
    :raises RefusedURL: for an address literal that is not allowed.
    :raises NoPublicAddress: for a name that does not resolve, or has any address that is not allowed.
    """
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    # gaierror is an OSError; an over-long label fails the IDNA codec.
    except (OSError, UnicodeError):
        raise NoPublicAddress() from None
    addresses = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not _allowed(address, allow_private):
            if target.is_address:
                raise RefusedURL("private, loopback and reserved addresses are not allowed")
            raise NoPublicAddress()
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise NoPublicAddress()
    return addresses


class _PinnedAdapter(HTTPAdapter):
    """Connect to one checked address, keeping the URL's name for TLS SNI and the certificate check."""

    def __init__(self, target, address):
        super().__init__()
        self.target, self.address = target, address

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if host_params["host"] != self.target.host:  # never: request.url is the target's own URL
            raise RefusedURL("is not a valid URL")
        host_params["host"] = str(self.address)
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = self.target.host
            pool_kwargs["assert_hostname"] = self.target.host
        return host_params, pool_kwargs


def _text(raw, encoding):
    try:
        return raw.decode(encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return raw.decode("utf-8", errors="replace")


def _post_to(target, address, *, data, headers, timeout, verify, max_body_chars):
    with requests.Session() as session:
        # No proxy settings or .netrc passwords from the environment for a tenant's URL.
        session.trust_env = False
        adapter = _PinnedAdapter(target, address)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        with session.post(target.url, data=data, headers=headers, timeout=timeout, verify=verify,
                          allow_redirects=False, stream=True) as answer:
            try:
                # Read only what is kept: an endpoint must not make us hold an endless body.
                raw = answer.raw.read(4 * max_body_chars, decode_content=True)
            except HTTPError:  # the body broke off; the status is still the answer
                raw = b""
            return Answer(answer.status_code, _text(raw, answer.encoding)[:max_body_chars])


def _never_connected(error):
    # requests wraps urllib3's MaxRetryError, whose reason says whether the connect itself failed.
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, ConnectTimeoutError)  # NewConnectionError (refused) is one too


def post(url, *, data, headers, timeout, allow_private=False, verify=True, max_body_chars=2048):
    """Post ``data`` to ``url`` at an address that :func:`resolve` checked; return the :class:`Answer`.

    Resolves the host once, then tries its checked addresses in order (up to ``MAX_ADDRESSES_TRIED``)
    until one accepts the connection. A redirect is returned as it is, not followed.

    :param headers: request headers; ``Host`` is set to the URL's host.
    :param timeout: seconds, for the connect and for each read.
    :param verify: as for requests: ``True`` or a CA bundle's path.
    :raises RefusedURL: if :func:`parse` or :func:`resolve` refuses the URL.
    :raises requests.RequestException: when no checked address could be reached, or the exchange failed.
    """
    target = parse(url)
    addresses = resolve(target, allow_private=allow_private)[:MAX_ADDRESSES_TRIED]
    headers = {**headers, "Host": target.host_header}
    for number, address in enumerate(addresses, 1):
        try:
            return _post_to(target, address, data=data, headers=headers, timeout=timeout, verify=verify,
                            max_body_chars=max_body_chars)
        # Only a failed connect moves on: after one, nothing was sent; after anything else it may have been.
        except requests.ConnectionError as error:
            if number == len(addresses) or not _never_connected(error):
                raise
