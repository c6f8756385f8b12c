import pytest
from django.test import override_settings
from django.urls import reverse


def redis_settings(url):
    return override_settings(
        CHANNEL_LAYERS={"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}},
        CELERY_BROKER_URL=url,
        CELERY_TASK_ALWAYS_EAGER=False,
        HEALTHCHECK_TIMEOUT=1.0,
    )


@pytest.mark.django_db
def test_embedded_setup_is_healthy(client):
    r = client.get(reverse("healthz"))
    assert r.status_code == 200
    body = r.json()
    assert body["healthy"] is True
    assert body["checks"]["database"]["detail"] == "sqlite"
    assert body["checks"]["channel_layer"]["detail"] == "InMemoryChannelLayer"


@pytest.mark.redis
@pytest.mark.django_db
def test_running_redis_is_healthy(client, running_redis):
    with redis_settings(running_redis.url):
        r = client.get(reverse("healthz"))
    assert r.status_code == 200, r.json()
    checks = r.json()["checks"]
    assert checks["channel_layer"]["detail"] == "RedisChannelLayer"
    assert checks["broker"]["detail"] == "redis"


@pytest.mark.redis
@pytest.mark.django_db
def test_stopped_redis_is_unhealthy(client, running_redis):
    running_redis.stop()
    with redis_settings(running_redis.url):
        r = client.get(reverse("healthz"))
    assert r.status_code == 503
    body = r.json()
    assert body["healthy"] is False
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["channel_layer"]["ok"] is False
    assert body["checks"]["broker"]["ok"] is False
