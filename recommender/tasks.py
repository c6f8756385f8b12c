from celery import shared_task

from recommender import clustering


@shared_task(name="recommender.tasks.refresh_clustering")
def refresh_clustering(k: int | None = None, trigger: str = "task") -> int:
    """Re-cluster the catalogue (on the beat schedule, after imports, from the admin)."""
    return clustering.refresh(k=k, trigger=trigger).pk
