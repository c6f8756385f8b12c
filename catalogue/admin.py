"""Catalogue curation for staff: search, filters, bulk (de)activation, CSV import, re-clustering."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe

from catalogue import catalogue_imports
from catalogue.importers import EXAMPLE_HEADERS, FORMATS
from catalogue.models import Cluster, Clustering, ClusterMembership, Track, Video
from catalogue.plots import clustering_svg
from catalogue.services import queue_upload, request_refresh, set_active
from core.emotions import EMOTION_CHOICES

# --- Figures to a sensible precision ---------------------------------------------------------
# VAD on the 1–9 scale to two decimals (a hundredth of a scale point is below any rating's
# noise), silhouettes to three, inertia and seconds to two: never "7.544999999999999".
VAD_PLACES = 2


def rounded(field: str, places: int = VAD_PLACES, description: str | None = None, unit: str = ""):
    """A list or read-only column showing a float field to `places` decimals, sortable by the field."""

    @admin.display(description=description or field.replace("_", " "), ordering=field)
    def show(self, obj):
        value = getattr(obj, field)
        return "—" if value is None else f"{value:,.{places}f}{unit}"

    show.__name__ = f"{field}_shown"
    return show


class RoundedVadForm(forms.ModelForm):
    """The change form shows stored VAD to VAD_PLACES decimals (what staff typed, not float noise)."""

    VAD_FIELDS = ("valence", "arousal", "dominance")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.VAD_FIELDS:
            if name in self.fields:
                self.fields[name].widget.attrs["step"] = "any"
                if isinstance(self.initial.get(name), float):
                    self.initial[name] = round(self.initial[name], VAD_PLACES)


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
        "valence_shown",
        "arousal_shown",
        "dominance_shown",
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
    change_list_template = "admin/catalogue/track/change_list.html"
    form = RoundedVadForm
    valence_shown, arousal_shown, dominance_shown = rounded("valence"), rounded("arousal"), rounded("dominance")

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
            path("import/", self.admin_site.admin_view(self.import_view), name="catalogue_track_import"),
            path(
                "import/<str:job_id>/",
                self.admin_site.admin_view(self.import_status_view),
                name="catalogue_track_import_status",
            ),
            path(
                "import/<str:job_id>/rejected.csv",
                self.admin_site.admin_view(self.import_rejected_view),
                name="catalogue_track_import_rejected",
            ),
            path("recluster/", self.admin_site.admin_view(self.recluster_view), name="catalogue_track_recluster"),
        ] + super().get_urls()

    def import_view(self, request):
        """Upload a catalogue CSV: checked for size, then imported by a Celery task (item 9 of
        issue #16: parsing and re-clustering inside the request held Daphne for seconds)."""
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = CatalogueImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > settings.CATALOGUE_IMPORT_MAX_BYTES:  # before a byte of it is read
                    raise catalogue_imports.UploadTooLarge(
                        f"The file is larger than {settings.CATALOGUE_IMPORT_MAX_BYTES // (1024 * 1024)} MB; "
                        "import it with `manage.py import_catalogue` instead."
                    )
                job = queue_upload(
                    data=upload.read(), name=upload.name, fmt=form.cleaned_data["format"] or None, user=request.user
                )
            except catalogue_imports.UploadTooLarge as exc:
                form.add_error("file", str(exc))
            else:
                return HttpResponseRedirect(reverse("admin:catalogue_track_import_status", args=[job["id"]]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "Import a catalogue CSV",
            "example_headers": EXAMPLE_HEADERS,
            "max_mb": settings.CATALOGUE_IMPORT_MAX_BYTES // (1024 * 1024),
            "max_rows": settings.CATALOGUE_IMPORT_MAX_ROWS,
        }
        return TemplateResponse(request, "admin/catalogue/track/import_csv.html", context)

    def import_status_view(self, request, job_id):
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        job = catalogue_imports.get_job(job_id)
        if job is None:
            raise Http404("No such import (or it is older than CATALOGUE_IMPORT_KEEP_S).")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "job": job,
            **catalogue_imports.import_times_and_clustering(job),
            "job_report_url": reverse("admin:catalogue_track_import_rejected", args=[job["id"]]),
            "title": f"Import of {job['name']}",
        }
        return TemplateResponse(request, "admin/catalogue/track/import_status.html", context)

    def import_rejected_view(self, request, job_id):
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        report = catalogue_imports.rejected_csv(job_id)
        if report is None:
            raise Http404("No rejected rows for this import.")
        response = HttpResponse(report, content_type="text/csv; charset=utf-8")
        job = catalogue_imports.get_job(job_id)
        response["Content-Disposition"] = content_disposition_header(True, f"rejected-{job['name']}")
        return response

    def recluster_view(self, request):
        if request.method != "POST" or not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:catalogue_track_changelist"))
        _start_refresh(self, request)
        return HttpResponseRedirect(reverse("admin:catalogue_clustering_changelist"))


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = (
        "youtube_id",
        "start_s",
        "short_title",
        "mood",
        "mood_source",
        "words",
        "emotion",
        "valence_shown",
        "arousal_shown",
        "source",
        "is_active",
    )
    list_filter = ("is_active", "source", "mood", "mood_source", "emotion")
    search_fields = ("youtube_id", "title", "caption")
    actions = [activate, deactivate]
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "youtube_id",
        "start_s",
        "end_s",
        "title",
        "caption",
        "mood",
        "mood_source",
        "mood_probabilities",
        "mood_words",
        "mood_phrase",
        "audioset_moods",
        "valence",
        "arousal",
        "dominance",
        "emotion",
        "source",
        "is_active",
    )
    readonly_fields = ("audioset_moods", "mood_probabilities", "source")
    form = RoundedVadForm
    valence_shown, arousal_shown = rounded("valence"), rounded("arousal")

    @admin.display(description="title")
    def short_title(self, video):
        return video.title[:80] + ("…" if len(video.title) > 80 else "")

    @admin.display(description="mood words")
    def words(self, video):
        return ", ".join(video.mood_words[:4])


class ClusterInline(admin.TabularInline):
    model = Cluster
    fields = ("index", "emotion", "valence_shown", "arousal_shown", "dominance_shown", "size")
    readonly_fields = fields
    valence_shown, arousal_shown = rounded("valence"), rounded("arousal")
    dominance_shown = rounded("dominance")
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
        "silhouette_shown",
        "duration_shown",
        "trigger",
    )
    list_filter = ("status", "is_active")
    readonly_fields = (
        "created_at",
        "k",
        "status",
        "is_active",
        "n_tracks",
        "inertia_shown",
        "silhouette_shown",
        "duration_shown",
        "trigger",
        "error",
        "quality_per_k",
        "scatter_plot",
    )
    exclude = ("k_scan", "scaler", "inertia", "silhouette", "duration_s")  # shown rounded instead
    inlines = [ClusterInline]
    inertia_shown = rounded("inertia", 2)
    silhouette_shown = rounded("silhouette", 3)
    duration_shown = rounded("duration_s", 2, "duration", " s")
    change_list_template = "admin/catalogue/clustering/change_list.html"

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
        # The scan fits each k once on a sample; this clustering's own row shows its own fit (all
        # tracks, the figures above), so the table and the page never give two silhouettes for one k.
        rows = []
        for r in clustering.k_scan:
            if r["k"] == clustering.k and clustering.silhouette is not None:
                inertia = (
                    clustering.inertia / clustering.n_tracks if clustering.inertia and clustering.n_tracks else None
                )
                shown = f"{inertia:.3f}" if inertia is not None else "—"
                rows.append(
                    f"<tr class='this-clustering'><td>{r['k']} (this clustering, all tracks)</td><td>{shown}</td>"
                    f"<td>{clustering.silhouette:.3f}</td></tr>"
                )
            else:
                rows.append(
                    f"<tr><td>{r['k']}</td><td>{r['inertia_per_track']:.3f}</td><td>{r['silhouette']:.3f}</td></tr>"
                )
        return mark_safe(
            f"<table><tr><th>k</th><th>inertia per track</th><th>silhouette</th></tr>{''.join(rows)}</table>"
            f"<p>other k: on a sample of {clustering.k_scan[0]['sample']} tracks</p>"
        )
