"""One ASGI application for HTTP and websockets, served by Daphne."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emotunes.settings")
# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ChannelNameRouter, ProtocolTypeRouter, URLRouter  # noqa: E402

from core.websocket import SameOriginValidator  # noqa: E402
from live import routing  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The Origin must be the socket's own (scheme, host and port), and wss:// in production.
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(routing.websocket_urlpatterns))),
        # Background channels served by `manage.py runworker <channel>` (the vision workers).
        "channel": ChannelNameRouter(routing.worker_channels),
    }
)
