import pytest

from tests.servers import RedisServer


def pytest_configure(config):
    from django.conf import settings

    # Full-strength PBKDF2 costs about half a second per user created; tests create thousands.
    settings.PASSWORD_HASHERS = ["tests.hashers.FastPBKDF2PasswordHasher"]


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
