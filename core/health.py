"""Liveness of the parts EmoTunes depends on: database, channel layer, broker."""

import asyncio
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from kombu import Connection


def _timed(check):
    started = time.perf_counter()
    try:
        detail = check()
        state = {"ok": True, "detail": detail}
    except Exception as exc:  # a health report must describe any failure, not raise it
        state = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    state["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return state


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_channel_layer():
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    timeout = settings.HEALTHCHECK_TIMEOUT

    async def round_trip():
        channel = await layer.new_channel("healthz.")
        token = uuid.uuid4().hex
        await asyncio.wait_for(layer.send(channel, {"type": "healthz.ping", "token": token}), timeout)
        message = await asyncio.wait_for(layer.receive(channel), timeout)
        if message.get("token") != token:
            raise RuntimeError("channel layer returned a different message")

    async_to_sync(round_trip)()
    return type(layer).__name__


def check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager (tasks run in-process)"
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=settings.HEALTHCHECK_TIMEOUT) as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.HEALTHCHECK_TIMEOUT)
        return conn.transport.driver_name


def check_all():
    checks = {
        "database": _timed(check_database),
        "channel_layer": _timed(check_channel_layer),
        "broker": _timed(check_broker),
    }
    return {"healthy": all(c["ok"] for c in checks.values()), "checks": checks}
