"""PostgreSQL unavailable for a moment: a clear 503 while it is away, and the retried rating is saved once it is back.

Real processes: a PostgreSQL server (`emotunes.localservers.PostgresServer`) stopped and started
again under a running Daphne, and alice's browser session as a `requests` client.
"""

import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests

from tests.base import PASSWORD
from tests.browser import server_env, start_daphne
from tests.servers import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SETUP = f"""
from django.contrib.auth.models import User
from catalogue.models import Track
User.objects.create_user("alice", "alice@example.org", {PASSWORD!r})
ids = [Track.objects.create(title=f"Song {{n}}", artist="Artist", valence=6.0, arousal=5.0,
                            source="spotify_moods", source_id=f"fault-{{n}}").pk for n in (1, 2)]
print("TRACKS", *ids)
"""


@pytest.fixture
def site(tmp_path):
    # Its own temporary folder: as root the server runs as `postgres`, which cannot enter pytest's private tmp_path.
    postgres = PostgresServer().start()
    env = server_env(str(tmp_path / "unused.sqlite3"), DATABASE_URL=postgres.url, VISION_WARM_UP="0")
    daphne = None
    try:
        for args in (["migrate", "--noinput"], ["shell", "-c", SETUP]):
            done = subprocess.run(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, done.stderr
        track_ids = [int(n) for n in done.stdout.split("TRACKS", 1)[1].split()]
        daphne, base_url = start_daphne(env, tmp_path)
        yield postgres, base_url, track_ids, daphne
    finally:
        if daphne is not None:
            daphne.stop()
        postgres.close()


def logged_in_alice(base_url: str) -> requests.Session:
    browser = requests.Session()
    browser.get(f"{base_url}/accounts/login/", timeout=30).raise_for_status()
    answer = browser.post(
        f"{base_url}/accounts/login/",
        timeout=30,
        allow_redirects=False,
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
    )
    assert answer.status_code == 302, answer.text[:500]
    return browser


def rate(browser: requests.Session, base_url: str, track_id: int, value: int) -> requests.Response:
    return browser.post(
        f"{base_url}/api/ratings/",
        timeout=30,
        headers={"X-CSRFToken": browser.cookies["csrftoken"]},
        json={"item_type": "track", "item_id": track_id, "value": value, "emotion": "happy", "strategy": "match"},
    )


def saved_ratings(postgres: PostgresServer) -> list[tuple]:
    with psycopg.connect(postgres.url) as conn:
        return conn.execute(
            "SELECT r.track_id, r.value FROM recommender_rating r JOIN auth_user u ON u.id = r.user_id "
            "WHERE u.username = 'alice' ORDER BY r.track_id"
        ).fetchall()


def test_a_rating_sent_while_the_database_is_away_gets_503_and_is_saved_when_retried(site):
    postgres, base_url, (first_track, second_track), daphne = site
    browser = logged_in_alice(base_url)
    assert rate(browser, base_url, first_track, 1).status_code == 200

    postgres.stop()
    away = rate(browser, base_url, second_track, -1)
    assert away.status_code == 503, away.text[:500]
    assert away.headers["Content-Type"] == "application/json"
    assert away.json()["error"] == "database_unavailable"
    assert "try again" in away.json()["message"]
    assert int(away.headers["Retry-After"]) > 0
    health = requests.get(f"{base_url}/healthz", timeout=30)
    assert health.status_code == 503

    postgres.start()
    # The client retries as the page does; the first try after the restart may still meet the old, broken connection.
    statuses = []
    for _ in range(20):
        retried = rate(browser, base_url, second_track, -1)
        statuses.append(retried.status_code)
        if retried.status_code != 503:
            break
        time.sleep(0.5)
    print(f"\nwhile away: 503 {away.json()}; statuses of the retries after the restart: {statuses}")
    assert retried.status_code == 200, (statuses, retried.text[:500], daphne.output())
    assert retried.json()["value"] == -1
    # Nothing lost, nothing doubled: the rating from before the outage and the retried one, once each.
    assert saved_ratings(postgres) == [(first_track, 1), (second_track, -1)]
    # alice's session survived the outage (it lives in the database too).
    assert rate(browser, base_url, first_track, -1).status_code == 200
    assert saved_ratings(postgres) == [(first_track, -1), (second_track, -1)]
