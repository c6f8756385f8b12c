"""The settings module chooses embedded or distributed parts from the environment alone."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "db_engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "db_host": settings.DATABASES["default"].get("HOST", ""),
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "layer_hosts": settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts"),
    "broker": settings.CELERY_BROKER_URL,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "debug": settings.DEBUG,
    "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""

_CONFIG_VARS = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "REDIS_URL",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "CELERY_RESULT_BACKEND",
)


def probe(**env):
    clean = {k: v for k, v in os.environ.items() if k not in _CONFIG_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="emotunes.settings")
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)
    return result


def settings_for(**env):
    result = probe(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_environment_means_embedded():
    s = settings_for()
    assert s["db_engine"] == "django.db.backends.sqlite3"
    assert s["layer"] == "channels.layers.InMemoryChannelLayer"
    assert s["eager"] is True
    assert s["broker"] == "memory://"
    assert s["debug"] is True


def test_redis_url_switches_channel_layer_and_broker():
    s = settings_for(REDIS_URL="redis://cache.internal:6380/2")
    assert s["layer"] == "emotunes.channel_layer.FastRedisChannelLayer"  # channels_redis' layer, fewer round trips
    assert [host["address"] for host in s["layer_hosts"]] == ["redis://cache.internal:6380/2"]
    assert s["broker"] == "redis://cache.internal:6380/2"
    assert s["eager"] is False


def test_database_url_switches_to_postgresql():
    s = settings_for(DATABASE_URL="postgres://emo:secret@db.internal:5433/emotunes")
    assert s["db_engine"] == "django.db.backends.postgresql"
    assert s["db_name"] == "emotunes"
    assert s["db_host"] == "db.internal"


def test_production_refuses_to_start_without_secret_key():
    result = probe(DEBUG="0", ALLOWED_HOSTS="emotunes.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = probe(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_turns_on_security_settings():
    s = settings_for(DEBUG="0", SECRET_KEY="k" * 50, ALLOWED_HOSTS="emotunes.example.org")
    assert s["debug"] is False
    assert s["ssl_redirect"] is True
    assert s["session_cookie_secure"] is True
    assert s["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_malformed_boolean_is_a_clear_error():
    result = probe(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr
