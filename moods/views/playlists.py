"""Playlists: the JSON API the live page saves recommendations through, and the pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from moods import selectors, services
from moods.forms import MoveTrackForm, RenamePlaylistForm, TrackForm
from moods.views.common import json_body, json_error, login_required_json, own_playlist

# --- JSON API ----------------------------------------------------------------------------------


@login_required_json
@require_http_methods(["GET", "POST"])
def api_playlists(request):
    if request.method == "GET":
        return JsonResponse(
            {
                "playlists": [
                    {
                        "id": p.pk,
                        "name": p.name,
                        "emotion": p.emotion,
                        "tracks": p.track_count,
                        "url": reverse("moods:playlist", args=[p.pk]),
                        "tracks_url": reverse("moods:api_playlist_tracks", args=[p.pk]),
                    }
                    for p in selectors.playlists_for(user=request.user)
                ]
            }
        )
    try:
        body = json_body(request)
        playlist = services.create_playlist(
            user=request.user, name=body.get("name"), track_ids=body.get("track_ids"), emotion=body.get("emotion") or ""
        )
    except services.PlaylistError as error:
        return json_error(str(error))
    payload = selectors.playlist_dict(playlist) | {
        "url": reverse("moods:playlist", args=[playlist.pk]),
        "tracks_url": reverse("moods:api_playlist_tracks", args=[playlist.pk]),
    }
    return JsonResponse(payload, status=201)


@login_required_json
@require_http_methods(["GET", "PATCH", "DELETE"])
def api_playlist(request, playlist_id):
    playlist = own_playlist(request, playlist_id)
    if request.method == "DELETE":
        services.delete_playlist(playlist=playlist)
        return HttpResponse(status=204)
    if request.method == "PATCH":
        try:
            services.rename_playlist(playlist=playlist, name=json_body(request).get("name"))
        except services.PlaylistError as error:
            return json_error(str(error))
    return JsonResponse(selectors.playlist_dict(playlist))


@login_required_json
@require_POST
def api_playlist_order(request, playlist_id):
    playlist = own_playlist(request, playlist_id)
    try:
        services.reorder_playlist(playlist=playlist, track_ids=json_body(request).get("track_ids"))
    except services.PlaylistError as error:
        return json_error(str(error))
    return JsonResponse(selectors.playlist_dict(playlist))


@login_required_json
@require_POST
def api_playlist_tracks(request, playlist_id):
    """Add one track (``{"track_id": 12}``) at the end of a playlist: the live page's "Add to playlist"."""
    playlist = own_playlist(request, playlist_id)
    try:
        added = services.add_track(playlist=playlist, track_id=json_body(request).get("track_id"))
    except services.PlaylistError as error:
        return json_error(str(error))
    return JsonResponse(
        {
            "id": playlist.pk,
            "name": playlist.name,
            "emotion": playlist.emotion,
            "added": added,
            "tracks": playlist.items.count(),
            "url": reverse("moods:playlist", args=[playlist.pk]),
        }
    )


@login_required_json
@require_http_methods(["DELETE"])
def api_playlist_track(request, playlist_id, track_id):
    playlist = own_playlist(request, playlist_id)
    try:
        services.remove_track(playlist=playlist, track_id=track_id)
    except services.PlaylistError as error:
        return json_error(str(error), status=404)
    return JsonResponse(selectors.playlist_dict(playlist))


# --- Pages -----------------------------------------------------------------------------------------


@login_required
@require_GET
def playlist_list(request):
    return render(request, "moods/playlist_list.html", {"playlists": selectors.playlists_for(user=request.user)})


@login_required
@require_GET
def playlist_detail(request, playlist_id):
    playlist = own_playlist(request, playlist_id)
    return render(
        request, "moods/playlist_detail.html", {"playlist": playlist, "tracks": selectors.playlist_tracks(playlist)}
    )


def _playlist_form_action(request, playlist_id, form_class, action):
    playlist = own_playlist(request, playlist_id)
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
    return _playlist_form_action(
        request,
        playlist_id,
        MoveTrackForm,
        lambda playlist, data: services.move_track(
            playlist=playlist, track_id=data["track_id"], offset=-1 if data["direction"] == "up" else 1
        ),
    )


@login_required
@require_POST
def playlist_remove(request, playlist_id):
    return _playlist_form_action(
        request,
        playlist_id,
        TrackForm,
        lambda playlist, data: services.remove_track(playlist=playlist, track_id=data["track_id"]),
    )


@login_required
@require_POST
def playlist_rename(request, playlist_id):
    return _playlist_form_action(
        request,
        playlist_id,
        RenamePlaylistForm,
        lambda playlist, data: services.rename_playlist(playlist=playlist, name=data["name"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def playlist_delete(request, playlist_id):
    playlist = own_playlist(request, playlist_id)
    if request.method == "POST":
        name = playlist.name
        services.delete_playlist(playlist=playlist)
        messages.success(request, f"Deleted the playlist “{name}”.")
        return redirect("moods:playlists")
    return render(request, "moods/playlist_confirm_delete.html", {"playlist": playlist})
