"""The same code runs on a real PostgreSQL server when DATABASE_URL points at one."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def postgres():
    server = PostgresServer().start()
    yield server
    server.close()


def manage(postgres, *args, stdin=None):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DEBUG")}
    env["DATABASE_URL"] = postgres.url
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_migrations_apply_and_health_reports_postgresql(postgres):
    migrated = manage(postgres, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    probe = manage(
        postgres, "shell", "-c", "import json; from core.health import check_all; print(json.dumps(check_all()))"
    )
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    assert report["healthy"] is True
    assert report["checks"]["database"]["detail"] == "postgresql"


def test_accounts_are_stored_in_postgresql(postgres):
    assert manage(postgres, "migrate", "--noinput").returncode == 0
    created = manage(
        postgres,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; User.objects.create_user('erin', password='x-long-pass-1')",
    )
    assert created.returncode == 0, created.stderr
    import psycopg

    with psycopg.connect(postgres.url) as conn:
        row = conn.execute("SELECT username FROM auth_user WHERE username = 'erin'").fetchone()
    assert row == ("erin",)
