"""The live app's routes, mounted by ``emotunes/asgi.py``."""

from django.conf import settings
from django.urls import path

from live import consumers
from vision import worker

websocket_urlpatterns = [
    path("ws/live/", consumers.LiveConsumer.as_asgi()),
]

# Channel name → consumer, for `manage.py runworker vision-frames` (VISION_MODE=workers):
# the vision library's worker, fed by live.backends.WorkerVision.
worker_channels = {
    settings.LIVE_VISION_CHANNEL: worker.VisionFrameWorker.as_asgi(),
}
