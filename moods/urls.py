from django.urls import path

from moods import views

app_name = "moods"

urlpatterns = [
    path("", views.history, name="history"),
    path("rate/", views.rate_track, name="rate"),
    path("api/daily/", views.api_daily, name="api_daily"),
    path("api/shares/", views.api_shares, name="api_shares"),
    path("api/sessions/", views.api_sessions, name="api_sessions"),
    path("api/sessions/<str:session_id>/", views.api_session, name="api_session"),
    path("api/liked/", views.api_liked, name="api_liked"),
    path("api/playlists/", views.api_playlists, name="api_playlists"),
    path("api/playlists/<int:playlist_id>/", views.api_playlist, name="api_playlist"),
    path("api/playlists/<int:playlist_id>/order/", views.api_playlist_order, name="api_playlist_order"),
    path("api/playlists/<int:playlist_id>/tracks/<int:track_id>/", views.api_playlist_track, name="api_playlist_track"),
    path("playlists/", views.playlist_list, name="playlists"),
    path("playlists/<int:playlist_id>/", views.playlist_detail, name="playlist"),
    path("playlists/<int:playlist_id>/move/", views.playlist_move, name="playlist_move"),
    path("playlists/<int:playlist_id>/remove/", views.playlist_remove, name="playlist_remove"),
    path("playlists/<int:playlist_id>/rename/", views.playlist_rename, name="playlist_rename"),
    path("playlists/<int:playlist_id>/delete/", views.playlist_delete, name="playlist_delete"),
    path("export/", views.export_page, name="export"),
    path("export/emotunes-data.json", views.export_json, name="export_json"),
    path("export/emotunes-data.zip", views.export_csv, name="export_csv"),
    path("delete/", views.delete_page, name="delete"),
    path("delete/history/", views.delete_history, name="delete_history"),
    path("delete/account/", views.delete_account, name="delete_account"),
]
