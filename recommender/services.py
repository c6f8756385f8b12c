"""Writes: listeners' ratings of tracks and videos."""

from django.core.exceptions import ValidationError

from catalogue.models import Track, Video
from core.emotions import EMOTIONS
from core.validation import parse_db_id
from recommender.engine.strategies import STRATEGIES
from recommender.models import Rating

ITEM_MODELS = {"track": Track, "video": Video}


def rate_item(*, user, item_type: str, item_id, value, emotion: str = "", strategy: str = "") -> Rating:
    """Like (+1) or dislike (-1) a track or video; rating the same item again replaces the rating."""
    if user is None or not user.is_authenticated:
        raise ValidationError("Log in to rate.", code="login_required")
    # Types first: a list or dict from the JSON body is not hashable, so `in` a dict would raise.
    if not isinstance(item_type, str) or item_type not in ITEM_MODELS:
        raise ValidationError("item_type must be 'track' or 'video'.", code="item_type")
    if isinstance(value, bool) or not isinstance(value, int) or value not in (Rating.LIKE, Rating.DISLIKE):
        raise ValidationError("value must be 1 (like) or -1 (dislike).", code="value")
    item_id = parse_db_id(item_id)  # ASCII digits, within the database's integer
    if item_id is None:
        raise ValidationError("item_id must be an integer id.", code="item_id")
    emotion = emotion or ""
    strategy = strategy or ""
    if not isinstance(emotion, str) or (emotion and emotion not in EMOTIONS):
        raise ValidationError(f"emotion must be one of {', '.join(EMOTIONS)}.", code="emotion")
    if not isinstance(strategy, str) or (strategy and strategy not in STRATEGIES):
        raise ValidationError(f"strategy must be one of {', '.join(STRATEGIES)}.", code="strategy")
    # A withdrawn (inactive) track or video cannot be rated: to a listener it does not exist.
    item = ITEM_MODELS[item_type].objects.filter(pk=item_id, is_active=True).first()
    if item is None:
        raise ValidationError(f"There is no {item_type} {item_id}.", code="not_found")
    rating, _ = Rating.objects.update_or_create(
        user=user, **{item_type: item}, defaults={"value": value, "emotion": emotion, "strategy": strategy}
    )
    return rating
