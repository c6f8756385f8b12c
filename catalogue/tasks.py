"""The catalogue's Celery tasks: thin wrappers over `clustering` and `catalogue_imports`.

The task names are the wire format (queued messages and the beat schedule carry them), so they
keep the names they had when these tasks lived in the recommender app.
"""

from celery import shared_task
from django.db import transaction

from catalogue import catalogue_imports


@shared_task(name="recommender.tasks.refresh_clustering")
def refresh_clustering(k: int | None = None, trigger: str = "task") -> int:
    """Re-cluster the catalogue (on the beat schedule, after imports, from the admin)."""
    # Imported here, not above: the admin imports this module (through services) in every process
    # at django.setup(), and clustering brings scikit-learn and SciPy (~120 MB) that a vision
    # worker never uses (tests/vision/test_runtime.py). The arrow is the same: tasks → clustering.
    from catalogue import clustering

    return clustering.refresh(k=k, trigger=trigger).pk


@shared_task(name="recommender.tasks.import_catalogue_upload")
def import_catalogue_upload(job_id: str) -> dict:
    """The admin's catalogue upload, imported off the request (catalogue.catalogue_imports); then,
    when it changed anything, a re-clustering, as `catalogue.services.import_catalogue` does."""
    job = catalogue_imports.run_import(job_id)
    if job.get("status") == "done" and (job.get("created") or job.get("updated")):
        trigger = f"import {job.get('detected_format', '')}"
        transaction.on_commit(lambda: refresh_clustering.delay(trigger=trigger))
    return job
