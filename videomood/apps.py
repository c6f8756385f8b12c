from django.apps import AppConfig


class VideomoodConfig(AppConfig):
    """The caption-to-mood model: it labels the music videos on import and measures how well it agrees.

    Development and data-loading work only: no server process imports it (the recommender reads the
    moods it wrote to catalogue.Video), so its libraries stay out of the web and vision processes.
    """

    name = "videomood"
    verbose_name = "Video moods"
