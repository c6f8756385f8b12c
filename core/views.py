import hmac

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import check_all


@require_GET
def home(request):
    return render(request, "core/home.html")


def _may_see_details(request) -> bool:
    token = settings.HEALTHZ_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    try:
        user = request.user
        return bool(user.is_authenticated and user.is_active and user.is_staff)
    except Exception:  # the session store (the database) is down: the answer is still healthy or not
        return False


@never_cache
@require_GET
def healthz(request):
    """Anonymous callers learn healthy or not; staff, or `Authorization: Bearer $HEALTHZ_TOKEN`,
    each check's details (which back-ends, timings, errors)."""
    report = check_all()
    status = 200 if report["healthy"] else 503
    if _may_see_details(request):
        return JsonResponse(report, status=status)
    return JsonResponse({"healthy": report["healthy"]}, status=status)
