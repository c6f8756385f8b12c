"""JSON endpoints: thin wrappers around selectors.recommend and services.rate_item."""

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.jsonbody import JsonBodyError, parse_json_body
from recommender.selectors import recommend
from recommender.services import rate_item

MAX_BODY = 4096


def _error(message: str, status: int = 400, field: str = "") -> JsonResponse:
    return JsonResponse({"error": message, **({"field": field} if field else {})}, status=status)


@never_cache
@require_GET
def recommendations(request):
    params = request.GET
    vad = None
    if "valence" in params or "arousal" in params:
        try:
            vad = (
                float(params["valence"]),
                float(params["arousal"]),
                float(params["dominance"]) if params.get("dominance") else None,
            )
        except (KeyError, ValueError):
            return _error("valence and arousal must both be numbers between 1 and 9.", field="vad")
    try:
        limit = int(params.get("limit", 10))
        video_limit = int(params.get("video_limit", 4))
        page = int(params.get("page", 0))
    except ValueError:
        return _error("limit, video_limit and page must be whole numbers.", field="limit")
    emotion = params.get("emotion") or None
    if emotion is None and vad is None:
        return _error(
            "Give an emotion (angry, disgust, fear, happy, sad, surprise, neutral) or valence and arousal.",
            field="emotion",
        )
    try:
        payload = recommend(
            emotion=emotion,
            vad=vad,
            user=request.user,
            strategy=params.get("strategy", "match"),
            limit=limit,
            video_limit=video_limit,
            page=page,
        )
    except ValueError as exc:
        return _error(str(exc).capitalize() + ".")
    return JsonResponse(payload)


@never_cache
@require_POST
def ratings(request):
    # CsrfViewMiddleware has already checked the X-CSRFToken header by the time we get here.
    if not request.user.is_authenticated:
        return _error("Log in to rate songs and videos.", status=401)
    try:  # size (Content-Length first) and nesting checked before the body is parsed
        data = parse_json_body(request, max_bytes=MAX_BODY)
    except JsonBodyError as exc:
        return _error(exc.message, status=exc.status)
    try:
        rating = rate_item(
            user=request.user,
            item_type=data.get("item_type"),
            item_id=data.get("item_id"),
            value=data.get("value"),
            emotion=data.get("emotion") or "",
            strategy=data.get("strategy") or "",
        )
    except ValidationError as exc:
        status = 404 if exc.code == "not_found" else 400
        return _error(exc.messages[0], status=status, field=exc.code or "")
    item = rating.track_id and "track" or "video"
    return JsonResponse(
        {
            "id": rating.pk,
            "item_type": item,
            "item_id": rating.track_id or rating.video_id,
            "value": rating.value,
            "emotion": rating.emotion,
            "strategy": rating.strategy,
        },
        status=200,
    )
