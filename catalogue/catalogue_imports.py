"""The admin's catalogue import, run as a Celery task instead of inside the request.

The admin's upload is refused above CATALOGUE_IMPORT_MAX_BYTES, then handed to the task through
the cache (Redis when REDIS_URL is set, so the Celery worker on another host reads it), with the
job's state beside it: queued → running (rows read so far) → done or failed, and a CSV of the
rejected rows (line, reason) that the admin downloads instead of a page listing them. Job state
and report are kept CATALOGUE_IMPORT_KEEP_S. In the embedded set-up Celery runs the task eagerly,
in the request, so the page it redirects to already shows the outcome.
"""

import io
import logging
import uuid
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from catalogue.importers import FormatError, how_to_name_the_format, import_tracks
from catalogue.models import Clustering
from core.csvcells import csv_text

logger = logging.getLogger(__name__)

_JOB = "catalogue-import:{id}"
_FILE = "catalogue-import:{id}:file"
_REJECTED = "catalogue-import:{id}:rejected"
PROGRESS_EVERY = 2000  # rows between two progress updates
# What the admin reads when the upload is not CSV text (never Python's decode error).
NOT_TEXT = (
    "This is not a CSV text file (it looks like a spreadsheet, an archive or an image). "
    "Save the sheet as “CSV UTF-8 (comma delimited)” and upload that file."
)
NOT_UTF8 = "This file is not UTF-8 text. Save it as “CSV UTF-8 (comma delimited)” and upload it again"


class UploadTooLarge(ValueError):
    pass


def _save(job: dict) -> dict:
    cache.set(_JOB.format(id=job["id"]), job, timeout=settings.CATALOGUE_IMPORT_KEEP_S)
    return job


def get_job(job_id: str) -> dict | None:
    if not isinstance(job_id, str) or len(job_id) != 32 or not job_id.isalnum():
        return None
    return cache.get(_JOB.format(id=job_id))


def rejected_csv(job_id: str) -> str | None:
    return cache.get(_REJECTED.format(id=job_id)) if get_job(job_id) else None


# The first bytes of what staff upload by mistake: .xlsx/.zip, .xls, PDF, PNG, JPEG, GIF, gzip.
BINARY_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b")


def looks_binary(data: bytes) -> bool:
    """A spreadsheet, an archive or an image, not CSV text: a known file signature, or NUL bytes in
    more than 1% of the first 8 KB (one NUL in a cell is a rejected row, not a binary file)."""
    head = data[:8192]
    return head.startswith(BINARY_MAGIC) or head.count(b"\x00") > len(head) // 100


def new_job(*, data: bytes, name: str, fmt: str | None, user) -> dict:
    """Keep the upload and record its job as queued (catalogue.services.queue_upload queues the task)."""
    limit = settings.CATALOGUE_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise UploadTooLarge(
            f"The file is larger than {limit // (1024 * 1024)} MB; import it with `manage.py import_catalogue` instead."
        )
    job_id = uuid.uuid4().hex
    cache.set(_FILE.format(id=job_id), data, timeout=settings.CATALOGUE_IMPORT_KEEP_S)
    job = _save(
        {
            "id": job_id,
            "name": name[:200],
            "format": fmt or "",
            "by": user.get_username() if user else "",
            "queued_at": timezone.now().isoformat(),
            "status": "queued",
            "rows_read": 0,
            "summary": "",
            "rejected": 0,
            "error": "",
        }
    )
    return job


def run_import(job_id: str) -> dict:
    """The task's body: import the kept upload, recording progress and the rejected rows.

    The job it returns says whether anything changed ("created", "updated"); the task then queues
    the re-clustering, so this module never imports the tasks that import it.
    """
    job = get_job(job_id)
    if job is None:
        return {"id": job_id, "status": "failed", "error": "unknown or expired import"}
    data = cache.get(_FILE.format(id=job_id))
    cache.delete(_FILE.format(id=job_id))
    if data is None:
        return _save({**job, "status": "failed", "error": "The upload expired before it was imported."})
    job = _save({**job, "status": "running"})

    def progress(records):
        for n, record in enumerate(records, start=1):
            if n % PROGRESS_EVERY == 0:
                _save({**job, "rows_read": n})
            yield record

    if looks_binary(data):
        return _save({**job, "status": "failed", "error": NOT_TEXT})
    try:
        text = io.StringIO(data.decode("utf-8-sig"), newline="")
        report = import_tracks(
            text,
            fmt=job["format"] or None,
            name=job["name"],
            progress=progress,
            max_rows=settings.CATALOGUE_IMPORT_MAX_ROWS,
        )
    except UnicodeDecodeError as exc:
        error = f"{NOT_UTF8} (the first byte that is not UTF-8 text is number {exc.start + 1})."
        return _save({**job, "status": "failed", "error": error})
    except FormatError as exc:  # in the admin's words: its form has a Format menu, not --format
        error = how_to_name_the_format(exc, "choose it in the Format menu and upload the file again")
        return _save({**job, "status": "failed", "error": error})
    except Exception:
        # Whatever else stops the import ends the job as failed, never left "running" for the page to wait on.
        logger.exception("Catalogue import %s failed", job_id)
        return _save({**job, "status": "failed", "error": "The import failed on the server; nothing was imported."})
    if report.errors:
        # Cells are made inert for spreadsheets: a rejected column's name may be "=HYPERLINK(...)".
        rejected = csv_text(["line", "rejected because"], report.errors)
        cache.set(_REJECTED.format(id=job_id), rejected, timeout=settings.CATALOGUE_IMPORT_KEEP_S)
    return _save(
        {
            **job,
            "status": "done",
            "detected_format": report.format,
            "rows_read": report.rows,
            "summary": report.summary(),
            "rejected": len(report.errors),
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "notes": [f"line {line}: {note}" for line, note in report.notes[:20]],
            "notes_total": len(report.notes),
            "finished_at": timezone.now().isoformat(),
        }
    )


def import_times_and_clustering(job: dict) -> dict:
    """For the job's page: its times as datetimes (the page formats them), and what became of the
    re-clustering a changed catalogue asks for: "pending" until a clustering run newer than the
    import has finished, then "done" (with the run) or "failed"."""
    queued = datetime.fromisoformat(job["queued_at"]) if job.get("queued_at") else None
    finished = datetime.fromisoformat(job["finished_at"]) if job.get("finished_at") else None
    clustering = run = None
    if job.get("status") == "done" and (job.get("created") or job.get("updated")) and finished is not None:
        run = Clustering.objects.filter(created_at__gte=finished).order_by("created_at").first()
        clustering = "pending" if run is None else ("failed" if run.status == Clustering.Status.FAILED else "done")
    return {"queued_at": queued, "finished_at": finished, "clustering": clustering, "clustering_run": run}
