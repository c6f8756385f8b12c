"""What the moods views share: JSON answers and the listener's own objects."""

from functools import wraps

from django.http import Http404, JsonResponse
from django.views.decorators.cache import never_cache

from core.jsonbody import parse_json_body
from moods import selectors
from moods.models import Playlist

# A playlist of PLAYLIST_MAX_TRACKS ids and a name fit in a few kB; a larger body is refused (413)
# before it is parsed.
MAX_JSON_BODY = 16 * 1024


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
    """The body as a JSON object, size and depth bounded; a JsonBodyError (400/413) otherwise,
    which core.middleware.JsonErrorMiddleware answers in JSON."""
    return parse_json_body(request, max_bytes=MAX_JSON_BODY, empty={})


def own_playlist(request, playlist_id: int) -> Playlist:
    """The signed-in listener's playlist, or 404: someone else's id looks like no playlist at all."""
    try:
        return selectors.get_playlist(user=request.user, playlist_id=playlist_id)
    except Playlist.DoesNotExist:
        raise Http404("No such playlist.") from None
