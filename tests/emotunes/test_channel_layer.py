"""The worker-mode channel layer (`emotunes.channel_layer`) against a real Redis: channels_redis' behaviour, fewer round trips."""

import asyncio

import pytest
from channels.exceptions import ChannelFull
from channels_redis.core import RedisChannelLayer

from emotunes.channel_layer import FastRedisChannelLayer

pytestmark = pytest.mark.redis


def layer(redis, cls=FastRedisChannelLayer, **config):
    return cls(hosts=[{"address": redis.url, "socket_timeout": 15}], **config)


async def test_send_and_receive_on_a_shared_and_a_process_channel(running_redis):
    fast = layer(running_redis)
    await fast.flush()
    await fast.send("vision-frames", {"type": "vision.analyse", "frame": b"\xff\xd8" * 5000, "hint": [[1, 2, 3, 4]]})
    assert await fast.receive("vision-frames") == {
        "type": "vision.analyse",
        "frame": b"\xff\xd8" * 5000,
        "hint": [[1, 2, 3, 4]],
    }
    reply_to = await fast.new_channel()
    await fast.send(reply_to, {"type": "vision.result", "seq": 1})
    assert await asyncio.wait_for(fast.receive(reply_to), 5) == {"type": "vision.result", "seq": 1}
    await fast.flush()


async def test_messages_come_out_in_order_and_each_once(running_redis):
    fast = layer(running_redis)
    await fast.flush()
    for n in range(20):
        await fast.send("vision-frames", {"type": "m", "n": n})
    assert [(await fast.receive("vision-frames"))["n"] for _ in range(20)] == list(range(20))
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(fast.receive("vision-frames"), 0.3)
    await fast.flush()


async def test_a_full_channel_refuses_the_message(running_redis):
    fast = layer(running_redis, capacity=2)
    await fast.flush()
    await fast.send("vision-frames", {"type": "m", "n": 1})
    await fast.send("vision-frames", {"type": "m", "n": 2})
    with pytest.raises(ChannelFull):
        await fast.send("vision-frames", {"type": "m", "n": 3})
    assert (await fast.receive("vision-frames"))["n"] == 1
    await fast.send("vision-frames", {"type": "m", "n": 4})  # room again
    await fast.flush()


async def test_expired_messages_are_discarded_as_by_channels_redis(running_redis):
    fast = layer(running_redis, expiry=1)
    await fast.flush()
    await fast.send("vision-frames", {"type": "m", "n": "old"})
    await asyncio.sleep(2.1)
    await fast.send("vision-frames", {"type": "m", "n": "new"})  # the send clears what has expired
    assert (await fast.receive("vision-frames"))["n"] == "new"
    await fast.flush()


async def test_it_interoperates_with_the_stock_layer(running_redis):
    # Same keys and serialisation: processes on either layer class can talk during an upgrade.
    fast, stock = layer(running_redis), layer(running_redis, cls=RedisChannelLayer)
    await fast.flush()
    await stock.send("vision-frames", {"type": "m", "n": 1})
    assert (await fast.receive("vision-frames"))["n"] == 1
    await fast.send("vision-frames", {"type": "m", "n": 2})
    assert (await stock.receive("vision-frames"))["n"] == 2
    reply_to = await stock.new_channel()
    await fast.send(reply_to, {"type": "r"})
    assert await asyncio.wait_for(stock.receive(reply_to), 5) == {"type": "r"}
    await fast.flush()


async def test_many_receivers_on_one_process_get_their_own_replies(running_redis):
    # As the Daphne process's consumers do: each waits on its own channel; one BZPOPMIN loop serves them all.
    fast = layer(running_redis)
    await fast.flush()
    channels = [await fast.new_channel() for _ in range(30)]
    waiting = [asyncio.ensure_future(fast.receive(c)) for c in channels]
    await asyncio.sleep(0.1)
    for n, channel in reversed(list(enumerate(channels))):
        await fast.send(channel, {"type": "r", "n": n})
    results = await asyncio.wait_for(asyncio.gather(*waiting), 10)
    assert [r["n"] for r in results] == list(range(30))
    await fast.flush()
