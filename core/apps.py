from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "EmoTunes core"

    def ready(self):
        from django.urls import register_converter

        from core.validation import DbIdConverter

        # <id:...> in any URLconf: a database id, or no match (404) instead of an OverflowError.
        register_converter(DbIdConverter, "id")
