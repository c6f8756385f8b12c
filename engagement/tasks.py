from celery import shared_task

from engagement import services


@shared_task(name="engagement.tasks.purge_old_engagement")
def purge_old_engagement() -> int:
    """Delete engagement rows older than ENGAGEMENT_RETENTION_DAYS (daily, on the beat schedule)."""
    return services.purge_older_than()
