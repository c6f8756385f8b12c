"""The history page, the JSON its charts are drawn from, and re-rating liked songs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from moods import selectors
from moods.forms import RateTrackForm
from moods.models import MoodEntry
from moods.views.common import json_error, login_required_json

PERIOD_CHOICES = (7, 30, 90, 365)


def _with_period(request, build):
    try:
        period = selectors.parse_period(request.GET)
    except selectors.PeriodError as error:
        return json_error(str(error))
    return JsonResponse(build(user=request.user, period=period))


@login_required
@never_cache
@require_GET
def history(request):
    try:
        period = selectors.parse_period(request.GET)
    except selectors.PeriodError as error:
        messages.error(request, str(error))
        period = selectors.parse_period({})
    context = {
        "period": period,
        "period_choices": PERIOD_CHOICES,
        "period_days": (period.end - period.start).days + 1,
        "today": timezone.localdate(),
        "shares": selectors.emotion_shares(user=request.user, period=period),
        "sessions": selectors.sessions(user=request.user, period=period)[:50],
        "liked": selectors.liked_tracks_by_mood(user=request.user)["moods"],
    }
    return render(request, "moods/history.html", context)


@login_required_json
@require_GET
def api_daily(request):
    return _with_period(request, selectors.daily_counts)


@login_required_json
@require_GET
def api_shares(request):
    return _with_period(request, selectors.emotion_shares)


@login_required_json
@require_GET
def api_sessions(request):
    return _with_period(request, lambda **kw: {**kw["period"].as_dict(), "sessions": selectors.sessions(**kw)})


@login_required_json
@require_GET
def api_session(request, session_id):
    try:
        return JsonResponse(selectors.session_timeline(user=request.user, session_id=session_id))
    except MoodEntry.DoesNotExist:
        return json_error("No such session.", status=404)


@login_required_json
@require_GET
def api_liked(request):
    return JsonResponse(selectors.liked_tracks_by_mood(user=request.user))


@login_required
@require_POST
def rate_track(request):
    """Like or dislike a song from the history page; feeds the recommender like the live page does."""
    from recommender.services import rate_item

    form = RateTrackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That rating could not be understood; nothing was changed.")
    else:
        data = form.cleaned_data
        try:
            rate_item(
                user=request.user,
                item_type="track",
                item_id=data["track_id"],
                value=data["value"],
                emotion=data["emotion"],
                strategy="",
            )
        except ValidationError as error:
            messages.error(request, f"That rating could not be saved: {' '.join(error.messages)}")
        else:
            messages.success(request, "Thanks — your recommendations will take that into account.")
    return redirect(reverse("moods:history") + "#liked")
