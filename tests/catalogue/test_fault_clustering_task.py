"""The re-clustering Celery task failing midway: the task fails visibly and the old clusters keep serving.

`tests/catalogue/test_clustering.py` covers `clustering.refresh()` itself with an injected write error;
this drives the Celery task (`catalogue.tasks.refresh_clustering`, as beat and the admin queue it)
into a real database failure: a track is deleted by someone else while the refresh has already
written its new clustering, so the new memberships point at a missing track and the commit
fails on the foreign key.
"""

import pytest
from django.db import IntegrityError
from django.db.models.signals import post_save
from django.test import Client

from catalogue.models import Cluster, Clustering, ClusterMembership, Track
from catalogue.tasks import refresh_clustering
from recommender.selectors import reset_indexes
from tests.rec_fixtures import import_small_catalogue

pytestmark = pytest.mark.slow


@pytest.fixture
def catalogue(transactional_db):
    # Real commits (not a test-case savepoint), so the deferred foreign-key check runs as in production.
    reset_indexes()
    first = import_small_catalogue()
    yield first
    reset_indexes()


def delete_a_track_during_the_refresh(sender, instance, created, **kwargs):
    if created and instance.status == Clustering.Status.READY and not instance.is_active:
        Track.objects.filter(is_active=True).order_by("pk").first().delete()


def test_a_task_that_fails_midway_leaves_the_old_clusters_serving(catalogue):
    before = Client().get("/api/recommendations/", {"emotion": "sad"}).json()
    assert before["clustering"] == catalogue.pk
    clusters_before = list(Cluster.objects.filter(clustering=catalogue).values_list("pk", "emotion", "size"))

    post_save.connect(delete_a_track_during_the_refresh, sender=Clustering)
    try:
        result = refresh_clustering.apply(kwargs={"trigger": "schedule"}, throw=False)
    finally:
        post_save.disconnect(delete_a_track_during_the_refresh, sender=Clustering)

    assert result.state == "FAILURE"
    assert isinstance(result.result, IntegrityError)
    # The failed run is on record for the admin, and none of its rows survived.
    failed = Clustering.objects.get(status=Clustering.Status.FAILED)
    assert failed.trigger == "schedule" and "IntegrityError" in failed.error
    assert not failed.is_active
    assert Clustering.objects.filter(is_active=True).get().pk == catalogue.pk
    assert ClusterMembership.objects.exclude(clustering=catalogue).count() == 0
    assert list(Cluster.objects.filter(clustering=catalogue).values_list("pk", "emotion", "size")) == clusters_before
    # Recommendations still come from the old clustering, for every emotion.
    reset_indexes()
    for emotion in ("happy", "sad", "angry", "neutral"):
        answer = Client().get("/api/recommendations/", {"emotion": emotion}).json()
        assert answer["clustering"] == catalogue.pk
        assert len(answer["tracks"]) == 10

    # The next scheduled run succeeds and swaps in a new clustering.
    new_id = refresh_clustering.apply(kwargs={"trigger": "schedule"}).get()
    assert Clustering.objects.get(is_active=True).pk == new_id != catalogue.pk
