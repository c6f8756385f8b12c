"""The listener's own data: downloading it, and deleting the mood history.

The same page offers to delete the whole account; that form posts to accounts.views.delete_account.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from moods import export, selectors, services
from moods.forms import DeleteHistoryForm


def _download_name(request, extension: str) -> str:
    # Any username: content_disposition_header() writes a non-ASCII name as RFC 6266 filename*.
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
    response["Content-Disposition"] = content_disposition_header(True, _download_name(request, "json"))
    return response


@login_required
@never_cache
@require_GET
def export_csv(request):
    response = HttpResponse(export.export_csv_zip(user=request.user), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, _download_name(request, "zip"))
    return response


def _render_delete_page(request, *, history_form=None, status=200):
    return render(
        request,
        "moods/delete.html",
        {
            "history_form": history_form or DeleteHistoryForm(),
            "entry_count": selectors.entry_count(user=request.user),
        },
        status=status,
    )


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
