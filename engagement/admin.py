"""The staff's engagement dashboard: aggregates only (engagement.statistics), no individual rows.

One page under Engagement › Engagement statistics: per emotion × strategy and per day or week,
with charts (Chart.js from /static/vendor/chartjs) and a CSV download (?format=csv).
"""

import io

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from core.csvcells import SafeWriter
from engagement import statistics
from engagement.models import EngagementStatistics

PERIODS = (7, 30, 90, 365)


def _choice(params, name, allowed, default):
    value = params.get(name)
    try:
        value = type(default)(value)
    except (TypeError, ValueError):
        return default
    return value if value in allowed else default


@admin.register(EngagementStatistics)
class EngagementStatisticsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and obj is None

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        return [path("", self.admin_site.admin_view(self.changelist_view), name=name)]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = _choice(request.GET, "days", PERIODS, 30)
        by = _choice(request.GET, "by", ("day", "week"), "day")
        groups = statistics.table(days=days)
        over_time = statistics.table(days=days, by=by)
        if request.GET.get("format") == "csv":
            return _csv_response(groups, over_time, days)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Engagement (all listeners)",
            "days": days,
            "by": by,
            "periods": PERIODS,
            "groups": groups,
            "over_time": over_time,
            "items": statistics.items(days=days),
            "play_signals": statistics.play_signals(days=days),
            "chart_data": {"groups": groups, "over_time": over_time},
        }
        return TemplateResponse(request, "admin/engagement/engagement_statistics.html", context)


def _csv_response(groups, over_time, days) -> HttpResponse:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(["section", *statistics.TABLE_HEADER])
    for section, rows in (("emotion_strategy", groups), ("over_time", over_time)):
        for cells in statistics.csv_rows(rows):
            writer.writerow([section, *cells])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="emotunes-engagement-{days}d.csv"'
    return response
