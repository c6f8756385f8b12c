from django.conf import settings
from django.urls import path

from vision import consumers, worker

websocket_urlpatterns = [
    path("ws/live/", consumers.LiveConsumer.as_asgi()),
]

# Channel name → consumer, for `manage.py runworker` (VISION_MODE=workers).
worker_channels = {
    settings.LIVE_VISION_CHANNEL: worker.VisionFrameWorker.as_asgi(),
}
