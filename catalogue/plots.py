"""A valence–arousal scatter plot of a clustering, drawn server-side as inline SVG (no scripts, no CDN)."""

import numpy as np
from django.utils.html import escape

from catalogue.models import ClusterMembership
from core.emotions import EMOJI, EMOTION_COLOURS, EMOTIONS, WARRINER_VAD

# The history page's colours too, so an emotion looks the same on every chart.
COLOURS = EMOTION_COLOURS
WIDTH, HEIGHT, MARGIN = 640, 520, 56


def _x(valence: float) -> float:
    return MARGIN + (valence - 1) / 8 * (WIDTH - 2 * MARGIN)


def _y(arousal: float) -> float:
    return HEIGHT - MARGIN - (arousal - 1) / 8 * (HEIGHT - 2 * MARGIN)


def label_width(text: str, font_px: float = 12) -> float:
    """A generous estimate of a bold label's width in px (an emoji counts as two characters)."""
    return sum(2 if ord(ch) > 0x2000 else 1 for ch in text) * font_px * 0.62


def clustering_svg(clustering, *, max_points: int = 3000, seed: int = 0) -> str:
    clusters = {c.pk: c for c in clustering.clusters.all()}
    rows = np.array(
        list(
            ClusterMembership.objects.filter(clustering=clustering).values_list(
                "track__valence", "track__arousal", "cluster_id"
            )
        ),
        dtype=float,
    ).reshape(-1, 3)
    if len(rows) > max_points:
        rows = rows[np.random.default_rng(seed).choice(len(rows), max_points, replace=False)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        # Presentation attributes and a white rect, not a style attribute: the CSP allows no inline styles.
        f'role="img" aria-labelledby="va-title" font-family="sans-serif" font-size="12">',
        f'<title id="va-title">Valence–arousal scatter of clustering #{clustering.pk}: {len(rows)} tracks shown, '
        f"{len(clusters)} clusters</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
    ]
    for tick in range(1, 10):  # grid and axes
        parts.append(f'<line x1="{_x(tick):.1f}" y1="{_y(1):.1f}" x2="{_x(tick):.1f}" y2="{_y(9):.1f}" stroke="#eee"/>')
        parts.append(f'<line x1="{_x(1):.1f}" y1="{_y(tick):.1f}" x2="{_x(9):.1f}" y2="{_y(tick):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{_x(tick):.1f}" y="{_y(1) + 16:.1f}" text-anchor="middle">{tick}</text>')
        parts.append(f'<text x="{_x(1) - 8:.1f}" y="{_y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
    parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 12}" text-anchor="middle">valence (unpleasant → pleasant)</text>')
    parts.append(
        f'<text transform="translate(16 {HEIGHT / 2}) rotate(-90)" text-anchor="middle">arousal (calm → excited)</text>'
    )
    for valence, arousal, cluster_id in rows:
        colour = COLOURS.get(clusters[int(cluster_id)].emotion, "#333") if int(cluster_id) in clusters else "#333"
        parts.append(
            f'<circle cx="{_x(valence):.1f}" cy="{_y(arousal):.1f}" r="2" fill="{colour}" fill-opacity="0.35"/>'
        )
    for emotion in EMOTIONS:  # where the emotion words themselves sit
        v, a, _ = WARRINER_VAD[emotion]
        parts.append(
            f'<text x="{_x(v):.1f}" y="{_y(a):.1f}" text-anchor="middle" fill="{COLOURS[emotion]}" '
            f'font-size="11" font-style="italic">“{emotion}”</text>'
        )
    for cluster in clusters.values():
        colour = COLOURS.get(cluster.emotion, "#333")
        x, y = _x(cluster.valence), _y(cluster.arousal)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{colour}" stroke="#000" stroke-width="1.5"/>')
        label = f"{EMOJI.get(cluster.emotion, '')} {cluster.emotion} ({cluster.size})"
        # A label that would run past the right edge ("happy (1960" cut off) goes to the left of its dot.
        right = x + 12 + label_width(label) <= WIDTH - 4
        parts.append(
            f'<text x="{x + 12 if right else x - 12:.1f}" y="{y + 4:.1f}" text-anchor="{"start" if right else "end"}" '
            f'font-weight="bold">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
