"""Staff see how moods are spread across all listeners, day by day; individual timelines only
with the explicit `moods.view_individual_moods` permission."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from moods import selectors, statistics
from moods.models import MoodEntry, MoodStatistics

INDIVIDUAL_PERMISSION = "moods.view_individual_moods"


class ReadOnlyAdmin(admin.ModelAdmin):
    """A recorded mood is a fact about the past, and only its owner may delete it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MoodEntry)
class MoodEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "emotion", "confidence", "source", "session_id")
    list_filter = ("emotion", "source")
    date_hierarchy = "created_at"
    search_fields = ("user__username",)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and request.user.has_perm(INDIVIDUAL_PERMISSION)

    def has_module_permission(self, request):
        return self.has_view_permission(request)


@admin.register(MoodStatistics)
class MoodStatisticsAdmin(ReadOnlyAdmin):
    """One page of per-day counts; it has no per-entry views at all."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and obj is None

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [path("", self.admin_site.admin_view(self.changelist_view), name="{}_{}_changelist".format(*info))]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            period = selectors.parse_period(request.GET)
        except selectors.PeriodError:
            period = selectors.parse_period({})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Mood statistics (all listeners)",
            "period": period,
            "stats": statistics.daily_statistics(period=period),
        }
        # Days without a single listener say nothing row by row: an empty period is one sentence.
        context["recorded"] = any(row["listeners"] for row in context["stats"]["rows"])
        return TemplateResponse(request, "admin/moods/mood_statistics.html", context)
