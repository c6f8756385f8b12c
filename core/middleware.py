import logging
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.shortcuts import render

from core.jsonbody import JsonBodyError

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
        if is_json_path(request) or "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse({"error": "database_unavailable", "message": message}, status=503)
        else:
            response = render(request, "core/unavailable.html", {"message": message}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response


def is_json_path(request) -> bool:
    return request.path.startswith(settings.JSON_PATH_PREFIXES)


def _json_error(status: int, message: str = "", code: str = "") -> JsonResponse:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return JsonResponse(
        {"error": code or phrase.lower().replace(" ", "_"), "message": message or phrase}, status=status
    )


class JsonErrorMiddleware:
    """Every answer of a JSON endpoint (settings.JSON_PATH_PREFIXES) is JSON, errors included.

    Django's own error pages are HTML: a 404 for an unknown path or a failing path converter, a
    405 from require_http_methods, a 403 from the CSRF check, a 400 for a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE. Those keep their status and get a JSON body. An exception that
    escapes a view is answered 500 in JSON (and logged), never as the HTML error page; a
    JsonBodyError carries its own 400/413. Database outages are DatabaseUnavailableMiddleware's
    (503), which runs first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_json_path(request)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            converted = _json_error(response.status_code)
            for header in ("Allow", "Retry-After"):
                if header in response:
                    converted[header] = response[header]
            return converted
        return response

    def process_exception(self, request, exception):
        if not is_json_path(request) or isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if isinstance(exception, JsonBodyError):
            return _json_error(exception.status, exception.message, exception.code)
        if isinstance(exception, Http404):
            return _json_error(404, "Not found.")
        if isinstance(exception, PermissionDenied):
            return _json_error(403)
        if isinstance(exception, RequestDataTooBig):
            return _json_error(413, "The request body is too large.")
        if isinstance(exception, SuspiciousOperation):
            return _json_error(400)
        logger.exception("unexpected error in %s %s", request.method, request.path)
        return _json_error(500, "Something went wrong on our side.", "internal")


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` (settings.PERMISSIONS_POLICY): the camera for this site only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
