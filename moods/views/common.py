"""What the moods views share: JSON answers and the listener's own objects."""

import json
from functools import wraps

from django.http import Http404, JsonResponse
from django.views.decorators.cache import never_cache

from moods import selectors, services
from moods.models import Playlist


def json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def login_required_json(view):
    """A 401 with a JSON reason instead of a redirect: a script cannot follow a log-in page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return json_error("Log in to see your history.", status=401)
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise services.PlaylistError("The request body must be JSON.") from None
    if not isinstance(body, dict):
        raise services.PlaylistError("The request body must be a JSON object.")
    return body


def own_playlist(request, playlist_id: int) -> Playlist:
    """The signed-in listener's playlist, or 404: someone else's id looks like no playlist at all."""
    try:
        return selectors.get_playlist(user=request.user, playlist_id=playlist_id)
    except Playlist.DoesNotExist:
        raise Http404("No such playlist.") from None
