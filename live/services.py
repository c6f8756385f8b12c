"""What the live stream writes: a change of the listener's stable mood, kept in their history."""

import logging
from importlib import import_module
from types import SimpleNamespace

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user

from live.calibration import CalibrationError, NeutralCalibration
from moods.selectors import neutral_face_of
from moods.services import forget_neutral_face, record_mood, remember_neutral_face

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


@database_sync_to_async
def session_user(session_key: str | None, user):
    """``user`` as the socket's session stands now, or None when it no longer logs them in.

    A socket keeps the user of its handshake; the session behind it can end meanwhile: a
    logout, a password change elsewhere (Django's session hash no longer matches), a deleted
    account. ``django.contrib.auth.get_user`` on the session as stored now makes every check
    an HTTP request would. One session read and one user read: the consumer asks before each
    write to the history (a mood change, not a frame).
    """
    if user is None or not session_key:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    current = get_user(SimpleNamespace(session=session))
    return current if current.is_authenticated and current.pk == user.pk else None


@database_sync_to_async
def load_neutral(user) -> NeutralCalibration | None:
    """The neutral the listener kept on their account, checked again; None if none (or unusable)."""
    stored = neutral_face_of(user=user)
    if stored is None:
        return None
    try:
        return NeutralCalibration.from_dict(stored)
    except CalibrationError:
        logger.warning("A kept neutral face could not be read; it is ignored")
        return None


@database_sync_to_async
def remember_neutral(user, calibration: NeutralCalibration) -> bool:
    """Keep the listener's neutral on their account (they asked); False if it could not be written."""
    try:
        remember_neutral_face(user=user, calibration=calibration.to_dict())
    except Exception:
        logger.exception("Could not keep a neutral face")
        return False
    return True


@database_sync_to_async
def forget_neutral(user) -> None:
    forget_neutral_face(user=user)
