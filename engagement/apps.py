from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = "Engagement"

    def ready(self):
        # engagement → recommender: the recommender asks this for its feedback, never the tables.
        from django.conf import settings

        from engagement.feedback import track_penalties
        from recommender.engine import feedback

        feedback.register(track_penalties, ttl_s=settings.ENGAGEMENT_FEEDBACK_TTL_S)
