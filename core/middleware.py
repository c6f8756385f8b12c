import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 5


class DatabaseUnavailableMiddleware:
    """Answers 503 with Retry-After while the database cannot be reached.

    Nothing was written, so a client may safely send the same request again once the
    database is back; the live page's rating buttons (static/js/live/ratings.js) do so after
    the Retry-After wait.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("database unavailable for %s %s: %s", request.method, request.path, exception)
        message = "The database is unavailable for a moment. Nothing was saved; please try again shortly."
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse({"error": "database_unavailable", "message": message}, status=503)
        else:
            response = render(request, "core/unavailable.html", {"message": message}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
