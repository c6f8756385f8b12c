from celery import shared_task
from django.conf import settings

from engagement import rollup, services


@shared_task(name="engagement.tasks.purge_old_engagement")
def purge_old_engagement() -> int:
    """Delete engagement rows older than ENGAGEMENT_RETENTION_DAYS (daily, on the beat schedule)."""
    return services.purge_older_than()


@shared_task(name="engagement.tasks.roll_up_engagement")
def roll_up_engagement() -> None:
    """Keep the figures per day (engagement.rollup), ahead of the dashboard's look."""
    rollup.roll_up_days(days=settings.ENGAGEMENT_RETENTION_DAYS)
