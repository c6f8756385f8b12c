"""Helpers for the live websocket tests: a connected communicator and frame answers."""

from channels.testing import WebsocketCommunicator

from emotunes.asgi import application

FRAME_ANSWERS = ("analysis", "dropped", "error")


async def open_live_socket(cookie: str | None = None) -> WebsocketCommunicator:
    # The page's own origin: the Host it was served from, scheme and port included (core.websocket).
    headers = [(b"origin", b"http://localhost:8000"), (b"host", b"localhost:8000")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello"
    communicator.hello = hello
    return communicator


async def receive_until(communicator, kind: str, timeout: float = 30.0) -> tuple[dict, list[dict]]:
    """The next message of type ``kind``, and every message that came before it."""
    seen = []
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message, seen
        seen.append(message)


async def send_frame_and_wait(communicator, frame: bytes, timeout: float = 30.0) -> tuple[dict, list[dict]]:
    """The answer to one frame, and any other messages (such as mood_changed) that came with it."""
    await communicator.send_to(bytes_data=frame)
    others = []
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] in FRAME_ANSWERS:
            return message, others
        others.append(message)


async def still_usable(communicator) -> bool:
    await communicator.send_json_to({"type": "ping"})
    message, _ = await receive_until(communicator, "pong", timeout=5)
    return message == {"type": "pong"}
