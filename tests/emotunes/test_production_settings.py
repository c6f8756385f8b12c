"""Production safeguards and fail-fast settings (issue #16, items 5 and 10): a year of HSTS,
wss only, SQLite writers that wait, and a bad value stops the start naming its variable."""

import json
import os
import subprocess
import sys

import pytest

from tests.emotunes.test_settings_modes import _CONFIG_VARS, ROOT, probe

PROD = {"DEBUG": "0", "SECRET_KEY": "a-test-secret-key-that-is-long-enough-0123456789", "ALLOWED_HOSTS": "example.org"}

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "hsts": getattr(settings, "SECURE_HSTS_SECONDS", 0),
    "wss_only": settings.WEBSOCKET_REQUIRE_TLS,
    "sqlite": settings.DATABASES["default"].get("OPTIONS", {}),
    "csp_frames": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"],
    "permissions": settings.PERMISSIONS_POLICY,
}))
"""


def read(**env):
    clean = {k: v for k, v in os.environ.items() if k not in _CONFIG_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="emotunes.settings")
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_gets_a_year_of_hsts_and_wss_only():
    s = read(**PROD)
    assert s["hsts"] == 365 * 24 * 3600
    assert s["wss_only"] is True
    assert s["permissions"].startswith("camera=(self)")
    assert "https://www.youtube-nocookie.com" in s["csp_frames"]
    assert read()["wss_only"] is False  # DEBUG=1: ws:// for the development server


def test_sqlite_writers_wait_for_the_lock():
    assert read()["sqlite"] == {"transaction_mode": "IMMEDIATE", "timeout": 20.0}


@pytest.mark.parametrize(
    "name, value",
    [
        ("LOGIN_MAX_FAILURES", "0"),
        ("LOGIN_MAX_FAILURES", "five"),
        ("LOGIN_MAX_FAILURES_PER_IP", "2"),
        ("HEALTHCHECK_TIMEOUT", "nan"),
        ("HEALTHCHECK_TIMEOUT", "inf"),
        ("HEALTHCHECK_TIMEOUT", "0"),
        ("SQLITE_BUSY_TIMEOUT", "-1"),
        ("HEALTHZ_TOKEN", "short"),
        ("PLAYLISTS_MAX_PER_LISTENER", "0"),
        ("LIVE_MAX_CONNECTIONS_PER_ADDRESS", "0"),
        ("CATALOGUE_IMPORT_MAX_BYTES", "10"),
        ("SECURE_HSTS_SECONDS", "-5"),
        ("WEBSOCKET_REQUIRE_TLS", "maybe"),
    ],
)
def test_a_bad_value_stops_the_start_naming_it(name, value):
    env = dict(PROD) if name == "SECURE_HSTS_SECONDS" else {}
    result = probe(**env, **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr, result.stderr[-500:]
