"""The Redis channel layer of worker mode, with one Redis round trip per send and per receive.

channels_redis' `RedisChannelLayer` spends four commands on a send (ZREMRANGEBYSCORE for
expired messages, ZCOUNT for the capacity, ZADD, EXPIRE), and four on a receive: a Lua
clean-up of a "backup" queue, BZPOPMIN, a ZADD of the message into that backup queue and,
once it is processed, a ZPOPMIN out of it — while the next receive on that channel waits.
A frame of the live stream crosses the layer twice (to a vision worker and back), so that is
sixteen sequential Redis round trips per frame, each with its own wake-ups of two event
loops; measured under load with py-spy, the Redis client was the largest share of Daphne's
and the workers' CPU, and the frame's way through the layer cost several times the vision
work (docs/benchmarks.md).

This subclass keeps the layer's data layout, capacity, expiry and channel naming, and so
interoperates with the stock layer, but:

* sends with one Lua script (the same four steps, atomically);
* receives with BZPOPMIN alone. The backup queue exists to redeliver a message whose
  receiving coroutine was cancelled between BZPOPMIN's reply and its return; without it such
  a message is lost (at most once). For the live stream that costs one frame's answer in a
  case that only arises when the connection or the worker is going away anyway; the
  consumer's own timeout (`LIVE_FRAME_TIMEOUT`) answers it.

Written against channels_redis 4.3 (`requirements.in`); tests/emotunes/test_channel_layer.py runs it
against a real Redis.
"""

import time

from channels.exceptions import ChannelFull
from channels_redis.core import RedisChannelLayer

# KEYS[1] the channel's sorted set; ARGV: message, score (now), expired-before, capacity, expiry seconds.
_SEND = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[3])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
    return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


class FastRedisChannelLayer(RedisChannelLayer):
    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        assert self.require_valid_channel_name(channel), "Channel name not valid"
        assert "__asgi_channel__" not in message
        channel_non_local_name = channel
        if "!" in channel:
            message = dict(message.items())
            message["__asgi_channel__"] = channel
            channel_non_local_name = self.non_local_name(channel)
        channel_key = self.prefix + channel_non_local_name
        index = self.consistent_hash(channel) if "!" in channel else next(self._send_index_generator)
        now = time.time()
        sent = await self.connection(index).eval(
            _SEND,
            1,
            channel_key,
            self.serialize(message),
            now,
            int(now) - int(self.expiry),
            self.get_capacity(channel),
            int(self.expiry),
        )
        if not sent:
            raise ChannelFull()

    async def _brpop_with_clean(self, index, channel, timeout):
        result = await self.connection(index).bzpopmin(channel, timeout=timeout)
        return None if result is None else result[1]

    async def _clean_receive_backup(self, index, channel):
        """Nothing to clean: this layer keeps no backup queue."""
