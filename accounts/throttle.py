"""One throttle for every password check: django-axes counts, django-ratelimit limits sign-ups.

Every surface that checks a password — the log-in page, the admin's log-in, password change and
account deletion — goes through ``django.contrib.auth.authenticate(request, ...)``, so
``axes.backends.AxesStandaloneBackend`` refuses it while its client is locked out and every
failure is counted by the handler below, in the cache (Redis when ``REDIS_URL`` is set, so every
web process sees the same counts).

Two counters per failure (``AXES_LOCKOUT_PARAMETERS``):

- the *username and address* together, ``LOGIN_MAX_FAILURES`` failures: an attacker guessing
  alice's password from one address is stopped there, while alice, from her own address, is not
  locked out at all — nobody can use the throttle to lock a listener out everywhere;
- the *address* alone, a higher ceiling ``LOGIN_MAX_FAILURES_PER_IP``: one address cannot try
  a few passwords for every username either.

The username is NFKC-normalised and case-folded before it is counted, so ``ａlice`` (fullwidth)
and ``𝐚lice`` (bold), which Django's log-in form normalises to ``alice``, count as alice.
"""

import unicodedata

from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_client_cache_keys, get_credentials
from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

# Max length of a username we bother normalising: Django's own field holds 150 characters.
_MAX_USERNAME_CHARS = 256


def normalise_username(raw) -> str:
    """The throttle's key for a username: NFKC (as Django's log-in form does), then case-folded."""
    if not isinstance(raw, str):
        return ""
    return unicodedata.normalize("NFKC", raw[:_MAX_USERNAME_CHARS]).casefold().strip()


def login_username(request, credentials) -> str:
    """``AXES_USERNAME_CALLABLE``: the username of an attempt, from the credentials or the form."""
    if credentials and settings.AXES_USERNAME_FORM_FIELD in credentials:
        raw = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        raw = getattr(request, "POST", {}).get(settings.AXES_USERNAME_FORM_FIELD)
    return normalise_username(raw)


def _limits() -> list[int]:
    """One limit per entry of AXES_LOCKOUT_PARAMETERS, in the same order."""
    return [settings.LOGIN_MAX_FAILURES, settings.LOGIN_MAX_FAILURES_PER_IP]


class LoginThrottleHandler(AxesCacheHandler):
    """Axes' cache handler with a limit of its own for each counter.

    Axes compares the largest counter with one ``AXES_FAILURE_LIMIT``; here the username+address
    counter has the low limit and the address counter its higher ceiling. A successful log-in
    clears only its own username+address counter, never the address's: otherwise an attacker with
    one account of their own could log into it between guesses and never meet the ceiling.
    """

    def _counts(self, request, credentials) -> list[int]:
        return [self.cache.get(key, default=0) for key in get_client_cache_keys(request, credentials)]

    def is_locked(self, request, credentials=None) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        return any(count >= limit for count, limit in zip(self._counts(request, credentials), _limits(), strict=True))

    def attempts_left(self, request, credentials) -> int:
        """Failed log-ins this client may still make before it is locked out (the nearest limit)."""
        return max(
            0, min(limit - count for count, limit in zip(self._counts(request, credentials), _limits(), strict=True))
        )

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and getattr(request, "axes_locked_out", False):
            # Axes locked out on the largest counter against the lowest limit: decide per counter.
            request.axes_locked_out = self.is_locked(request, credentials)

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        keys = get_client_cache_keys(request, get_credentials(user.get_username()))
        self.cache.delete(keys[0])  # the username+address counter only


def attempts_left(request, username: str) -> int:
    """How many more wrong passwords for ``username`` from this client before the lock-out."""
    return LoginThrottleHandler().attempts_left(request, {settings.AXES_USERNAME_FORM_FIELD: username})


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the same 429 page for every surface (the admin's log-in too)."""
    return too_many_attempts(request, settings.LOGIN_FAILURE_WINDOW_S)


def too_many_attempts(request, window_s: int):
    minutes = max(1, round(window_s / 60))
    return render(request, "registration/too_many_attempts.html", {"minutes": minutes}, status=429)


def signup_limited(request) -> bool:
    """Count one sign-up from this address; True once the address is over SIGNUP_MAX_PER_IP."""
    rate = f"{settings.SIGNUP_MAX_PER_IP}/{settings.SIGNUP_WINDOW_S}s"
    return is_ratelimited(request, group="accounts.signup", key="ip", rate=rate, method="POST", increment=True)


def password_reset_limited(request) -> bool:
    """Count one password-reset request from this address; True once it is over the hourly limit
    (the reset page would otherwise send mail to anyone's address as fast as it is asked)."""
    rate = f"{settings.PASSWORD_RESET_MAX_PER_IP}/h"
    return is_ratelimited(request, group="accounts.password_reset", key="ip", rate=rate, method="POST", increment=True)
