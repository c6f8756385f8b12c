from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("history/", include("moods.urls")),
    path("api/", include("recommender.urls")),
    path("admin/", admin.site.urls),
]
