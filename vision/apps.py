import os
import sys

from django.apps import AppConfig
from django.conf import settings

# Processes that serve frames; every other management command (migrate, test, ...) skips the warm-up.
# Not celery: its prefork pool would inherit a loaded TensorFlow, which does not survive fork.
_SERVER_PROGRAMS = {"daphne", "uvicorn", "gunicorn"}


def _program(argv: list[str]) -> str:
    """The program's name: ``daphne`` for ``.../bin/daphne`` and for ``python -m daphne`` alike."""
    path = argv[0] if argv else ""
    if os.path.basename(path) == "__main__.py":
        return os.path.basename(os.path.dirname(path))
    return os.path.basename(path)


def _serves_frames(argv: list[str], vision_mode: str = "embedded") -> bool:
    program = _program(argv)
    command = argv[1] if len(argv) > 1 else ""
    if command == "runworker":
        return True
    # With VISION_MODE=workers a web process only relays frames: it never needs the models.
    web_serves_frames = vision_mode == "embedded"
    if program in _SERVER_PROGRAMS:
        return web_serves_frames
    if command == "runserver":
        # runserver's autoreloader parent only watches files; its child (RUN_MAIN) serves.
        return web_serves_frames and (os.environ.get("RUN_MAIN") == "true" or "--noreload" in argv)
    return False


class VisionConfig(AppConfig):
    name = "vision"

    def ready(self):
        if settings.VISION_WARM_UP and _serves_frames(sys.argv, settings.VISION_MODE):
            from vision.pipeline import warming_up

            # In the background, so the server accepts connections while TensorFlow loads;
            # a frame arriving meanwhile waits for the same one-time load.
            warming_up()
