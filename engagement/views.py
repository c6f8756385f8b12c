"""POST /api/engagement/: a batch of impressions and events from a page (engagement.services)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from core.jsonbody import JsonBodyError, parse_json_body
from engagement.services import PageViewLimit, record_batch


@never_cache
@require_POST
def events(request):
    # CsrfViewMiddleware has checked X-CSRFToken: the page sends with fetch(keepalive), not sendBeacon.
    if is_ratelimited(
        request, group="engagement.events", key="ip", rate=settings.ENGAGEMENT_RATE, method="POST", increment=True
    ):
        return JsonResponse({"error": "rate_limited", "message": "Too many engagement batches; slow down."}, status=429)
    try:
        data = parse_json_body(request, max_bytes=settings.ENGAGEMENT_MAX_BODY_BYTES)
    except JsonBodyError as exc:
        return JsonResponse({"error": exc.code, "message": exc.message}, status=exc.status)

    def admit_page_view() -> bool:
        return not is_ratelimited(
            request,
            group="engagement.page_views",
            key="ip",
            rate=settings.ENGAGEMENT_PAGE_VIEW_RATE,
            method="POST",
            increment=True,
        )

    try:
        saved = record_batch(data=data, user=request.user, admit_page_view=admit_page_view)
    except PageViewLimit as exc:
        return JsonResponse({"error": "rate_limited", "message": str(exc)}, status=429)
    except ValidationError as exc:
        return JsonResponse({"error": "invalid", "field": exc.code or "", "message": exc.messages[0]}, status=400)
    return JsonResponse({"saved": saved}, status=202)
