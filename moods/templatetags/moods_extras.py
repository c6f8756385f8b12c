from django import template

from core.emotions import EMOJI

register = template.Library()


@register.filter
def emoji(emotion: str) -> str:
    return EMOJI.get(emotion, "")
