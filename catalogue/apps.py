from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    """Songs and music videos with their VAD, the imports that fill them, the clusterings, the staff's curation."""

    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self):
        from catalogue import signals  # noqa: F401  (connects the catalogue-change receivers)
