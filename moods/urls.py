from django.urls import path

from moods.views import data, history, playlists

app_name = "moods"

urlpatterns = [
    path("", history.history, name="history"),
    path("rate/", history.rate_track, name="rate"),
    path("api/daily/", history.api_daily, name="api_daily"),
    path("api/shares/", history.api_shares, name="api_shares"),
    path("api/sessions/", history.api_sessions, name="api_sessions"),
    path("api/sessions/<str:session_id>/", history.api_session, name="api_session"),
    path("api/liked/", history.api_liked, name="api_liked"),
    path("api/playlists/", playlists.api_playlists, name="api_playlists"),
    path("api/playlists/<id:playlist_id>/", playlists.api_playlist, name="api_playlist"),
    path("api/playlists/<id:playlist_id>/order/", playlists.api_playlist_order, name="api_playlist_order"),
    path("api/playlists/<id:playlist_id>/tracks/", playlists.api_playlist_tracks, name="api_playlist_tracks"),
    path(
        "api/playlists/<id:playlist_id>/tracks/<id:track_id>/", playlists.api_playlist_track, name="api_playlist_track"
    ),
    path("playlists/", playlists.playlist_list, name="playlists"),
    path("playlists/<id:playlist_id>/", playlists.playlist_detail, name="playlist"),
    path("playlists/<id:playlist_id>/move/", playlists.playlist_move, name="playlist_move"),
    path("playlists/<id:playlist_id>/remove/", playlists.playlist_remove, name="playlist_remove"),
    path("playlists/<id:playlist_id>/rename/", playlists.playlist_rename, name="playlist_rename"),
    path("playlists/<id:playlist_id>/delete/", playlists.playlist_delete, name="playlist_delete"),
    path("export/", data.export_page, name="export"),
    path("export/emotunes-data.json", data.export_json, name="export_json"),
    path("export/emotunes-data.zip", data.export_csv, name="export_csv"),
    path("delete/", data.delete_page, name="delete"),
    path("delete/history/", data.delete_history, name="delete_history"),
]
