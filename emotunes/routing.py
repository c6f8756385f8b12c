from vision.routing import websocket_urlpatterns as vision_websocket_urlpatterns

websocket_urlpatterns = [*vision_websocket_urlpatterns]
