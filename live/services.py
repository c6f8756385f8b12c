"""What the live stream writes: a change of the listener's stable mood, kept in their history."""

import logging

from channels.db import database_sync_to_async

from moods.services import record_mood

logger = logging.getLogger(__name__)


async def record_mood_change(*, user, emotion: str, confidence: float, source: str) -> None:
    """Keep the change through ``moods.services.record_mood`` (which throttles flicker), for a listener who is logged in.

    The history is a nicety: when it cannot be written, the stream goes on without it.
    """
    if user is None:
        return
    try:
        await database_sync_to_async(record_mood)(user=user, emotion=emotion, confidence=confidence, source=source)
    except Exception:
        logger.exception("Could not record a mood change")
