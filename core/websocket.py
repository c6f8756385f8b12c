"""Websocket origin check: the page's own origin, scheme and port included.

channels' ``AllowedHostsOriginValidator`` accepts an Origin whose *host* is in ALLOWED_HOSTS, on
any scheme and port: ``http://localhost:9999`` or ``https://127.0.0.1`` passed for a site served
at ``http://localhost:8000``. Here the Origin must be exactly the origin the socket was opened
on — the scheme that the connection has (``https`` for ``wss``), the Host header's name and port,
that name in ALLOWED_HOSTS — or one listed in CSRF_TRUSTED_ORIGINS. With WEBSOCKET_REQUIRE_TLS
(on when DEBUG is off) only ``wss`` is accepted: a socket that is not TLS (directly, or per the TLS
proxy's SECURE_PROXY_SSL_HEADER) is refused.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def is_secure(scope) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        meta_name, expected = proxy
        header = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode()
        value = _header(scope, header)
        return value is not None and value.split(",")[0].strip() == expected
    return False


def _origin_key(scheme: str, host: str, port) -> tuple[str, str, int]:
    return scheme, host.strip("[]").lower(), int(port) if port else DEFAULT_PORTS.get(scheme, 0)


def origin_allowed(scope) -> bool:
    origin, host = _header(scope, b"origin"), _header(scope, b"host")
    if not origin or not host:
        return False
    secure = is_secure(scope)
    if settings.WEBSOCKET_REQUIRE_TLS and not secure:
        return False  # wss:// only in production
    try:
        parts = urlsplit(origin)
        given = _origin_key(parts.scheme, parts.hostname or "", parts.port)
    except ValueError:  # a port out of range, a malformed address
        return False
    domain, port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    try:
        allowed = {_origin_key("https" if secure else "http", domain, port)}
        for trusted in settings.CSRF_TRUSTED_ORIGINS:
            trusted_parts = urlsplit(trusted)
            if trusted_parts.hostname and "*" not in trusted_parts.hostname:
                allowed.add(_origin_key(trusted_parts.scheme, trusted_parts.hostname, trusted_parts.port))
    except ValueError:
        return False
    return given in allowed


class SameOriginValidator:
    """ASGI middleware for the websocket router: refuses (403 at the handshake) any other origin."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
