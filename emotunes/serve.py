"""``python -m emotunes.serve [daphne's options] emotunes.asgi:application``: Daphne, with its
websocket limits taken from the settings.

Daphne's own default message limit (1 MiB) equalled VISION_MAX_FRAME_BYTES, so a frame a byte
over the limit closed the connection (1006/1009) before the consumer could answer ``too_large``,
against the protocol. Daphne's command line reads no Django settings; this entry point passes
``--websocket-max-message-size`` and ``--websocket-max-frame-size`` from LIVE_MAX_MESSAGE_BYTES
(unless given), so every way the project starts Daphne (scripts/distributed.py, the tests, a
deployment) gets the same limit. ``manage.py runserver`` (Daphne's) reads the same value from
the DAPHNE_WEBSOCKET_MAX_* settings.

It reads the settings, then replaces itself with the ``daphne`` program beside this Python (exec):
the server process is Daphne's own, named as such (``vision.apps`` warms the models for it, and
the load scripts find it by its command line).
"""

import os
import sys
from pathlib import Path


def daphne_arguments(argv: list[str]) -> list[str]:
    from django.conf import settings

    limits = []
    for option in ("--websocket-max-message-size", "--websocket-max-frame-size"):
        if not any(arg == option or arg.startswith(option + "=") for arg in argv):
            limits += [option, str(settings.LIVE_MAX_MESSAGE_BYTES)]
    return limits + argv


def daphne_command(argv: list[str]) -> list[str]:
    """The ``daphne`` command line for these options, the websocket limits added."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emotunes.settings")
    return [str(Path(sys.executable).parent / "daphne"), *daphne_arguments(argv)]


def main(argv: list[str] | None = None) -> None:
    command = daphne_command(list(sys.argv[1:] if argv is None else argv))
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
