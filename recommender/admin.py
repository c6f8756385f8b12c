"""Catalogue curation for staff: search, filters, bulk (de)activation, CSV import, re-clustering."""

import io

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.safestring import mark_safe

from core.emotions import EMOTION_CHOICES
from recommender.importers import FORMATS, FormatError
from recommender.models import Cluster, Clustering, ClusterMembership, Track, Video
from recommender.plots import clustering_svg
from recommender.services import import_catalogue, request_refresh, set_active


class ActiveEmotionFilter(admin.SimpleListFilter):
    title = "emotion (active clustering)"
    parameter_name = "emotion"

    def lookups(self, request, model_admin):
        return EMOTION_CHOICES

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(memberships__clustering__is_active=True, memberships__cluster__emotion=self.value())
        return queryset


class ActiveClusterFilter(admin.SimpleListFilter):
    title = "cluster (active clustering)"
    parameter_name = "cluster"

    def lookups(self, request, model_admin):
        return [
            (str(c.pk), f"#{c.index} {c.emotion} ({c.size})")
            for c in Cluster.objects.filter(clustering__is_active=True).order_by("index")
        ]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(memberships__cluster_id=int(self.value()))
        return queryset


class GenreFilter(admin.SimpleListFilter):
    title = "genre"
    parameter_name = "genre"

    def lookups(self, request, model_admin):
        genres = Track.objects.exclude(genre="").values_list("genre", flat=True).distinct().order_by("genre")[:200]
        return [(g, g) for g in genres]

    def queryset(self, request, queryset):
        return queryset.filter(genre=self.value()) if self.value() else queryset


@admin.action(description="Activate selected items")
def activate(modeladmin, request, queryset):
    count = set_active(queryset, True)
    modeladmin.message_user(request, f"Activated {count} item(s).", messages.SUCCESS)


@admin.action(description="Deactivate selected items (never recommended)")
def deactivate(modeladmin, request, queryset):
    count = set_active(queryset, False)
    modeladmin.message_user(request, f"Deactivated {count} item(s).", messages.SUCCESS)


@admin.action(description="Re-cluster the catalogue now")
def recluster(modeladmin, request, queryset):
    _start_refresh(modeladmin, request)


def _start_refresh(modeladmin, request):
    request_refresh(trigger=f"admin ({request.user.get_username()})")
    modeladmin.message_user(
        request, "Re-clustering started: the new clustering replaces the active one once it is complete.", messages.INFO
    )


class CatalogueImportForm(forms.Form):
    file = forms.FileField(help_text="A CSV in one of the catalogue formats (UTF-8).")
    format = forms.ChoiceField(choices=[("", "Detect from the header")] + [(f, f) for f in FORMATS], required=False)


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "artist",
        "genre",
        "valence",
        "arousal",
        "dominance",
        "active_emotion",
        "source",
        "youtube_id",
        "is_active",
    )
    list_filter = ("is_active", "source", ActiveEmotionFilter, ActiveClusterFilter, GenreFilter)
    search_fields = ("title", "artist", "genre", "source_id", "spotify_id")
    actions = [activate, deactivate, recluster]
    list_per_page = 50
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ("title", "artist", "genre", "is_active")}),
        (
            "Emotion (1–9, Warriner scale)",
            {"fields": ("valence", "arousal", "dominance", "mood_tags", "mood_tag_count")},
        ),
        ("Identifiers", {"fields": ("youtube_id", "spotify_id", "deezer_id", "musicbrainz_id", "source", "source_id")}),
    ]
    readonly_fields = ("source", "source_id", "mood_tag_count")
    change_list_template = "admin/recommender/track/change_list.html"

    def get_queryset(self, request):
        emotion = ClusterMembership.objects.filter(track=OuterRef("pk"), clustering__is_active=True).values(
            "cluster__emotion"
        )
        return super().get_queryset(request).annotate(active_emotion=Subquery(emotion[:1]))

    @admin.display(description="cluster emotion", ordering="active_emotion")
    def active_emotion(self, track):
        return track.active_emotion or "—"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="recommender_track_import"),
            path("recluster/", self.admin_site.admin_view(self.recluster_view), name="recommender_track_recluster"),
        ] + super().get_urls()

    def import_view(self, request):
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = CatalogueImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                text = io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline="")
                report = import_catalogue(text, fmt=form.cleaned_data["format"] or None, name=upload.name)
            except FormatError as exc:
                form.add_error("file", str(exc))
            else:
                level = messages.WARNING if report.errors else messages.SUCCESS
                self.message_user(request, report.summary(), level)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "title": "Import a catalogue CSV",
        }
        return TemplateResponse(request, "admin/recommender/track/import_csv.html", context)

    def recluster_view(self, request):
        if request.method != "POST" or not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:recommender_track_changelist"))
        _start_refresh(self, request)
        return HttpResponseRedirect(reverse("admin:recommender_clustering_changelist"))


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = (
        "youtube_id",
        "start_s",
        "short_title",
        "words",
        "emotion",
        "valence",
        "arousal",
        "source",
        "is_active",
    )
    list_filter = ("is_active", "source", "emotion")
    search_fields = ("youtube_id", "title")
    actions = [activate, deactivate]
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "youtube_id",
        "start_s",
        "end_s",
        "title",
        "mood_words",
        "audioset_moods",
        "valence",
        "arousal",
        "dominance",
        "emotion",
        "source",
        "is_active",
    )
    readonly_fields = ("audioset_moods", "source")

    @admin.display(description="caption")
    def short_title(self, video):
        return video.title[:80] + ("…" if len(video.title) > 80 else "")

    @admin.display(description="mood words")
    def words(self, video):
        return ", ".join(video.mood_words[:4])


class ClusterInline(admin.TabularInline):
    model = Cluster
    fields = ("index", "emotion", "valence", "arousal", "dominance", "size")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Clustering)
class ClusteringAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "created_at",
        "status",
        "is_active",
        "k",
        "n_tracks",
        "silhouette",
        "duration_s",
        "trigger",
    )
    list_filter = ("status", "is_active")
    readonly_fields = (
        "created_at",
        "k",
        "status",
        "is_active",
        "n_tracks",
        "inertia",
        "silhouette",
        "duration_s",
        "trigger",
        "error",
        "quality_per_k",
        "scatter_plot",
    )
    exclude = ("k_scan", "scaler")
    inlines = [ClusterInline]
    change_list_template = "admin/recommender/clustering/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a clustering is a record of a run: look, don't edit

    @admin.display(description="valence–arousal scatter")
    def scatter_plot(self, clustering):
        if clustering.status != Clustering.Status.READY:
            return "—"
        return mark_safe(clustering_svg(clustering))  # built from numbers and escaped labels only

    @admin.display(description="quality per k")
    def quality_per_k(self, clustering):
        if not clustering.k_scan:
            return "—"
        rows = "".join(
            f"<tr><td>{r['k']}</td><td>{r['inertia_per_track']:.3f}</td><td>{r['silhouette']:.3f}</td></tr>"
            for r in clustering.k_scan
        )
        return mark_safe(
            f"<table><tr><th>k</th><th>inertia per track</th><th>silhouette</th></tr>{rows}</table>"
            f"<p>on a sample of {clustering.k_scan[0]['sample']} tracks</p>"
        )
