"""Writes: catalogue curation, imports followed by a re-clustering, the admin's queued uploads.

Only this module and the admin queue Celery tasks; the tasks call down into `clustering` and
`catalogue_imports`, never back up here, so the imports run one way (tasks ← services).
"""

from django.db import transaction
from django.utils import timezone

from catalogue import catalogue_imports
from catalogue.importers import ImportReport, import_tracks
from catalogue.models import CatalogueState, Track, Video
from catalogue.tasks import import_catalogue_upload, refresh_clustering


def set_active(queryset, active: bool) -> int:
    """Activate or deactivate tracks or videos in bulk; the recommender index notices at once."""
    with transaction.atomic():
        count = queryset.update(is_active=active, updated_at=timezone.now())
        CatalogueState.bump(tracks=queryset.model is Track, videos=queryset.model is Video)
    return count


def request_refresh(*, trigger: str, k: int | None = None) -> None:
    """Queue a re-clustering once the current transaction commits (runs inline in embedded mode)."""
    transaction.on_commit(lambda: refresh_clustering.delay(k=k, trigger=trigger))


def import_catalogue(
    source, *, fmt: str | None = None, name: str = "", progress=None, refresh: bool = True, max_rows: int | None = None
) -> ImportReport:
    """Import a catalogue CSV and, when anything changed, re-cluster."""
    report = import_tracks(source, fmt=fmt, name=name, progress=progress, max_rows=max_rows)
    if refresh and (report.created or report.updated):
        request_refresh(trigger=f"import {report.format}")
    return report


def queue_upload(*, data: bytes, name: str, fmt: str | None, user) -> dict:
    """Keep the admin's upload and queue its import once the request's transaction commits; the job as it stands.

    Raises catalogue_imports.UploadTooLarge above CATALOGUE_IMPORT_MAX_BYTES.
    """
    job = catalogue_imports.new_job(data=data, name=name, fmt=fmt, user=user)
    transaction.on_commit(lambda: import_catalogue_upload.delay(job["id"]))
    return job
