"""The re-clustering task through a real Celery worker and a real Redis broker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from catalogue.models import Clustering
from catalogue.tasks import refresh_clustering
from tests.rec_fixtures import import_small_catalogue

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_a_worker_builds_and_swaps_in_a_new_clustering(running_redis, tmp_path):
    first = import_small_catalogue()  # committed: the worker process reads the same test database
    env = {
        **os.environ,
        "REDIS_URL": running_redis.url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "SQLITE_PATH": str(connection.settings_dict["NAME"]),
        "VISION_WARM_UP": "0",
    }
    celery = Path(sys.executable).with_name("celery")
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            str(celery),
            "-A",
            "emotunes",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "INFO",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        Celery(broker=running_redis.url).send_task(refresh_clustering.name, kwargs={"trigger": "worker test"})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not Clustering.objects.filter(trigger="worker test").exists():
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.5)
        new = Clustering.objects.filter(trigger="worker test").first()
        assert new is not None, (tmp_path / "worker.log").read_text()
        assert new.is_active and new.status == "ready"
        first.refresh_from_db()
        assert not first.is_active
        assert Clustering.objects.filter(is_active=True).count() == 1
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
