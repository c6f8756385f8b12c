from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import check_all


@require_GET
def home(request):
    return render(request, "core/home.html")


@never_cache
@require_GET
def healthz(request):
    report = check_all()
    return JsonResponse(report, status=200 if report["healthy"] else 503)
