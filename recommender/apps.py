from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    """What fits this listener now: the engine, ratings and the recommendations API, over the catalogue."""

    name = "recommender"
    verbose_name = "Recommender"
