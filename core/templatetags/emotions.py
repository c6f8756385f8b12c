from django import template
from django.utils.html import json_script

from core.emotions import palette

register = template.Library()

PALETTE_ELEMENT_ID = "emotion-palette"


@register.simple_tag
def emotion_palette():
    """`<script type="application/json" id="emotion-palette">` with core.emotions.palette().

    The live page and the history page read their emotions, emoji and colours from it:
    one source, the server's, whatever the scripts are.
    """
    return json_script(palette(), PALETTE_ELEMENT_ID)
