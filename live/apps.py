from django.apps import AppConfig


class LiveConfig(AppConfig):
    """The live stream: webcam frames in over a websocket, emotions and mood changes out.

    The Channels layout: ``emotunes/asgi.py`` → ``live/routing.py`` → ``live/consumers.py``.
    Frames are analysed by the ``vision`` library through ``live.backends``.
    """

    name = "live"

    def ready(self):
        # Settings that contradict each other stop the start (the settings modules' own rule).
        from live.limits import LiveLimits, check_reading_fits

        check_reading_fits(LiveLimits.from_settings())
