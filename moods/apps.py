from django.apps import AppConfig


class MoodsConfig(AppConfig):
    name = "moods"
    verbose_name = "Mood history"
