"""Origins allowed to embed the widget: the one check used by the dashboard, the CLI and the demo."""
from urllib.parse import urlsplit

from feedback_app.services.exceptions import InvalidInput

MAX_ORIGINS = 50


def normalize_origin(origin):
    """Return ``origin`` as ``scheme://host[:port]``.

    :raises InvalidInput: if it is not an http(s) origin (no path, query or credentials).
    """
    text = (origin or "").strip().rstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port  # reading it checks it: a port out of range or not a number raises
    # urlsplit refuses an unclosed IPv6 bracket, .port a bad port: both are a malformed origin.
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise InvalidInput(f"{origin!r} is not an origin like https://app.example.com.",
                           fields={"allowed_origins": [f"not an origin: {origin}"]})
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname  # an IPv6 address keeps its brackets
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}"


def clean_origins(origins):
    """Return ``origins`` normalised, without blanks and duplicates, in their order.

    :raises InvalidInput: naming every malformed origin at once, or for more than :data:`MAX_ORIGINS`.
    """
    cleaned, bad = [], []
    for origin in origins or ():
        if not (origin or "").strip():
            continue
        try:
            cleaned.append(normalize_origin(origin))
        except InvalidInput:
            bad.append(origin.strip())
    if bad:
        listed = ", ".join(repr(origin) for origin in bad)
        raise InvalidInput(f"Not an origin like https://app.example.com: {listed}.",
                           fields={"allowed_origins": [f"not an origin: {origin}" for origin in bad]})
    cleaned = list(dict.fromkeys(cleaned))
    if len(cleaned) > MAX_ORIGINS:
        raise InvalidInput(f"At most {MAX_ORIGINS} origins.", fields={"allowed_origins": ["too many"]})
    return cleaned
