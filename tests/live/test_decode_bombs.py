"""Decode bombs through a real Daphne (issue #25, item 1).

- A progressive JPEG of 20,000 scans (240 kB, seconds of decoding) is answered ``too_many_scans``
  and the socket stays usable.
- A frame that still decodes for long (here the scan limit is raised, so the bombs pass) cannot
  hold every vision thread: two connections streaming bombs, each answered ``vision_timeout``,
  left a normal listener with no analysis for as long as they kept on. Now an overdue frame gives
  its slot up to fresh frames and its connection's next frame waits for it to end (``dropped``).
"""

import asyncio
import time

import pytest

from tests.browser import face_jpeg, server_env, start_daphne
from tests.fault_support import LiveClient
from tests.frame_bombs import scan_bomb

pytestmark = [pytest.mark.slow]
BOMB = scan_bomb(20_000)


def daphne_url(tmp_path, **extra):
    env = server_env(str(tmp_path / "db.sqlite3"), VISION_WARM_UP="0", **extra)
    process, url = start_daphne(env, tmp_path)
    return process, url.replace("http://", "ws://") + "/ws/live/"


def test_a_frame_of_thousands_of_scans_is_answered_too_many_scans(tmp_path):
    process, url = daphne_url(tmp_path)

    async def scenario():
        client = await LiveClient(url).connect()
        try:
            answer = await client.send_frame(BOMB, timeout=30)
            return answer, await client.ping()
        finally:
            await client.close()

    try:
        answer, usable = asyncio.run(scenario())
    finally:
        process.stop()
    print(f"\n{len(BOMB):,}-byte JPEG of 20,010 scans: {answer}")
    assert answer["type"] == "error" and answer["code"] == "too_many_scans", (answer, process.output())
    assert usable


def test_frames_that_decode_for_long_cannot_hold_every_thread(tmp_path):
    process, url = daphne_url(
        tmp_path, VISION_MAX_JPEG_SCANS="1000000", LIVE_VISION_THREADS="2", LIVE_FRAME_TIMEOUT="2"
    )
    frame = face_jpeg()
    window = 14.0

    async def attacker(stop_at):
        client = await LiveClient(url).connect()
        answers = []
        try:
            while time.monotonic() < stop_at:
                answer = await client.send_frame(BOMB, timeout=30)
                answers.append(answer.get("code") or answer.get("reason") or answer["type"])
                await asyncio.sleep(0.2)
        finally:
            await client.close()
        return answers

    async def listener(stop_at):
        client = await LiveClient(url).connect()
        analysed, other = [], []
        try:
            while time.monotonic() < stop_at:
                answer = await client.send_frame(frame, timeout=30)
                if answer["type"] == "analysis":
                    analysed.append(time.monotonic())
                else:
                    other.append(answer.get("code") or answer.get("reason"))
                await asyncio.sleep(0.25)
        finally:
            await client.close()
        return analysed, other

    async def scenario():
        warm = await LiveClient(url).connect()  # the models loaded, the first frame analysed
        for _ in range(20):
            if (await warm.send_frame(frame, timeout=60))["type"] == "analysis":
                break
        await warm.close()
        started = time.monotonic()
        stop_at = started + window
        attacks = [asyncio.create_task(attacker(stop_at)) for _ in range(2)]
        await asyncio.sleep(2.0)  # the bombs are in the threads
        analysed, other = await listener(stop_at)
        return started, analysed, other, await asyncio.gather(*attacks)

    try:
        started, analysed, other, attacks = asyncio.run(scenario())
    finally:
        process.stop()
    marks = [started + 2.0, *analysed, started + window]
    longest_gap = max(b - a for a, b in zip(marks, marks[1:]))
    print(
        f"\nbombs: {attacks}\nlistener over {window - 2:.0f} s: {len(analysed)} analysed, others {other}, "
        f"longest time without an analysis {longest_gap:.1f} s"
    )
    assert all(answers for answers in attacks)
    assert len(analysed) >= 10, (analysed, other, process.output())
    assert longest_gap < 6.0
