"""Liveness of the parts EmoTunes depends on: database, channel layer, broker.

Each check runs in a thread of its own, all at once, and is given up after
``HEALTHCHECK_TIMEOUT`` seconds, so the page answers within about that time even when a
service hangs. The database check reads a real table (``django_migrations``) and, on SQLite,
takes the write lock (``BEGIN IMMEDIATE``, rolled back) with that short timeout: a database
that a stuck writer holds locked is unhealthy, although ``SELECT 1`` would still answer.
"""

import asyncio
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections, transaction
from kombu import Connection

REAL_TABLE = "django_migrations"


def check_database():
    timeout = settings.HEALTHCHECK_TIMEOUT
    connection = connections["default"]
    try:
        if connection.vendor == "sqlite":
            _check_sqlite(connection.settings_dict["NAME"], timeout)
        else:
            with transaction.atomic(using="default"), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL statement_timeout = %s", [int(timeout * 1000)])
                cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {REAL_TABLE} LIMIT 1) AS t")
                cursor.fetchone()
    finally:
        connection.close()  # this thread's connection; the thread ends here
    return connection.vendor


def _check_sqlite(path, timeout: float) -> None:
    # A connection of its own, with the short busy timeout (Django's waits SQLITE_BUSY_TIMEOUT).
    # mode=rw: a missing file is an error, not a new empty database.
    db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=rw", uri=True, timeout=timeout, isolation_level=None)
    try:
        db.execute(f"SELECT 1 FROM {REAL_TABLE} LIMIT 1").fetchall()
        db.execute("BEGIN IMMEDIATE")  # "database is locked" after `timeout` if a writer holds it
        db.execute("ROLLBACK")
    finally:
        db.close()


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
    timeout = settings.HEALTHCHECK_TIMEOUT
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
        return conn.transport.driver_name


CHECKS = {"database": check_database, "channel_layer": check_channel_layer, "broker": check_broker}


def _timed(check):
    started = time.perf_counter()
    try:
        state = {"ok": True, "detail": check()}
    except Exception as exc:  # a health report must describe any failure, not raise it
        state = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    state["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return state


def check_all() -> dict:
    """{"healthy": bool, "checks": {name: {"ok", "detail" or "error", "ms"}}}; for staff only."""
    timeout = settings.HEALTHCHECK_TIMEOUT
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="healthz")
    started = time.perf_counter()
    futures = {name: pool.submit(_timed, check) for name, check in CHECKS.items()}
    deadline = started + timeout + 0.25  # the checks' own timeouts, and a little to report them
    checks = {}
    for name, future in futures.items():
        try:
            state = future.result(timeout=max(0.0, deadline - time.perf_counter()))
        except FutureTimeout:
            state = {
                "ok": False,
                "error": f"no answer within {timeout:g} s",
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
        checks[name] = state
    pool.shutdown(wait=False, cancel_futures=True)  # a hung check's thread is left to finish alone
    return {"healthy": all(c["ok"] for c in checks.values()), "checks": checks}
