import pytest

from tests.servers import RedisServer


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture
def running_redis(redis_server):
    """The session's Redis, guaranteed running (a test before may have stopped it)."""
    if redis_server.process is None:
        redis_server.start()
    yield redis_server
    if redis_server.process is None:
        redis_server.start()
