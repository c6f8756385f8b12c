from celery import shared_task

from recommender import clustering


@shared_task(name="recommender.tasks.refresh_clustering")
def refresh_clustering(k: int | None = None, trigger: str = "task") -> int:
    """Re-cluster the catalogue (on the beat schedule, after imports, from the admin)."""
    return clustering.refresh(k=k, trigger=trigger).pk


@shared_task(name="recommender.tasks.import_catalogue_upload")
def import_catalogue_upload(job_id: str) -> dict:
    """The admin's catalogue upload, imported off the request (recommender.catalogue_imports)."""
    from recommender.catalogue_imports import run_import

    return run_import(job_id)
