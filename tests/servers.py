"""Real servers for tests (see emotunes/localservers.py)."""

from emotunes.localservers import PostgresServer, RedisServer, free_port, wait_for_port

__all__ = ["PostgresServer", "RedisServer", "free_port", "wait_for_port"]
