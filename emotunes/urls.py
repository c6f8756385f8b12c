from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("history/", include("moods.urls")),
    path("api/engagement/", include("engagement.urls")),
    path("api/", include("recommender.urls")),
    # The admin's own password change checks the old password with check_password(), which no
    # throttle sees; staff change theirs on the accounts page, where authenticate() is throttled.
    path("admin/password_change/", RedirectView.as_view(url=reverse_lazy("password_change"))),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page's <link rel=icon> says.
    # Resolved per request: the static storage's manifest is only read once collectstatic has run.
    path("favicon.ico", lambda request: redirect(static("img/favicon.svg"), permanent=True)),
]
