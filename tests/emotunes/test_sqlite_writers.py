"""Item 5 of issue #16 (and item 8 of #25): the SQLite set-up under concurrent writers, however SQLite is chosen.

Eight clients loop `POST /api/ratings/` against a real Daphne on SQLite. Before, 30 % failed at
once with 503 ("database is locked": a deferred transaction cannot upgrade its read lock while
another writer holds the lock). With `transaction_mode="IMMEDIATE"` and the busy timeout every
writer waits its turn, and none fails.
"""

import threading
import time
from collections import Counter

import pytest

from tests.base import PASSWORD
from tests.hardening_support import Site, log_in, printed

pytestmark = [pytest.mark.slow]
WRITERS = 8
SECONDS = 6.0

SETUP = f"""
from django.contrib.auth.models import User
from catalogue.models import Track
for n in range({WRITERS}):
    User.objects.create_user(f"writer{{n}}", password={PASSWORD!r})
ids = [Track.objects.create(title=f"Song {{n}}", artist=f"Artist {{n}}", valence=5.0, arousal=5.0,
                            source="manual", source_id=f"w-{{n}}").pk for n in range(20)]
print("TRACKS", *ids)
"""


@pytest.fixture(params=["SQLITE_PATH", "DATABASE_URL"])
def site(request, tmp_path):
    # The same file chosen either way: SQLITE_PATH, or DATABASE_URL=sqlite:///... (issue #25, item 8:
    # that way had neither the IMMEDIATE transactions nor the busy timeout, and 8 writers got 503s).
    extra = {"DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}"} if request.param == "DATABASE_URL" else {}
    site = Site(tmp_path, SETUP, LOG_LEVEL="ERROR", **extra)
    yield site
    site.stop()


def test_eight_concurrent_writers_on_sqlite_never_fail(site):
    track_ids = [int(n) for n in printed(site.env, "TRACKS")]
    sessions = [log_in(site.url, f"writer{n}", PASSWORD)[0] for n in range(WRITERS)]
    statuses: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(WRITERS)

    def writer(n, session):
        token = session.cookies["csrftoken"]
        start.wait()
        deadline = time.monotonic() + SECONDS
        i = 0
        while time.monotonic() < deadline:
            body = {"item_type": "track", "item_id": track_ids[(n + i) % len(track_ids)], "value": 1 if i % 2 else -1}
            try:
                status = session.post(
                    f"{site.url}/api/ratings/",
                    json=body,
                    headers={"X-CSRFToken": token, "Referer": site.url + "/"},
                    timeout=60,
                ).status_code
            except Exception as error:  # a dropped connection is a failure too
                status = type(error).__name__
            with lock:
                statuses[status] += 1
            i += 1

    threads = [threading.Thread(target=writer, args=(n, s)) for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 90)
    total = sum(statuses.values())
    print(f"\n{WRITERS} writers, {SECONDS:g} s: {total} ratings posted, outcomes {dict(statuses)}")
    assert statuses == Counter({200: total}), (dict(statuses), site.daphne.output())
    assert total >= WRITERS * 5
