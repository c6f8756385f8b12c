"""Thin views over moods.selectors (reads) and moods.services (writes).

Pages redirect anonymous visitors to the log-in page; the JSON endpoints answer 401. Every
object is looked up through the signed-in user, so another listener's id answers 404.
"""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from moods import selectors, services
from moods.forms import (
    DeleteAccountForm,
    DeleteHistoryForm,
    MoveTrackForm,
    RateTrackForm,
    RenamePlaylistForm,
    TrackForm,
)
from moods.models import MoodEntry, Playlist

PERIOD_CHOICES = (7, 30, 90, 365)


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def login_required_json(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _json_error("Log in to see your history.", status=401)
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise services.PlaylistError("The request body must be JSON.") from None
    if not isinstance(body, dict):
        raise services.PlaylistError("The request body must be a JSON object.")
    return body


def _own_playlist(request, playlist_id: int) -> Playlist:
    try:
        return selectors.get_playlist(user=request.user, playlist_id=playlist_id)
    except Playlist.DoesNotExist:
        raise Http404("No such playlist.") from None


def _with_period(request, build):
    try:
        period = selectors.parse_period(request.GET)
    except selectors.PeriodError as error:
        return _json_error(str(error))
    return JsonResponse(build(user=request.user, period=period))


# --- History page and its chart data ---------------------------------------------------------


@login_required
@never_cache
@require_GET
def history(request):
    try:
        period = selectors.parse_period(request.GET)
    except selectors.PeriodError as error:
        messages.error(request, str(error))
        period = selectors.parse_period({})
    context = {
        "period": period,
        "period_choices": PERIOD_CHOICES,
        "period_days": (period.end - period.start).days + 1,
        "today": timezone.localdate(),
        "shares": selectors.emotion_shares(user=request.user, period=period),
        "sessions": selectors.sessions(user=request.user, period=period)[:50],
        "liked": selectors.liked_tracks_by_mood(user=request.user)["moods"],
    }
    return render(request, "moods/history.html", context)


@login_required_json
@require_GET
def api_daily(request):
    return _with_period(request, selectors.daily_counts)


@login_required_json
@require_GET
def api_shares(request):
    return _with_period(request, selectors.emotion_shares)


@login_required_json
@require_GET
def api_sessions(request):
    return _with_period(request, lambda **kw: {**kw["period"].as_dict(), "sessions": selectors.sessions(**kw)})


@login_required_json
@require_GET
def api_session(request, session_id):
    try:
        return JsonResponse(selectors.session_timeline(user=request.user, session_id=session_id))
    except MoodEntry.DoesNotExist:
        return _json_error("No such session.", status=404)


@login_required_json
@require_GET
def api_liked(request):
    return JsonResponse(selectors.liked_tracks_by_mood(user=request.user))


@login_required
@require_POST
def rate_track(request):
    """Like or dislike a song from the history page; feeds the recommender like the live page does."""
    from recommender.services import rate_item

    form = RateTrackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That rating could not be understood; nothing was changed.")
    else:
        data = form.cleaned_data
        try:
            rate_item(user=request.user, item_type="track", item_id=data["track_id"], value=data["value"],
                      emotion=data["emotion"], strategy="")
        except ValidationError as error:
            messages.error(request, f"That rating could not be saved: {' '.join(error.messages)}")
        else:
            messages.success(request, "Thanks — your recommendations will take that into account.")
    return redirect(reverse("moods:history") + "#liked")


# --- Playlists: JSON API ---------------------------------------------------------------------------


@login_required_json
@require_http_methods(["GET", "POST"])
def api_playlists(request):
    if request.method == "GET":
        return JsonResponse({"playlists": [
            {"id": p.pk, "name": p.name, "emotion": p.emotion, "tracks": p.track_count,
             "url": reverse("moods:playlist", args=[p.pk])}
            for p in selectors.playlists_for(user=request.user)
        ]})
    try:
        body = _json_body(request)
        playlist = services.create_playlist(
            user=request.user, name=body.get("name"), track_ids=body.get("track_ids"), emotion=body.get("emotion") or ""
        )
    except services.PlaylistError as error:
        return _json_error(str(error))
    payload = selectors.playlist_dict(playlist) | {"url": reverse("moods:playlist", args=[playlist.pk])}
    return JsonResponse(payload, status=201)


@login_required_json
@require_http_methods(["GET", "PATCH", "DELETE"])
def api_playlist(request, playlist_id):
    playlist = _own_playlist(request, playlist_id)
    if request.method == "DELETE":
        services.delete_playlist(playlist=playlist)
        return HttpResponse(status=204)
    if request.method == "PATCH":
        try:
            services.rename_playlist(playlist=playlist, name=_json_body(request).get("name"))
        except services.PlaylistError as error:
            return _json_error(str(error))
    return JsonResponse(selectors.playlist_dict(playlist))


@login_required_json
@require_POST
def api_playlist_order(request, playlist_id):
    playlist = _own_playlist(request, playlist_id)
    try:
        services.reorder_playlist(playlist=playlist, track_ids=_json_body(request).get("track_ids"))
    except services.PlaylistError as error:
        return _json_error(str(error))
    return JsonResponse(selectors.playlist_dict(playlist))


@login_required_json
@require_http_methods(["DELETE"])
def api_playlist_track(request, playlist_id, track_id):
    playlist = _own_playlist(request, playlist_id)
    try:
        services.remove_track(playlist=playlist, track_id=track_id)
    except services.PlaylistError as error:
        return _json_error(str(error), status=404)
    return JsonResponse(selectors.playlist_dict(playlist))


# --- Playlists: pages -------------------------------------------------------------------------------


@login_required
@require_GET
def playlist_list(request):
    return render(request, "moods/playlist_list.html", {"playlists": selectors.playlists_for(user=request.user)})


@login_required
@require_GET
def playlist_detail(request, playlist_id):
    playlist = _own_playlist(request, playlist_id)
    return render(request, "moods/playlist_detail.html",
                  {"playlist": playlist, "tracks": selectors.playlist_tracks(playlist)})


def _playlist_form_action(request, playlist_id, form_class, action):
    playlist = _own_playlist(request, playlist_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "That change could not be understood; the playlist is unchanged.")
    else:
        try:
            action(playlist, form.cleaned_data)
        except services.PlaylistError as error:
            messages.error(request, str(error))
    return redirect("moods:playlist", playlist_id=playlist.pk)


@login_required
@require_POST
def playlist_move(request, playlist_id):
    return _playlist_form_action(request, playlist_id, MoveTrackForm, lambda playlist, data: services.move_track(
        playlist=playlist, track_id=data["track_id"], offset=-1 if data["direction"] == "up" else 1))


@login_required
@require_POST
def playlist_remove(request, playlist_id):
    return _playlist_form_action(request, playlist_id, TrackForm, lambda playlist, data: services.remove_track(
        playlist=playlist, track_id=data["track_id"]))


@login_required
@require_POST
def playlist_rename(request, playlist_id):
    return _playlist_form_action(request, playlist_id, RenamePlaylistForm, lambda playlist, data: services.rename_playlist(
        playlist=playlist, name=data["name"]))


@login_required
@require_http_methods(["GET", "POST"])
def playlist_delete(request, playlist_id):
    playlist = _own_playlist(request, playlist_id)
    if request.method == "POST":
        name = playlist.name
        services.delete_playlist(playlist=playlist)
        messages.success(request, f"Deleted the playlist “{name}”.")
        return redirect("moods:playlists")
    return render(request, "moods/playlist_confirm_delete.html", {"playlist": playlist})


# --- Export and deletion -----------------------------------------------------------------------------


def _download_name(request, extension: str) -> str:
    return f"emotunes-{request.user.get_username()}-{timezone.localdate().isoformat()}.{extension}"


@login_required
@require_GET
def export_page(request):
    return render(request, "moods/export.html")


@login_required
@never_cache
@require_GET
def export_json(request):
    response = JsonResponse(selectors.export_data(user=request.user), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{_download_name(request, "json")}"'
    return response


@login_required
@never_cache
@require_GET
def export_csv(request):
    response = HttpResponse(selectors.export_csv_zip(user=request.user), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{_download_name(request, "zip")}"'
    return response


def _render_delete_page(request, *, history_form=None, account_form=None, status=200):
    return render(request, "moods/delete.html", {
        "history_form": history_form or DeleteHistoryForm(),
        "account_form": account_form or DeleteAccountForm(user=request.user),
        "entry_count": selectors.entry_count(user=request.user),
    }, status=status)


@login_required
@require_GET
def delete_page(request):
    return _render_delete_page(request)


@login_required
@require_POST
def delete_history(request):
    form = DeleteHistoryForm(request.POST)
    if not form.is_valid():
        return _render_delete_page(request, history_form=form, status=400)
    deleted = services.delete_history(user=request.user, include_ratings=form.cleaned_data["include_ratings"])
    messages.success(request, f"Deleted {deleted['mood_entries']} mood entries and {deleted['ratings']} ratings.")
    return redirect("moods:history")


@login_required
@require_POST
def delete_account(request):
    form = DeleteAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_delete_page(request, account_form=form, status=400)
    user = request.user
    logout(request)
    services.delete_account(user=user)
    messages.success(request, "Your account and everything EmoTunes held about you have been deleted.")
    return redirect("home")
