from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    name = "recommender"
    verbose_name = "Recommender"

    def ready(self):
        from recommender import signals  # noqa: F401  (connects the catalogue-change receivers)
