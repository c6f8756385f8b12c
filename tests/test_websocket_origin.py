from channels.testing import WebsocketCommunicator

from emotunes.asgi import application


async def open_socket(origin):
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=[(b"origin", origin), (b"host", b"localhost")])
    connected, _ = await communicator.connect()
    return communicator, connected


async def test_allowed_origin_connects():
    communicator, connected = await open_socket(b"http://localhost:8000")
    assert connected
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello"
    await communicator.disconnect()


async def test_foreign_origin_is_refused():
    communicator, connected = await open_socket(b"https://evil.example.com")
    assert not connected
    await communicator.disconnect()
